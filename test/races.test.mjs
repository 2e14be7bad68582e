import test from "node:test";
import assert from "node:assert/strict";
import * as wasm from "../lib/index.js";
import { fixtureText, prng } from "./support.mjs";

const { ErrorCode: E, WasmError } = wasm;

// Every promise must settle: a lost completion would hang here, and the
// test runner's timeout turns a hang into a failure.
test("calls, drops and dropModule racing on one instance never crash or lose a result", async () => {
  const rt = new wasm.Runtime();
  const rand = prng(42);
  let resolved = 0;
  let refused = 0;
  for (let round = 0; round < 300; round++) {
    const m = rt.compileSync(fixtureText("counter.wat"));
    const inst = await rt.instantiate(m);
    const calls = [];
    const dropAt = Math.floor(rand() * 12);
    const how = Math.floor(rand() * 4);
    for (let i = 0; i < 12; i++) {
      if (i === dropAt) {
        if (how === 0) inst.dropSync();
        else if (how === 1) calls.push(inst.drop().then(() => "dropped"));
        else if (how === 2) rt.dropModule(m);
        // Later, from the event loop; the round waits for it, so the drop
        // races the calls rather than the next round.
        else calls.push(new Promise((resolve) => setImmediate(() => { inst.dropSync(); resolve("dropped"); })));
      }
      calls.push(inst.call("inc"));
      try {
        inst.callSync("get");
      } catch (e) {
        assert.ok(e instanceof WasmError && [E.CallError, E.InvalidInstanceHandle].includes(e.code), String(e));
      }
    }
    const outcomes = await Promise.allSettled(calls);
    const values = [];
    for (const o of outcomes) {
      if (o.status === "fulfilled") {
        if (o.value !== "dropped") values.push(o.value);
      } else {
        assert.ok(o.reason instanceof WasmError, String(o.reason));
        assert.equal(o.reason.code, E.InvalidInstanceHandle, o.reason.message);
        refused++;
      }
    }
    // The calls that ran saw the counter in order, none skipped or repeated.
    assert.deepEqual(values, values.map((_, i) => [i + 1]));
    resolved += values.length;
    if (how !== 2) rt.dropModule(m);
  }
  assert.ok(resolved > 0 && refused > 0, `${resolved} resolved, ${refused} refused`);
  assert.equal(rt.instanceCount, 0);
});

test("many instances called and dropped from parallel async work all settle", async () => {
  const rt = new wasm.Runtime();
  const m = await rt.compile(fixtureText("traps.wat"));
  const work = Array.from({ length: 40 }, async (_, k) => {
    const inst = await rt.instantiate(m);
    const pending = [inst.call("spin", 100_000n), inst.call("spin", 200_000n)];
    if (k % 2) await inst.drop();
    else inst.dropSync();
    return Promise.allSettled(pending);
  });
  for (const outcomes of await Promise.all(work)) {
    for (const o of outcomes) {
      if (o.status === "rejected") assert.equal(o.reason.code, E.InvalidInstanceHandle);
      else assert.ok(o.value.length === 1 && (o.value[0] === 100_000n || o.value[0] === 200_000n), String(o.value));
    }
  }
  assert.equal(rt.instanceCount, 0);
});
