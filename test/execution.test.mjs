import test from "node:test";
import assert from "node:assert/strict";
import * as wasm from "../lib/index.js";
import { fixtureText, expectCode } from "./support.mjs";

const { ErrorCode: E, WasmError } = wasm;
const code = (fn, c) => expectCode(fn, c, WasmError);
const traps = wasm.compileSync(fixtureText("traps.wat"));
const clock = wasm.compileSync(fixtureText("clock.wat"));
const counter = wasm.compileSync(fixtureText("counter.wat"));

test("the JS thread stays free while a long guest call runs", async () => {
  const inst = await wasm.instantiate(traps);
  let settled = false;
  const call = inst.call("spin", 1_000_000_000n).finally(() => { settled = true; });
  // Count the event loop's turns until the call settles.
  let turns = 0;
  while (!settled) {
    await new Promise((r) => setImmediate(r));
    turns++;
  }
  assert.deepEqual(await call, [1_000_000_000n]);
  assert.ok(turns >= 2, `the event loop turned ${turns} times during the call`);
});

test("calls into one instance settle in arrival order", async () => {
  const inst = await wasm.instantiate(counter);
  const results = await Promise.all(Array.from({ length: 100 }, () => inst.call("inc")));
  assert.deepEqual(results, Array.from({ length: 100 }, (_, i) => [i + 1]));
});

test("a sync call on an instance busy with an async call fails at once with 5002", async () => {
  const inst = await wasm.instantiate(traps);
  const pending = inst.call("spin", 300_000_000n);
  const e = await code(() => inst.callSync("spin", 1n), E.CallError);
  assert.match(e.message, /busy/);
  await code(() => inst.memory.readSync(0, 1), E.CallError);
  assert.deepEqual(await pending, [300_000_000n]);
  assert.deepEqual(inst.callSync("spin", 1n), [1n], "idle again once settled");
});

test("two instances of one module keep separate memories", async () => {
  const [a, b] = await Promise.all([wasm.instantiate(counter), wasm.instantiate(counter)]);
  await a.memory.write(0, new Uint8Array([1, 2, 3]));
  assert.deepEqual([...(await b.memory.read(0, 3))], [0, 0, 0]);
  assert.deepEqual(await a.call("inc"), [1]);
  assert.deepEqual(await a.call("inc"), [2]);
  assert.deepEqual(await a.call("get"), [2]);
  assert.deepEqual(await b.call("get"), [0]);
});

test("async calls on two instances run at the same time", async () => {
  const [a, b] = await Promise.all([wasm.instantiate(clock), wasm.instantiate(clock)]);
  // Each guest reads the monotonic clock when its call starts and ends.
  const [[s1, e1], [s2, e2]] = await Promise.all([a.call("timed_spin", 400_000_000n), b.call("timed_spin", 400_000_000n)]);
  assert.ok(s1 < e2 && s2 < e1, `intervals [${s1}, ${e1}] and [${s2}, ${e2}] overlap`);
});

test("traps reject with 5002, a named trap and a wasm backtrace; the instance stays usable", async () => {
  const inst = await wasm.instantiate(traps);
  const e = await code(() => inst.call("unreachable"), E.CallError);
  assert.equal(e.trap, "unreachable");
  assert.ok(Array.isArray(e.wasmBacktrace) && e.wasmBacktrace.length > 0);
  assert.equal(typeof e.wasmBacktrace[0].funcIndex, "number");
  assert.equal((await code(() => inst.call("div", 1, 0), E.CallError)).trap, "integer divide by zero");
  assert.equal((await code(() => inst.callSync("oob"), E.CallError)).trap, "out of bounds memory access");
  assert.equal((await code(() => inst.call("recurse", 0), E.CallError)).trap, "stack overflow");
  assert.deepEqual(await inst.call("div", 6, 3), [2]);
});
