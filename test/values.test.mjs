import test from "node:test";
import assert from "node:assert/strict";
import * as wasm from "../lib/index.js";
import { fixtureText, expectCode } from "./support.mjs";

const { ErrorCode: E, WasmError, types } = wasm;
const code = (fn, c) => expectCode(fn, c, WasmError);
const inst = wasm.instantiateSync(wasm.compileSync(fixtureText("add.wat")));

test("i32 takes integers in [-2^31, 2^32) and returns signed numbers", async () => {
  assert.deepEqual(await inst.call("add", 2, 3), [5]);
  assert.deepEqual(inst.callSync("add", 4294967295, 0), [-1]);
  assert.deepEqual(inst.callSync("add", -2147483648, 0), [-2147483648]);
  assert.deepEqual(inst.callSync("add", 2147483647, 1), [-2147483648]);
  for (const bad of [3.5, 4294967296, -2147483649, NaN, Infinity, 1n, "1", null, undefined, {}, [1]]) {
    await code(() => inst.call("add", bad, 1), E.TypeError);
    await code(() => inst.callSync("add", bad, 1), E.TypeError);
  }
});

test("i64 takes bigint (and safe-integer numbers) and always returns bigint", async () => {
  assert.deepEqual(await inst.call("add64", 1n, 2n), [3n]);
  assert.deepEqual(inst.callSync("add64", 9223372036854775807n, 1n), [-9223372036854775808n]);
  assert.deepEqual(inst.callSync("add64", 18446744073709551615n, 0n), [-1n]);
  assert.deepEqual(inst.callSync("add64", 5, 6), [11n]);
  assert.deepEqual(inst.callSync("add64", Number.MAX_SAFE_INTEGER, 0), [9007199254740991n]);
  for (const bad of [2n ** 64n, -(2n ** 63n) - 1n, 2 ** 53, 1.5, "1"]) {
    await code(() => inst.call("add64", bad, 0n), E.TypeError);
  }
});

test("floats are converted by signature: 3 to f64 is 3.0", async () => {
  assert.deepEqual(await inst.call("addf64", 3, 0.5), [3.5]);
  assert.deepEqual(inst.callSync("addf32", 0.1, 0.2), [Math.fround(Math.fround(0.1) + Math.fround(0.2))]);
  const nan = inst.callSync("addf64", NaN, 1);
  assert.equal(nan.length, 1);
  assert.ok(Number.isNaN(nan[0]));
  assert.deepEqual(inst.callSync("addf64", Infinity, 1), [Infinity]);
  await code(() => inst.call("addf64", 1n, 1), E.TypeError);
});

test("results are always an array: [] for none, [x] for one, [x, y] for several", async () => {
  assert.deepEqual(await inst.call("swap", 7, 1.5), [1.5, 7]);
  assert.deepEqual(inst.callSync("swap", 7, 1.5), [1.5, 7]);
  assert.deepEqual(await inst.call("nothing"), []);
  assert.deepEqual(inst.callSync("nothing"), []);
  assert.deepEqual(await inst.call("answer"), [42]);
  assert.deepEqual(inst.callSync("answer"), [42]);
  for (const r of [await inst.call("nothing"), inst.callSync("answer"), await inst.call("swap", 1, 2)]) assert.ok(Array.isArray(r));
  const [result] = await inst.call("add", 10, 32);
  assert.equal(result, 42, "const [result] = await instance.call(...) works");
});

test("v128 crosses as a 16-byte Uint8Array", async () => {
  const a = Uint8Array.from({ length: 16 }, (_, i) => i);
  const b = new Uint8Array(16).fill(0xff);
  const results = await inst.call("v128_xor", a, b);
  assert.equal(results.length, 1);
  const [r] = results;
  assert.ok(r instanceof Uint8Array);
  assert.deepEqual([...r], [...a].map((x) => x ^ 0xff));
  await code(() => inst.call("v128_xor", new Uint8Array(15), b), E.TypeError);
  await code(() => inst.call("v128_xor", 1, b), E.TypeError);
});

test("types.* state the type and are checked against the signature", async () => {
  assert.deepEqual(await inst.call("add", types.i32(1), types.i32(2)), [3]);
  assert.deepEqual(await inst.call("add64", types.i64(1n), types.i64(2)), [3n]);
  assert.deepEqual(await inst.call("addf64", types.f64(1), 2), [3]);
  assert.deepEqual(await inst.call("addf32", types.f32(1), 2), [3]);
  const e = await code(() => inst.call("add", types.i64(1n), 2), E.TypeError);
  assert.match(e.message, /i64/);
  await code(() => inst.call("add", types.i32(1.5), 2), E.TypeError);
  await code(() => inst.call("add", { wasmType: "nope", value: 1 }, 2), E.TypeError);
});

test("wrong arity is 5007 and the instance stays usable", async () => {
  const e = await code(() => inst.call("add", 1), E.TypeError);
  assert.match(e.message, /2 argument/);
  await code(() => inst.call("add", 1, 2, 3), E.TypeError);
  await code(() => inst.callSync("answer", 1), E.TypeError);
  await code(() => inst.call(42), E.TypeError);
  assert.deepEqual(await inst.call("add", 1, 1), [2]);
});
