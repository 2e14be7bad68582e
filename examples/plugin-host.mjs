// A plugin host: untrusted modules run with fuel, a deadline and a memory
// cap. Misbehaving plugins are stopped with an error code; the host and the
// well-behaved plugin carry on. Run: node examples/plugin-host.mjs
import * as wasm from "../lib/index.js";

const plugins = {
  "well-behaved": `(module (func (export "work") (result i32) i32.const 42))`,
  "infinite loop": `(module (func (export "work") (result i32) (loop br 0) i32.const 0))`,
  "fuel hog": `(module (func (export "work") (result i32) (local i32)
    (loop $l (local.set 0 (i32.add (local.get 0) (i32.const 1))) (br_if $l (i32.ne (local.get 0) (i32.const -1))))
    local.get 0))`,
  "memory bomb": `(module (memory (export "memory") 1)
    (func (export "work") (result i32)
      (loop $l (br_if $l (i32.ne (memory.grow (i32.const 16)) (i32.const -1))))
      memory.size))`,
  "crashes": `(module (func (export "work") (result i32) unreachable))`,
  "stack smasher": `(module (func $f (export "work") (result i32) call $f))`,
};

// Every plugin gets a deadline and a memory cap; the fuel hog also a fuel budget.
const limits = { timeoutMs: 200, maxMemoryBytes: 4 << 20 };
const extra = { "fuel hog": { fuel: 10_000_000 } };
const runtime = new wasm.Runtime({ maxInstances: 16 });

for (const [name, source] of Object.entries(plugins)) {
  const started = performance.now();
  let outcome;
  try {
    const inst = await runtime.instantiate(await runtime.compile(source), { ...limits, ...extra[name] });
    const [result] = await inst.call("work");
    outcome = `returned ${result}`;
    if (name === "memory bomb") outcome += ` (grew to ${await inst.memory.size()} pages, then memory.grow said -1)`;
    await inst.drop();
  } catch (e) {
    if (!(e instanceof wasm.WasmError)) throw e;
    outcome = `stopped: ${e.code} ${e.codeName}${e.trap ? ` (${e.trap})` : ""}`;
  }
  console.log(`${name.padEnd(14)} ${outcome} after ${(performance.now() - started).toFixed(0)} ms`);
}
const healthy = await runtime.instantiate(await runtime.compile(plugins["well-behaved"]));
console.log(`host still healthy: ${healthy.exports.work()}`);
