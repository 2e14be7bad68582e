// Differential fuzzing in npm test: a fixed set of seeds (a bounded count,
// not a time) through scripts/fuzz.mjs — generated modules run on
// runtime-wasm's namespace, its own API and Node's own WebAssembly, in
// lockstep, with no difference beyond the runner's written rules.
import test from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { check, compare, generate, RULES } from "../scripts/fuzz.mjs";

test("300 generated modules behave the same on runtime-wasm (namespace, callSync, call, callMany) and on Node's own WebAssembly", async (t) => {
  const dir = generate(1, 300);
  try {
    const files = readdirSync(dir);
    assert.ok(files.length >= 290, `wasm-gen made ${files.length} modules of 300`);
    const differing = [];
    for (const file of files) {
      const seed = Number(file.replace(".wasm", ""));
      const found = await check(readFileSync(join(dir, file)), seed);
      if (found.length) differing.push({ seed, found });
    }
    t.diagnostic(`${files.length} modules; rules: ${RULES.join(", ")}`);
    assert.deepEqual(differing, [], `replay with: node scripts/fuzz.mjs --replay <module> --seed <seed>`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("every saved reproduction (test/fuzz-regressions) behaves the same on every side", async () => {
  const dir = new URL("./fuzz-regressions/", import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith(".wasm"));
  assert.ok(files.length > 0);
  for (const file of files) {
    const seed = Number(file.replace(".wasm", ""));
    assert.deepEqual(await check(readFileSync(new URL(file, dir)), seed), [], file);
  }
});

test("the runner's comparison finds a differing step, and lets stack exhaustion on either side pass (a written rule)", () => {
  const a = [{ step: "instantiate" }, { step: "f(1)", value: 2 }];
  const b = [{ step: "instantiate" }, { step: "f(1)", value: 3 }];
  assert.deepEqual(compare(a, b, ["x", "y"]), { step: 1, x: a[1], y: b[1] });
  assert.equal(compare(a, a, ["x", "y"]), null);
  const deep = [{ step: "instantiate" }, { step: "f(1)", threw: "RangeError" }, { step: "g()", value: 1 }];
  const deeper = [{ step: "instantiate" }, { step: "f(1)", value: 9 }, { step: "g()", value: 2 }];
  assert.equal(compare(deep, deeper, ["x", "y"]), null);
});

test("2,000 hostile API inputs (wrong types, throwing getters and Proxies, pollution, huge numbers, detached buffers) end in values or documented errors, in child processes, with a sentinel instance healthy after each", async (t) => {
  const { run } = await import("../scripts/fuzz-api.mjs");
  const { cases, findings } = run(1, 2000);
  t.diagnostic(`${cases} cases`);
  assert.equal(cases, 2000);
  assert.deepEqual(findings, []);
});

test("found by the hostile-input runner: a detached ArrayBuffer given as bytes is 5007, not the engine's TypeError", async () => {
  const wasm = await import("../lib/index.js");
  const gone = () => {
    const b = new ArrayBuffer(8);
    structuredClone(b, { transfer: [b] });
    return b;
  };
  const is5007 = (e) => e instanceof wasm.WasmError && e.code === wasm.ErrorCode.TypeError && /detached/.test(e.message);
  assert.throws(() => wasm.compileSync(gone()), is5007);
  await assert.rejects(wasm.compile(gone()), is5007);
  const inst = wasm.instantiateSync(wasm.compileSync("(module (memory (export \"memory\") 1))"));
  assert.throws(() => inst.memory.writeSync(0, gone()), is5007);
  assert.deepEqual([...inst.memory.readSync(0, 2)], [0, 0]);
});
