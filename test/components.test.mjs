// Components load and describe themselves through the JS API: compile and
// compileFile tell them from modules by their header, moduleInfo gives
// their world as WIT, precompiled artifacts and the CLI's inspect work; the
// WebAssembly namespace, which compiles core modules only, refuses them.
import test from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import * as wasm from "../lib/index.js";
import WebAssembly from "../lib/webassembly/index.js";
import { expectCode, fixturePath, fixtureText, tempDir } from "./support.mjs";

const { ErrorCode: E, Runtime, WasmError } = wasm;
const code = (fn, c) => expectCode(fn, c, WasmError);
const adder = fixtureText("components/adder.wat");
const bytes = wasm.wat2wasm(adder);

test("a component compiles (text, binary, file) and moduleInfo gives its world", async () => {
  for (const id of [await wasm.compile(adder), wasm.compileSync(bytes), await wasm.compileFile(fixturePath("components/adder.wat"))]) {
    const info = wasm.moduleInfo(id);
    assert.equal(info.kind, "component");
    assert.deepEqual(info.exports, [{ name: "add", kind: "func" }]);
    assert.deepEqual(info.imports, [{ name: "test:demo/logger", kind: "instance" }]);
    assert.match(info.wit, /^package root:component;\n\nworld root \{\n {2}import test:demo\/logger;\n\n {2}export add: func\(a: u32, b: u32\) -> u32;\n\}\n/);
    assert.match(info.wit, /package test:demo \{\n {2}interface logger \{\n {4}log: func\(level: u32\);/);
  }
  assert.equal(wasm.moduleInfo(await wasm.compile("(module)")).kind, "module");
  assert.equal(wasm.validate(bytes), true);
  assert.equal(wasm.validate(bytes.subarray(0, bytes.length - 3)), false);
  await code(() => wasm.compile(bytes.subarray(0, bytes.length - 3)), E.CompileError);
});

test("instantiating a component says it is not supported yet (5001); module-only operations name the handle a component", async () => {
  const id = wasm.compileSync(bytes);
  const e = await code(() => wasm.instantiate(id), E.InstantiateError);
  assert.match(e.message, /is a component; instantiating components is not supported yet/);
  await code(() => wasm.instantiateSync(id), E.InstantiateError);
  assert.equal(wasm.tier(id), "optimized");
  wasm.dropModule(id);
  await code(() => wasm.moduleInfo(id), E.InvalidModuleHandle);
});

test("a precompiled component loads with allowPrecompiled", async () => {
  const file = join(tempDir("component"), "adder.cwasm");
  writeFileSync(file, await wasm.precompile(bytes));
  const rt = new Runtime({ allowPrecompiled: true });
  const info = rt.moduleInfo(await rt.compileFile(file));
  assert.equal(info.kind, "component");
  assert.deepEqual(info.exports, [{ name: "add", kind: "func" }]);
});

test("the WebAssembly namespace refuses components: CompileError, validate false", async () => {
  assert.throws(() => new WebAssembly.Module(bytes), (e) => e instanceof WebAssembly.CompileError && /component, not a module/.test(e.message));
  await assert.rejects(WebAssembly.compile(bytes), WebAssembly.CompileError);
  await assert.rejects(WebAssembly.instantiate(bytes), WebAssembly.CompileError);
  assert.equal(WebAssembly.validate(bytes), false);
});
