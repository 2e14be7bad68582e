import test from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { spawnSync } from "node:child_process";
import * as wasm from "../lib/index.js";
import { fixtureText, expectCode } from "./support.mjs";

const { ErrorCode: E, WasmError } = wasm;
const code = (fn, c) => expectCode(fn, c, WasmError);

test("instances expose ids, their module and typed exports", async () => {
  const id = await wasm.compile(fixtureText("add.wat"));
  const inst = await wasm.instantiate(id);
  assert.equal(inst.moduleId, id);
  assert.equal(typeof inst.id, "string");
  assert.notEqual(inst.id, (await wasm.instantiate(id)).id);
  const exports = await inst.getExports();
  assert.deepEqual(exports.find((e) => e.name === "add"), { name: "add", kind: "func", params: ["i32", "i32"], results: ["i32"] });
  assert.deepEqual(exports.map((e) => e.kind).sort(), [...Array(8).fill("func"), "global", "memory"].sort());
});

test("a dropped instance is 5005 for every operation", async () => {
  const inst = await wasm.instantiate(await wasm.compile(fixtureText("counter.wat")));
  await inst.drop();
  await code(() => inst.call("inc"), E.InvalidInstanceHandle);
  await code(() => inst.callSync("inc"), E.InvalidInstanceHandle);
  await code(() => inst.memory.read(0, 1), E.InvalidInstanceHandle);
  await code(() => inst.memory.sizeSync(), E.InvalidInstanceHandle);
  await code(() => inst.run(), E.InvalidInstanceHandle);
  await code(() => inst.drop(), E.InvalidInstanceHandle);
  await code(() => inst.dropSync(), E.InvalidInstanceHandle);
  const other = wasm.instantiateSync(await wasm.compile(fixtureText("counter.wat")));
  other.dropSync();
  await code(() => other.call("inc"), E.InvalidInstanceHandle);
});

test("drop() waits for calls queued before it; dropSync() frees now", async () => {
  const inst = await wasm.instantiate(await wasm.compile(fixtureText("counter.wat")));
  const call = inst.call("inc");
  const dropped = inst.drop();
  assert.equal(await call, 1);
  await dropped;
  const traps = await wasm.instantiate(await wasm.compile(fixtureText("traps.wat")));
  const running = traps.call("spin", 100_000_000n);
  const queued = traps.call("spin", 1n);
  await new Promise((r) => setTimeout(r, 5));
  traps.dropSync();
  assert.equal(await running, 100_000_000n, "a running call finishes");
  await code(() => queued, E.InvalidInstanceHandle);
});

test("dropModule drops every instance made from it", async () => {
  const rt = new wasm.Runtime();
  const m = await rt.compile(fixtureText("counter.wat"));
  const keep = await rt.instantiate(await rt.compile(fixtureText("add.wat")));
  const a = await rt.instantiate(m);
  const b = rt.instantiateSync(m);
  assert.equal(rt.instanceCount, 3);
  rt.dropModule(m);
  await code(() => a.call("inc"), E.InvalidInstanceHandle);
  await code(() => b.callSync("inc"), E.InvalidInstanceHandle);
  await code(() => rt.instantiate(m), E.InvalidModuleHandle);
  assert.equal(await keep.call("answer"), 42);
  assert.equal(rt.instanceCount, 1);
});

test("instances collected without drop() are freed", async () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc");
  const rt = new wasm.Runtime();
  const m = await rt.compile(fixtureText("counter.wat"));
  let held = [];
  for (let i = 0; i < 200; i++) held.push(await rt.instantiate(m));
  gc();
  assert.equal(rt.instanceCount, 200, "referenced instances stay");
  held = null;
  for (let i = 0; i < 20 && rt.instanceCount > 0; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(rt.instanceCount, 0);
});

test("bad instantiate arguments are typed errors and the process stays healthy", async () => {
  const m = await wasm.compile(fixtureText("add.wat"));
  await code(() => wasm.instantiate(m, 5), E.TypeError);
  await code(() => wasm.instantiate(m, []), E.TypeError);
  await code(() => wasm.instantiate(42), E.TypeError);
  await code(() => wasm.instantiate(m, { captureLimit: -1 }), E.TypeError);
  assert.equal(await (await wasm.instantiate(m, {})).call("answer"), 42);
});

test("a runtime's pool: instances beyond it still work, reused slots start clean", async () => {
  const rt = new wasm.Runtime({ pool: 1 });
  const m = await rt.compile(fixtureText("counter.wat"));
  const live = await Promise.all([1, 2, 3].map(() => rt.instantiate(m)));
  live.forEach((inst, i) => { for (let k = 0; k <= i; k++) inst.callSync("inc"); });
  assert.deepEqual(live.map((inst) => inst.callSync("get")), [1, 2, 3]);
  live[0].memory.writeSync(0, Uint8Array.of(1, 2, 3));
  for (const inst of live) inst.dropSync();
  const reused = rt.instantiateSync(m);
  assert.equal(reused.callSync("get"), 0);
  assert.deepEqual([...reused.memory.readSync(0, 3)], [0, 0, 0]);
  const off = new wasm.Runtime({ pool: 0 });
  assert.equal(off.instantiateSync(off.compileSync(fixtureText("counter.wat"))).callSync("inc"), 1);
  for (const bad of [-1, 1.5, "10"]) await code(() => new wasm.Runtime({ pool: bad }), E.TypeError);
});

test("without address space for a pool, instances are allocated on demand", () => {
  const lib = new URL("../lib/index.js", import.meta.url).href;
  const script = `
    const wasm = await import(${JSON.stringify(lib)});
    const m = wasm.compileSync(${JSON.stringify(fixtureText("counter.wat"))});
    const plain = [1, 2, 3].map(() => wasm.instantiateSync(m));
    plain.forEach((inst, i) => { for (let k = 0; k <= i; k++) inst.callSync("inc"); });
    const fueled = wasm.instantiateSync(m, { fuel: 1000, timeoutMs: 1000 });
    console.log(JSON.stringify([...plain.map((i) => i.callSync("get")), fueled.callSync("inc")]));`;
  // 50 GiB of address space: enough for Node and a few instances, far too little for a pool.
  const limited = `ulimit -v ${50 * 2 ** 20} && exec "$0" --input-type=module -e "$1"`;
  const run = spawnSync("bash", ["-c", limited, process.execPath, script], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), [1, 2, 3, 1]);
});
