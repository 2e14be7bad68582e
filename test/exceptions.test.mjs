// Exceptions across the boundary: through the namespace (the same scenarios
// on Node 26's own WebAssembly give the same answers) and through
// runtime-wasm's own API; a limit is never caught by a guest's catch_all.
import test from "node:test";
import assert from "node:assert/strict";
import * as wasm from "../lib/index.js";
import WebAssembly from "../lib/webassembly/index.js";
import { onNode26 } from "./support.mjs";
import { WAT, expected, scenarios } from "./portable/exception-scenarios.mjs";

const guest = wasm.wat2wasm(WAT);


test("exception scenarios through runtime-wasm's namespace", async () => {
  assert.deepEqual(await scenarios(WebAssembly, guest), expected);
});

test("the same exception scenarios on Node 26's own WebAssembly give the same answers", async (t) => {
  const answer = onNode26(t, new URL("./portable/exception-scenarios.mjs", import.meta.url), guest);
  if (answer !== undefined) assert.deepEqual(answer, expected);
});

test("runtime-wasm's API: an uncaught exception is 5002 with its tag and payload; a host function's throw is caught by catch_all", async () => {
  let fail = () => {};
  const id = await wasm.compile(guest);
  const donor = await wasm.instantiate(await wasm.compile(`(module (tag (export "t") (param i32)) (tag (export "js") (param externref)))`));
  // Tags exported by one instance are imported by another, which joins its store.
  const inst = await wasm.instantiate(id, { imports: { env: { fail: () => fail(), tag: donor.exports.t, js: donor.exports.js } } });
  assert.deepEqual(inst.exports.e.parameters, ["i32", "i64", "f32", "f64", "externref"]);
  const obj = {};
  for (const call of [() => inst.callSync("throw_e", 7, 8n, 1.5, 2.5, wasm.types.externref(obj)), () => inst.call("throw_e", 7, 8n, 1.5, 2.5, wasm.types.externref(obj))]) {
    const err = await (async () => { try { await call(); } catch (e) { return e; } })();
    assert.ok(err instanceof wasm.WasmError);
    assert.equal(err.code, wasm.ErrorCode.CallError);
    assert.equal(err.exception.tag, inst.exports.e);
    assert.deepEqual(err.exception.payload.slice(0, 4), [7, 8n, 1.5, 2.5]);
    assert.equal(err.exception.payload[4], obj);
  }
  const err = (() => { try { inst.callSync("throw_t", 3); } catch (e) { return e; } })();
  assert.equal(err.exception.tag, donor.exports.t);
  assert.deepEqual(err.exception.payload, [3]);
  // Values thrown by host functions, sync and async.
  for (const v of [obj, "s", 0, null, undefined]) {
    fail = () => { throw v; };
    assert.deepEqual(inst.callSync("catch_all"), [1]);
    assert.deepEqual(await inst.call("catch_all"), [1]);
    await assert.rejects(inst.call("rethrow"), (e) => e === v);
    assert.throws(() => inst.callSync("call_fail"), (e) => e === v);
  }
  fail = async () => { await null; throw obj; };
  assert.deepEqual(await inst.call("catch_all"), [1]);
  await assert.rejects(inst.call("call_fail"), (e) => e === obj);
});

test("a limit is not an exception: catch_all does not catch fuel, deadlines or traps", async () => {
  const id = await wasm.compile(`(module
    (func $spin (loop br 0))
    (func (export "guarded") (result i32)
      (block $c (try_table (catch_all $c) call $spin) (return (i32.const 0))) i32.const 1)
    (func (export "trap") (result i32)
      (block $c (try_table (catch_all $c) unreachable) (return (i32.const 0))) i32.const 1))`);
  const fuel = await wasm.instantiate(id, { fuel: 100_000 });
  await assert.rejects(fuel.call("guarded"), (e) => e.code === wasm.ErrorCode.FuelExhausted);
  const timed = await wasm.instantiate(id, { timeoutMs: 50 });
  await assert.rejects(timed.call("guarded"), (e) => e.code === wasm.ErrorCode.Timeout);
  await assert.rejects(timed.call("trap"), (e) => e.code === wasm.ErrorCode.CallError && e.trap === "unreachable");
});
