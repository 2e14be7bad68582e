import test from "node:test";
import assert from "node:assert/strict";
import * as wasm from "../lib/index.js";
import { fixtureText, expectCode } from "./support.mjs";

const { ErrorCode: E, WasmError } = wasm;
const code = (fn, c) => expectCode(fn, c, WasmError);
const memoryModule = wasm.compileSync(fixtureText("memory.wat"));

test("read, write, strings, size and grow in both forms", async () => {
  const inst = await wasm.instantiate(memoryModule);
  const m = inst.memory;
  assert.equal(await m.readString(0, 13), "hello, memory");
  assert.equal(m.readStringSync(0, 5), "hello");
  await m.write(100, new Uint8Array([1, 2, 3]));
  assert.deepEqual([...(await m.read(100, 3))], [1, 2, 3]);
  m.writeSync(103, Buffer.from([4]));
  assert.deepEqual([...m.readSync(100, 4)], [1, 2, 3, 4]);
  assert.ok(m.readSync(0, 1) instanceof Uint8Array);
  assert.equal(await m.writeString(200, "héllo"), 6);
  assert.equal(m.writeStringSync(300, "ok"), 2);
  assert.equal(m.readStringSync(200, 6), "héllo");
  assert.equal(await m.size(), 1);
  assert.equal(await m.grow(1), 1);
  assert.equal(m.growSync(1), 2);
  assert.equal(m.sizeSync(), 3);
  assert.deepEqual(await inst.call("size"), [3], "the guest sees the growth");
  assert.deepEqual(await inst.call("load", 101), [2], "the guest sees host writes");
  assert.deepEqual(await inst.call("store", 50, 77), []);
  assert.deepEqual([...m.readSync(50, 1)], [77], "the host sees guest writes");
  m.writeSync(3 * 65536 - 1, new Uint8Array([9]));
  assert.equal(m.readSync(3 * 65536, 0).length, 0);
});

test("out-of-bounds, negative and huge offsets are 5006; non-integers 5007", async () => {
  const inst = await wasm.instantiate(memoryModule);
  const m = inst.memory;
  for (const [off, len] of [[-1, 1], [65536, 1], [65535, 2], [0, 2 ** 53], [2 ** 53, 1], [0, -5]]) {
    await code(() => m.read(off, len), E.MemoryError);
    await code(() => m.readSync(off, len), E.MemoryError);
    await code(() => m.readString(off, len), E.MemoryError);
  }
  await code(() => m.write(65535, new Uint8Array(2)), E.MemoryError);
  await code(() => m.writeStringSync(65535, "ab"), E.MemoryError);
  assert.deepEqual([...m.readSync(65535, 1)], [0], "a refused write writes nothing");
  for (const bad of [0.5, NaN, "0", 1n, null, {}]) {
    await code(() => m.read(bad, 1), E.TypeError);
    await code(() => m.readSync(0, bad), E.TypeError);
  }
  await code(() => m.write(0, "text"), E.TypeError);
  await code(() => m.write(0, 5), E.TypeError);
  await code(() => m.grow(4), E.MemoryError);
  await code(() => m.growSync(-1), E.MemoryError);
  assert.equal(m.sizeSync(), 1, "refused grows change nothing");
});

test("getMemory picks a named memory; no memory is 5006", async () => {
  const inst = await wasm.instantiate(memoryModule);
  assert.equal(inst.getMemory("scratch").sizeSync(), 2);
  await code(() => inst.getMemory("nope").size(), E.MemoryError);
  await code(() => inst.getMemory("load").sizeSync(), E.MemoryError);
  await code(() => inst.getMemory(5), E.TypeError);
  const bare = await wasm.instantiate(await wasm.compile("(module)"));
  await code(() => bare.memory.read(0, 1), E.MemoryError);
});

test("the first exported memory is the default when none is named memory", async () => {
  const inst = await wasm.instantiate(await wasm.compile('(module (memory (export "heap") 3))'));
  assert.equal(inst.memory.sizeSync(), 3);
});

