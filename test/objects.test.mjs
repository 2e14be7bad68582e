import test from "node:test";
import assert from "node:assert/strict";
import * as wasm from "../lib/index.js";
import { fixtureText, expectCode } from "./support.mjs";

const { ErrorCode: E, WasmError } = wasm;
const code = (fn, c) => expectCode(fn, c, WasmError);
const objects = wasm.compileSync(fixtureText("objects.wat"));

test("getGlobal returns { type, mutable, value }; setGlobal converts by type", async () => {
  const inst = await wasm.instantiate(objects);
  assert.deepEqual(await inst.getGlobal("counter"), { type: "i32", mutable: true, value: 1 });
  assert.deepEqual(inst.getGlobalSync("big"), { type: "i64", mutable: true, value: -5n });
  assert.deepEqual(inst.getGlobalSync("version"), { type: "i32", mutable: false, value: 3 });
  await inst.setGlobal("counter", 41);
  assert.deepEqual(await inst.call("counter_value"), [41], "the guest sees the new value");
  inst.setGlobalSync("big", 2n ** 63n - 1n);
  assert.equal(inst.getGlobalSync("big").value, 2n ** 63n - 1n);
  await inst.setGlobal("ratio", 3);
  assert.equal((await inst.getGlobal("ratio")).value, 3);
  await code(() => inst.setGlobal("version", 4), E.TypeError);
  await code(() => inst.setGlobalSync("counter", 1.5), E.TypeError);
  await code(() => inst.setGlobal("big", 1.5), E.TypeError);
  await code(() => inst.getGlobal("nope"), E.ExportNotFound);
  await code(() => inst.getGlobalSync("table"), E.ExportNotFound);
});

test("getTable: size, grow, and function entries as callable handles", async () => {
  const inst = await wasm.instantiate(objects);
  const table = inst.getTable("table");
  assert.equal(await table.size(), 3);
  const add = await table.get(0);
  assert.ok(add instanceof wasm.TableFunction);
  assert.deepEqual([add.params, add.results], [["i32", "i32"], ["i32"]]);
  assert.deepEqual(await add.call(2, 3), [5]);
  assert.deepEqual(add.callSync(20, 22), [42]);
  const inc = table.getSync(1);
  assert.deepEqual(await inc.call(), [2], "table functions share the instance's state");
  assert.deepEqual(inc.callSync(), [3]);
  assert.deepEqual(await inst.call("counter_value"), [3]);
  assert.equal(await table.get(2), null);
  await code(() => table.get(3), E.MemoryError);
  await code(() => table.getSync(-1), E.MemoryError); // a negative index is out of bounds, as a negative offset
  await code(() => add.call(1), E.TypeError);
  assert.equal(await table.grow(5), 3);
  assert.equal(table.sizeSync(), 8);
  await code(() => table.grow(1), E.MemoryError);
  await code(() => table.grow(-1), E.MemoryError); // the same code as memory.grow(-1)
  await code(() => table.growSync(0.5), E.TypeError);
  await code(() => inst.getTable("counter").size(), E.ExportNotFound);
  await code(() => inst.getTable(7), E.TypeError);
  assert.deepEqual(inst.getExports().find((e) => e.name === "table"), { name: "table", kind: "table", element: "funcref", minimum: 3, maximum: 8, table64: false, index: 0 });
  await inst.drop();
  await code(() => add.call(1, 2), E.InvalidInstanceHandle);
});
