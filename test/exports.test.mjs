// `instance.exports`: the WebAssembly JS API's shape. Functions are plain JS
// functions called synchronously, giving undefined, the value, or an array;
// memories, tables and globals are Memory, Table and Global objects.
import test from "node:test";
import assert from "node:assert/strict";
import * as wasm from "../lib/index.js";
import { fixtureText, expectCode } from "./support.mjs";

const { ErrorCode: E, WasmError } = wasm;
const code = (fn, c) => expectCode(fn, c, WasmError);
const add = wasm.compileSync(fixtureText("add.wat"));
const objects = wasm.compileSync(fixtureText("objects.wat"));

/** `{ value }` or `{ code, message }` of calling `fn`. */
function outcome(fn) {
  try {
    return { value: fn() };
  } catch (e) {
    return { code: e.code, message: e.message, wasmError: e instanceof WasmError };
  }
}

test("a function gives undefined for no result, the value for one, an array for several", () => {
  const inst = wasm.instantiateSync(add);
  const { nothing, answer, swap, add: plus, add64, addf64, v128_xor: xor } = inst.exports;
  assert.equal(nothing(), undefined);
  assert.equal(answer(), 42);
  assert.deepEqual(swap(7, 1.5), [1.5, 7]);
  assert.equal(plus(2, 3), 5);
  assert.equal(plus(4294967295, 0), -1);
  assert.equal(add64(1n, 2n), 3n);
  assert.equal(add64(5, 6), 11n, "i64 results are bigint on the number path too");
  assert.equal(addf64(3, 0.5), 3.5);
  const v = xor(new Uint8Array(16).fill(1), new Uint8Array(16).fill(3));
  assert.ok(v instanceof Uint8Array);
  assert.deepEqual([...v], Array(16).fill(2));
  // The same calls through callSync give result arrays.
  assert.deepEqual(inst.callSync("nothing"), []);
  assert.deepEqual(inst.callSync("answer"), [42]);
  assert.deepEqual(inst.callSync("swap", 7, 1.5), [1.5, 7]);
});

test("exported functions are plain functions named after their export, called without `this`", () => {
  const inst = wasm.instantiateSync(add);
  const f = inst.exports.add;
  assert.equal(typeof f, "function");
  assert.equal(f.name, "add");
  assert.equal(f.call(undefined, 20, 22), 42);
  assert.equal(Reflect.apply(f, { unrelated: true }, [1, 1]), 2);
  assert.equal([[1, 2], [3, 4]].map((args) => f(...args)).join(), "3,7");
});

test("the number path of exports gives the results and errors of callSync and call", async () => {
  const inst = wasm.instantiateSync(add);
  const { add: plus } = inst.exports;
  for (const bad of [3.5, 4294967296, -2147483649, NaN, Infinity, -Infinity, "1", 1n, null, undefined, {}, [1]]) {
    const viaExports = outcome(() => plus(bad, 1));
    const viaCallSync = outcome(() => inst.callSync("add", bad, 1));
    assert.equal(viaExports.code, E.TypeError, `add(${String(bad)}, 1)`);
    assert.ok(viaExports.wasmError);
    assert.deepEqual(viaExports, viaCallSync, `add(${String(bad)}, 1)`);
    const viaCall = await code(() => inst.call("add", bad, 1), E.TypeError);
    assert.equal(viaCall.message, viaExports.message, `add(${String(bad)}, 1) async`);
  }
  const e = await code(() => plus(3.5, 1), E.TypeError);
  assert.equal(e.codeName, "TypeError");
  // Arity is checked the same way.
  for (const args of [[], [1], [1, 2, 3]]) {
    assert.deepEqual(outcome(() => plus(...args)), outcome(() => inst.callSync("add", ...args)), `${args.length} arguments`);
    assert.equal(outcome(() => plus(...args)).code, E.TypeError);
  }
  await code(() => inst.exports.answer(1), E.TypeError);
  await code(() => inst.exports.v128_xor(new Uint8Array(15), new Uint8Array(16)), E.TypeError);
  // Traps too, with their fields.
  const traps = wasm.instantiateSync(wasm.compileSync(fixtureText("traps.wat")));
  const viaExports = await code(() => traps.exports.div(1, 0), E.CallError);
  const viaCallSync = await code(() => traps.callSync("div", 1, 0), E.CallError);
  assert.equal(viaExports.trap, "integer divide by zero");
  assert.equal(viaExports.message, viaCallSync.message);
  assert.deepEqual(viaExports.wasmBacktrace, viaCallSync.wasmBacktrace);
  assert.equal(plus(1, 2), 3, "the instance stays usable");
});

test("the exports object is frozen, has a null prototype and lists the exports in order", () => {
  const inst = wasm.instantiateSync(add);
  const exports = inst.exports;
  assert.equal(Object.getPrototypeOf(exports), null);
  assert.ok(Object.isFrozen(exports));
  assert.equal(inst.exports, exports, "one object per instance");
  assert.deepEqual(Object.keys(exports), inst.getExports().map((e) => e.name));
  assert.equal("toString" in exports, false);
  assert.equal("hasOwnProperty" in exports, false);
  assert.equal(exports.missing, undefined);
  assert.throws(() => { exports.add = () => 0; }, TypeError);
  assert.throws(() => { exports.extra = 1; }, TypeError);
  assert.throws(() => { delete exports.add; }, TypeError);
  assert.throws(() => Object.setPrototypeOf(exports, {}), TypeError);
  assert.equal(exports.add(1, 2), 3, "unchanged by the attempts");
  const empty = wasm.instantiateSync(wasm.compileSync("(module)")).exports;
  assert.deepEqual(Object.keys(empty), []);
  assert.ok(Object.isFrozen(empty));
  assert.equal(Object.getPrototypeOf(empty), null);
});