test("readInto and readIntoSync fill any ArrayBufferView with the bytes at offset", async () => {
  const inst = await wasm.instantiate(memoryModule);
  const m = inst.memory;
  const values = [1.5, -0, Math.PI, -1e300];
  const bytes = new Uint8Array(new Float64Array(values).buffer);
  m.writeSync(1000, bytes);
  const f64 = new Float64Array(4);
  assert.equal(m.readIntoSync(1000, f64), 32);
  assert.deepEqual([...f64], values);
  const f64b = new Float64Array(4);
  assert.equal(await m.readInto(1000, f64b), 32);
  assert.deepEqual([...f64b], values);
  // A view into the middle of a larger buffer: only its own bytes change.
  const backing = new ArrayBuffer(24);
  new Uint8Array(backing).fill(0xee);
  const view = new DataView(backing, 4, 16);
  assert.equal(m.readIntoSync(1000, view), 16);
  assert.equal(view.getFloat64(0, true), 1.5);
  assert.ok(Object.is(view.getFloat64(8, true), -0));
  assert.deepEqual([...new Uint8Array(backing, 0, 4)], [0xee, 0xee, 0xee, 0xee]);
  assert.deepEqual([...new Uint8Array(backing, 20, 4)], [0xee, 0xee, 0xee, 0xee]);
  const asyncView = new DataView(new ArrayBuffer(13), 0, 13);
  assert.equal(await m.readInto(0, asyncView), 13);
  assert.equal(new TextDecoder().decode(asyncView), "hello, memory");
  const i16 = new Int16Array(new ArrayBuffer(16), 2, 3);
  assert.equal(await m.readInto(1000, i16), 6);
  assert.deepEqual(new Uint8Array(i16.buffer, 2, 6), bytes.subarray(0, 6));
  assert.equal(m.readIntoSync(0, new Float32Array(0)), 0);
  // Out of bounds in either form leaves the target untouched.
  const untouched = new Float64Array([7, 7]);
  await code(() => m.readIntoSync(65536 - 8, untouched), E.MemoryError);
  await code(() => m.readInto(65536 - 8, untouched), E.MemoryError);
  assert.deepEqual([...untouched], [7, 7]);
});

test("readInto with a wrong target or offset is 5007 with one message in both forms", async () => {
  const inst = await wasm.instantiate(memoryModule);
  const m = inst.memory;
  for (const [bad, kind] of [[[1, 2], "an array"], ["x", "string"], [null, "null"], [undefined, "undefined"], [new ArrayBuffer(4), "object"], [5, "number"], [{}, "object"]]) {
    const s = await code(() => m.readIntoSync(0, bad), E.TypeError);
    const a = await code(() => m.readInto(0, bad), E.TypeError);
    assert.equal(a.message, s.message, String(kind));
    assert.match(s.message, /ArrayBufferView/);
    assert.ok(s.message.endsWith(`got ${kind}`), s.message);
  }
  for (const bad of ["0", 1n, null, {}]) {
    const s = await code(() => m.readIntoSync(bad, new Uint8Array(1)), E.TypeError);
    const a = await code(() => m.readInto(bad, new Uint8Array(1)), E.TypeError);
    assert.equal(a.message, s.message);
    assert.match(s.message, /^offset must be a number, got /);
  }
  assert.equal((await code(() => m.readInto("0", new Uint8Array(1)), E.TypeError)).message, "offset must be a number, got string");
  assert.equal((await code(() => m.writeSync("0", new Uint8Array(1)), E.TypeError)).message, "offset must be a number, got string");
  assert.equal((await code(() => m.readString(0, "4"), E.TypeError)).message, "length must be a number, got string");
});

test("write accepts any ArrayBufferView, a Float64Array and a DataView too", async () => {
  const inst = await wasm.instantiate(memoryModule);
  const m = inst.memory;
  const f64 = new Float64Array([2.5, -7]);
  await m.write(2000, f64);
  m.writeSync(2016, new DataView(f64.buffer, 8, 8));
  const back = new Float64Array(3);
  m.readIntoSync(2000, back);
  assert.deepEqual([...back], [2.5, -7, -7]);
});
