import test from "node:test";
import assert from "node:assert/strict";
import * as wasm from "../lib/index.js";
import { fixturePath, fixtureText, expectCode } from "./support.mjs";

const { ErrorCode: E, WasmError } = wasm;

test("ErrorCode names the codes 5000-5013", () => {
  assert.deepEqual(Object.values(E), Array.from({ length: 14 }, (_, i) => 5000 + i));
  assert.ok(Object.isFrozen(E));
});

test("every code 5000-5010 is reachable through the public API", async () => {
  const add = await wasm.compile(fixtureText("add.wat"));
  const inst = await wasm.instantiate(add);
  const hello = await wasm.compile(fixtureText("wasi_hello.wat"));
  const dropped = await wasm.instantiate(add);
  await dropped.drop();
  const cases = [
    [E.CompileError, () => wasm.compile("(module (func (result i32)))")],
    [E.InstantiateError, async () => wasm.instantiate(await wasm.compile(fixtureText("imports.wat")))],
    [E.CallError, async () => (await wasm.instantiate(await wasm.compile(fixtureText("traps.wat")))).call("unreachable")],
    [E.ExportNotFound, () => inst.call("missing")],
    [E.InvalidModuleHandle, () => wasm.moduleInfo("module-0")],
    [E.InvalidInstanceHandle, () => dropped.call("answer")],
    [E.MemoryError, () => inst.memory.read(65536, 1)],
    [E.TypeError, () => inst.call("add", 3.5, 1)],
    [E.IoError, () => wasm.compileFile(fixturePath("does-not-exist.wasm"))],
    [E.PermissionDenied, () => wasm.instantiate(hello, { preopens: { "/": "/" } })],
    [E.WasiError, () => wasm.instantiate(hello, { preopens: { "/d": "/does/not/exist" } })],
  ];
  for (const [code, fn] of cases) {
    const e = await expectCode(fn, code, WasmError);
    assert.ok(e instanceof Error);
    assert.equal(e.name, "WasmError");
    assert.equal(e.codeName, Object.keys(E).find((k) => E[k] === code));
    assert.ok(e.message.length > 0);
    assert.match(e.stack, /WasmError/);
  }
  const missing = await expectCode(cases[1][1], E.InstantiateError, WasmError);
  assert.match(missing.message, /env\.log/);
});

test("a trapping start function is 5001 with the trap set", async () => {
  const m = await wasm.compile(fixtureText("start_trap.wat"));
  const e = await expectCode(() => wasm.instantiate(m), E.InstantiateError, WasmError);
  assert.equal(e.trap, "unreachable");
});

test("WasmError can be constructed by users with the same shape", () => {
  const e = new WasmError(E.Timeout, "late", { trap: "interrupt" });
  assert.equal(e.code, 5012);
  assert.equal(e.codeName, "Timeout");
  assert.equal(e.trap, "interrupt");
  assert.ok(e instanceof Error);
});

test("after every kind of bad input the process and other instances stay healthy", async () => {
  const inst = await wasm.instantiate(await wasm.compile(fixtureText("add.wat")));
  const garbage = [new Uint8Array(1 << 16).fill(0xff), new Uint8Array([0, 97, 115, 109]), "((((", "\0asm"];
  for (const g of garbage) await assert.rejects(wasm.compile(g), WasmError);
  for (const [o, l] of [[-1, 1], [2 ** 60, 1], [0, 2 ** 60], [1e308, 1]]) await assert.rejects(inst.memory.read(o, l), WasmError);
  await assert.rejects(inst.call("add"), WasmError);
  await assert.rejects(inst.call("add", "x", {}), WasmError);
  assert.deepEqual(await inst.call("add", 20, 22), [42]);
});