test("memories are Memory objects over the instance's memory", async () => {
  const inst = wasm.instantiateSync(wasm.compileSync(fixtureText("memory.wat")));
  const { memory, scratch, load } = inst.exports;
  assert.ok(memory instanceof wasm.Memory);
  assert.ok(scratch instanceof wasm.Memory);
  assert.equal(memory.readStringSync(0, 5), "hello");
  assert.equal(await memory.readString(7, 6), "memory");
  memory.writeSync(100, Uint8Array.of(9));
  assert.equal(load(100), 9, "the guest sees the write");
  assert.equal(scratch.sizeSync(), 2);
  assert.equal(memory.sizeSync(), 1);
});

test("tables are Table objects whose entries are TableFunctions giving result arrays", async () => {
  const inst = wasm.instantiateSync(objects);
  const { table } = inst.exports;
  assert.ok(table instanceof wasm.Table);
  assert.equal(table.sizeSync(), 3);
  const plus = table.getSync(0);
  assert.ok(plus instanceof wasm.TableFunction);
  assert.deepEqual(plus.callSync(2, 3), [5]);
  assert.deepEqual(await plus.call(2, 3), [5]);
  assert.deepEqual(await table.getSync(1).call(), [2]);
  assert.equal(table.getSync(2), null);
});

test("globals are Global objects: value reads and writes, type and mutable", async () => {
  const inst = wasm.instantiateSync(objects);
  const { counter, big, ratio, version, counter_value: counterValue } = inst.exports;
  for (const g of [counter, big, ratio, version]) {
    assert.ok(g instanceof wasm.Global);
    assert.ok(Object.isFrozen(g));
  }
  assert.deepEqual([counter.type, counter.mutable, counter.value], ["i32", true, 1]);
  assert.deepEqual([big.type, big.mutable, big.value], ["i64", true, -5n]);
  assert.deepEqual([ratio.type, ratio.value], ["f64", 0.5]);
  assert.deepEqual([version.type, version.mutable, version.value], ["i32", false, 3]);
  counter.value = 41;
  assert.equal(counter.value, 41);
  assert.equal(counterValue(), 41, "the guest sees the new value");
  assert.deepEqual(inst.getGlobalSync("counter"), { type: "i32", mutable: true, value: 41 });
  big.value = 2n ** 63n - 1n;
  assert.equal(big.value, 2n ** 63n - 1n);
  ratio.value = 3;
  assert.equal(ratio.value, 3);
  await code(() => { version.value = 4; }, E.TypeError);
  assert.equal(version.value, 3);
  await code(() => { counter.value = 1.5; }, E.TypeError);
  await code(() => { big.value = 1.5; }, E.TypeError);
  assert.equal(counter.value, 41);
  const add42 = wasm.instantiateSync(add).exports.g;
  assert.deepEqual([add42.type, add42.mutable, add42.value], ["i32", false, 7]);
});

test("exports of a dropped instance are 5005", async () => {
  const inst = wasm.instantiateSync(objects);
  const { counter_value: counterValue, counter, table } = inst.exports;
  const numbers = wasm.instantiateSync(add);
  const { add: plus, swap, memory } = numbers.exports;
  assert.equal(plus(1, 2), 3);
  inst.dropSync();
  await numbers.drop();
  await code(() => counterValue(), E.InvalidInstanceHandle);
  await code(() => plus(1, 2), E.InvalidInstanceHandle);
  await code(() => swap(1, 2), E.InvalidInstanceHandle);
  await code(() => counter.value, E.InvalidInstanceHandle);
  await code(() => { counter.value = 2; }, E.InvalidInstanceHandle);
  await code(() => table.sizeSync(), E.InvalidInstanceHandle);
  await code(() => memory.readSync(0, 1), E.InvalidInstanceHandle);
  // An export first called after the drop, too.
  const fresh = wasm.instantiateSync(add);
  const { answer } = fresh.exports;
  fresh.dropSync();
  await code(() => answer(), E.InvalidInstanceHandle);
  // And the exports object first read after the drop.
  const late = wasm.instantiateSync(add);
  late.dropSync();
  await code(() => late.exports.answer(), E.InvalidInstanceHandle);
  await code(() => late.exports.add(1, 2), E.InvalidInstanceHandle);
});

test("exports of a busy instance are 5002, and work again once it is idle", async () => {
  const traps = await wasm.instantiate(await wasm.compile(fixtureText("traps.wat")));
  const { div, spin } = traps.exports;
  const running = traps.call("spin", 50_000_000n);
  await code(() => div(8, 2), E.CallError);
  await code(() => spin(1n), E.CallError);
  assert.deepEqual(await running, [50_000_000n]);
  assert.equal(div(8, 2), 4);
  assert.equal(spin(3n), 3n);
});
