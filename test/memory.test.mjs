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
  assert.equal(await inst.call("size"), 3, "the guest sees the growth");
  assert.equal(await inst.call("load", 101), 2, "the guest sees host writes");
  await inst.call("store", 50, 77);
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
