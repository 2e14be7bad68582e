// `runtime-wasm/webassembly`: the WebAssembly JS API's shape backed by
// runtime-wasm, and real toolchain glue running through `install()` with the
// same results as on Node's own WebAssembly.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { WebAssembly as W, install } from "../lib/webassembly/index.js";
import { wat2wasm, ErrorCode as E } from "../lib/index.js";
import * as externref from "./portable/externref-scenarios.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const bytes = wat2wasm(`(module
  (import "env" "log" (func $log (param i32)))
  (memory (export "memory") 1 4)
  (global (export "g") (mut i32) (i32.const 5))
  (global (export "k") i64 (i64.const 9))
  (table (export "t") 2 funcref) (elem (i32.const 0) $add)
  (func $add (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "trap") unreachable)
  (func (export "recurse") call 3)
  (func (export "hello") i32.const 7 call $log)
  (func (export "spin") (loop br 0))
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (@custom "meta" "hi") (@custom "meta" "there"))`);

test("the namespace has the JS API's shape", () => {
  for (const name of ["Module", "Instance", "Memory", "Table", "Global", "Tag", "Exception",
    "CompileError", "LinkError", "RuntimeError", "validate", "compile", "instantiate",
    "compileStreaming", "instantiateStreaming"]) {
    assert.equal(typeof W[name], "function", name);
  }
  assert.equal(Object.prototype.toString.call(W), "[object WebAssembly]");
  for (const E of [W.CompileError, W.LinkError, W.RuntimeError]) {
    const e = new E("m");
    assert.ok(e instanceof Error);
    assert.equal(e.name, E.name);
    assert.equal(e.message, "m");
  }
});

test("validate and Module take binaries only; bad bytes are CompileError with code 5000", () => {
  assert.equal(W.validate(bytes), true);
  assert.equal(W.validate(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)), true);
  assert.equal(W.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 99])), false);
  assert.equal(W.validate(new TextEncoder().encode("(module)")), false, "WAT text is not a binary");
  assert.throws(() => W.validate("(module)"), TypeError);
  assert.throws(() => new W.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 99])), (e) => e instanceof W.CompileError && e.code === E.CompileError);
  assert.throws(() => new W.Module(new TextEncoder().encode("(module)")), W.CompileError);
  assert.throws(() => new W.Module(42), TypeError);
});

test("Module.exports, imports and customSections", () => {
  const m = new W.Module(bytes);
  assert.deepEqual(W.Module.imports(m), [{ module: "env", name: "log", kind: "function" }]);
  assert.deepEqual(W.Module.exports(m).map((e) => `${e.kind}:${e.name}`),
    ["memory:memory", "global:g", "global:k", "table:t", "function:add", "function:trap", "function:recurse",
      "function:hello", "function:spin", "function:grow"]);
  const sections = W.Module.customSections(m, "meta").map((b) => new TextDecoder().decode(b));
  assert.deepEqual(sections, ["hi", "there"]);
  assert.deepEqual(W.Module.customSections(m, "none"), []);
  // ArrayBuffers of their own, and a name with a lone surrogate matches no
  // section (not the one named with U+FFFD it would be encoded as).
  const [first] = W.Module.customSections(m, "meta");
  assert.ok(first instanceof ArrayBuffer && first.byteLength === 2);
  const name = (s) => { const b = new TextEncoder().encode(s); return [b.length, ...b]; };
  const body = [...name("m\uFFFDe"), 1, 2];
  const odd = new W.Module(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0, body.length, ...body]));
  assert.equal(W.Module.customSections(odd, "m\uFFFDe").length, 1);
  assert.deepEqual(W.Module.customSections(odd, "m\uDC01e"), []);
  assert.throws(() => W.Module.exports({}), TypeError);
});

test("instantiate (both overloads) and new Instance; imports are read through the prototype chain", async () => {
  const seen = [];
  const env = Object.create({ log(x) { seen.push([x, this]); } });
  const { module, instance } = await W.instantiate(bytes, { env });
  assert.ok(module instanceof W.Module);
  assert.ok(instance instanceof W.Instance);
  const again = await W.instantiate(module, { env });
  assert.ok(again instanceof W.Instance);
  const sync = new W.Instance(module, { env });
  for (const inst of [instance, again, sync]) {
    assert.equal(inst.exports.add(40, 2), 42);
    inst.exports.hello();
  }
  assert.deepEqual(seen, [[7, undefined], [7, undefined], [7, undefined]], "host functions get `this` undefined");
  assert.ok(Object.isFrozen(instance.exports));
  assert.equal(Object.getPrototypeOf(instance.exports), null);
  assert.equal(instance.exports.add.name, "1", "named by function index, as the JS API says");
  assert.equal(instance.exports.add.length, 2);
});

test("bad import objects: TypeError for a missing namespace, LinkError for a wrong value", () => {
  const m = new W.Module(bytes);
  const boom = new Error("from the import object");
  const hostile = new Proxy({}, { get() { throw boom; } });
  assert.throws(() => new W.Instance(m, hostile), (e) => e === boom, "a throwing import object's exception propagates");
  assert.throws(() => new W.Instance(m, { env: new Proxy({}, { get() { throw boom; } }) }), (e) => e === boom);
  assert.throws(() => new W.Instance(m), TypeError);
  assert.throws(() => new W.Instance(m, {}), TypeError);
  assert.throws(() => new W.Instance(m, 5), TypeError);
  assert.throws(() => new W.Instance(m, { env: {} }), W.LinkError);
  assert.throws(() => new W.Instance(m, { env: { log: 5 } }), W.LinkError);
});

test("traps are RuntimeError, stack exhaustion RangeError, each with the code", () => {
  const { exports } = new W.Instance(new W.Module(bytes), { env: { log() {} } });
  assert.throws(() => exports.trap(), (e) => e instanceof W.RuntimeError && e.code === E.CallError && e.trap === "unreachable");
  assert.throws(() => exports.recurse(), (e) => e instanceof RangeError && e.trap === "stack overflow");
  const thrown = { mine: true };
  const { exports: x } = new W.Instance(new W.Module(bytes), { env: { log() { throw thrown; } } });
  assert.throws(() => x.hello(), (e) => e === thrown, "a host function's exception passes unchanged");
});

test("imports call back in: exports, table functions and memory growth from inside an import (nested)", () => {
  const m = new W.Module(wat2wasm(`(module
    (import "env" "resize" (func $resize (param i32) (result i32)))
    (import "env" "invoke" (func $invoke (param i32 i32) (result i32)))
    (memory (export "memory") 1)
    (table (export "table") 1 funcref)
    (elem (i32.const 0) $double)
    (func $double (param i32) (result i32) local.get 0 i32.const 2 i32.mul)
    (func (export "alloc") (param i32) (result i32) local.get 0 i32.const 1000 i32.add)
    (func (export "grow_then_size") (result i32) (drop (call $resize (i32.const 2))) memory.size)
    (func (export "run_invoke") (param i32) (result i32) (call $invoke (i32.const 0) (local.get 0))))`));
  let exports;
  const seen = [];
  const { exports: e } = new W.Instance(m, {
    env: {
      // As Emscripten's emscripten_resize_heap: grow, then the views again.
      resize(pages) {
        const before = exports.memory.buffer;
        const old = exports.memory.grow(pages);
        seen.push([old, before.byteLength, exports.memory.buffer.byteLength, exports.alloc(1)]);
        return 1;
      },
      // As Emscripten's invoke_ii: a call through the table, from the import.
      invoke: (i, x) => exports.table.get(i)(x),
    },
  });
  exports = e;
  assert.equal(exports.grow_then_size(), 3);
  assert.deepEqual(seen, [[1, 0, 3 * 65536, 1001]]);
  assert.equal(exports.run_invoke(21), 42);
});

test("traps while instantiating are RuntimeError (code 5001 with the trap), link failures LinkError", async () => {
  const wat = (body) => new W.Module(wat2wasm(`(module ${body})`));
  const outOfBounds = wat(`(memory 1) (data (i32.const 65535) "ab")`);
  const start = wat(`(func $s unreachable) (start $s)`);
  for (const [m, trap] of [[outOfBounds, "out of bounds memory access"], [start, "unreachable"]]) {
    const isTrap = (e) => e instanceof W.RuntimeError && e.code === E.InstantiateError && e.trap === trap;
    assert.throws(() => new W.Instance(m), isTrap);
    await assert.rejects(W.instantiate(m), isTrap);
  }
  const needs = wat(`(import "env" "f" (func))`);
  assert.throws(() => new W.Instance(needs, { env: { f: 1 } }), (e) => e instanceof W.LinkError);
});

test("exported memory, global and table objects", () => {
  const { exports } = new W.Instance(new W.Module(bytes), { env: { log() {} } });
  const mem = exports.memory;
  assert.ok(mem instanceof W.Memory);
  const before = mem.buffer;
  new Uint8Array(before)[3] = 9;
  assert.equal(mem.grow(1), 1);
  assert.equal(before.byteLength, 0, "the old buffer is detached by grow");
  assert.equal(mem.buffer.byteLength, 2 * 65536);
  assert.equal(new Uint8Array(mem.buffer)[3], 9);
  const old = mem.buffer;
  assert.equal(exports.grow(1), 2);
  assert.equal(old.byteLength, 0, "and by the guest's memory.grow");
  assert.throws(() => mem.grow(10), RangeError, "past the maximum");
  assert.ok(exports.g instanceof W.Global);
  assert.equal(exports.g.value, 5);
  exports.g.value = 6;
  assert.equal(exports.g.valueOf(), 6);
  assert.equal(exports.k.value, 9n);
  assert.throws(() => { exports.k.value = 1n; }, TypeError, "immutable");
  assert.ok(exports.t instanceof W.Table);
  assert.equal(exports.t.length, 2);
  assert.equal(exports.t.get(0)(3, 4), 7);
  assert.equal(exports.t.get(1), null);
  assert.equal(exports.t.grow(1), 2);
  assert.equal(exports.t.length, 3);
});

test("standalone Memory, Global and Table; bad descriptors are TypeError or RangeError", () => {
  const m = new W.Memory({ initial: 1, maximum: 3 });
  const b = m.buffer;
  assert.equal(b.byteLength, 65536);
  assert.equal(m.grow(2), 1);
  assert.equal(b.byteLength, 0);
  assert.equal(m.buffer.byteLength, 3 * 65536);
  assert.throws(() => m.grow(1), RangeError);
  assert.throws(() => new W.Memory(), TypeError);
  assert.throws(() => new W.Memory({}), TypeError);
  assert.throws(() => new W.Memory({ initial: 2, maximum: 1 }), RangeError);
  assert.throws(() => new W.Memory({ initial: 70000 }), RangeError);
  const g = new W.Global({ value: "i64", mutable: true }, 5n);
  assert.equal(g.value, 5n);
  g.value = 7n;
  assert.equal(g.value, 7n);
  const f = new W.Global({ value: "f64" }, 1.5);
  assert.equal(f.value, 1.5);
  assert.throws(() => { f.value = 2; }, TypeError);
  assert.throws(() => new W.Global({ value: "x" }), TypeError);
  const t = new W.Table({ element: "anyfunc", initial: 2, maximum: 4 });
  assert.equal(t.length, 2);
  assert.equal(t.get(0), null);
  assert.equal(t.grow(2), 2);
  assert.throws(() => new W.Table({ element: "i32", initial: 1 }), TypeError);
});

test("Tag and Exception carry their payload", () => {
  const tag = new W.Tag({ parameters: ["i32", "f64"] });
  const e = new W.Exception(tag, [1, 2.5]);
  assert.equal(e.is(tag), true);
  assert.equal(e.is(new W.Tag({ parameters: [] })), false);
  assert.equal(e.getArg(tag, 1), 2.5);
  assert.throws(() => e.getArg(tag, 2), RangeError);
  assert.throws(() => new W.Exception(tag, [1]), TypeError);
});

test("compileStreaming and instantiateStreaming take application/wasm responses", async () => {
  const ok = () => new Response(bytes, { headers: { "Content-Type": "application/wasm" } });
  assert.ok((await W.compileStreaming(ok())) instanceof W.Module);
  const { instance } = await W.instantiateStreaming(Promise.resolve(ok()), { env: { log() {} } });
  assert.equal(instance.exports.add(1, 2), 3);
  await assert.rejects(W.compileStreaming(new Response(bytes)), TypeError);
  await assert.rejects(W.compileStreaming(bytes), TypeError);
  await assert.rejects(W.compile(new Uint8Array([1, 2])), W.CompileError);
});

test("configure sets the limits of what the namespace creates", () => {
  const m = new W.Module(bytes);
  try {
    W.configure({ fuel: 100_000 });
    const { exports } = new W.Instance(m, { env: { log() {} } });
    assert.throws(() => exports.spin(), (e) => e instanceof W.RuntimeError && e.code === E.FuelExhausted);
    W.configure({ timeoutMs: 50 });
    const t = new W.Instance(m, { env: { log() {} } });
    assert.throws(() => t.exports.spin(), (e) => e instanceof W.RuntimeError && e.code === E.Timeout);
    W.configure({ maxMemoryBytes: 65536 });
    assert.throws(() => new W.Instance(m, { env: { log() {} } }).exports.memory.grow(1), RangeError);
    assert.throws(() => W.configure({ nope: 1 }), TypeError);
    for (const bad of [{ fuel: -1 }, { timeoutMs: "soon" }, { maxMemoryBytes: 1.5 }]) {
      assert.throws(() => W.configure(bad), (e) => e instanceof TypeError && e.code === E.TypeError, JSON.stringify(bad));
    }
    const accessor = Object.defineProperty({}, "fuel", { get() { throw new Error("the getter ran"); }, enumerable: true });
    assert.throws(() => W.configure(accessor), (e) => e instanceof TypeError && /accessor/.test(e.message), "an accessor is refused, not run");
    assert.throws(() => W.configure(Object.create({ fuel: 1 }, { bad: { value: 1, enumerable: true } })), TypeError);
  } finally {
    W.configure({});
  }
});

test("install puts the namespace on globalThis.WebAssembly", () => {
  const original = globalThis.WebAssembly;
  try {
    assert.equal(install(), W);
    assert.equal(globalThis.WebAssembly, W);
    assert.equal(Object.getOwnPropertyDescriptor(globalThis, "WebAssembly").enumerable, false);
  } finally {
    Object.defineProperty(globalThis, "WebAssembly", { value: original, writable: true, configurable: true, enumerable: false });
  }
});

/** Runs the AssemblyScript fixture's runner, with or without the namespace installed. */
function runGlue(args) {
  const r = spawnSync(process.execPath, [...args, "fixtures/as/run.mjs"], { cwd: root, encoding: "utf8" });
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test("AssemblyScript's generated ESM glue runs unchanged through install(), as on Node's own WebAssembly", () => {
  const plain = runGlue([]);
  const sandboxed = runGlue(["--import", "runtime-wasm/webassembly/install"]);
  assert.equal(plain.sandboxed, false);
  assert.equal(sandboxed.sandboxed, true);
  assert.deepEqual({ ...sandboxed, sandboxed: false }, plain);
  assert.equal(sandboxed.greet, "Hello, sandbox ✓!");
  assert.equal(sandboxed.aborted, "value must not be negative in glue.ts:46:3");
  assert.deepEqual(sandboxed.reports, [["greeting", 9]]);
});

test("wasm-bindgen glue from npm (tiktoken), whose imports call back in, runs unchanged through install(), as on Node's own WebAssembly", (t) => {
  if (!existsSync(join(root, "node_modules", "tiktoken"))) {
    t.skip("tiktoken is not installed (npm install of the devDependency failed); not run");
    return;
  }
  const run = (args) => {
    const r = spawnSync(process.execPath, [...args, "test/glue/tiktoken.mjs"], { cwd: root, encoding: "utf8" });
    assert.equal(r.signal, null, r.stderr);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const plain = run([]);
  const sandboxed = run(["--import", "runtime-wasm/webassembly/install"]);
  assert.equal(plain.sandboxed, false);
  assert.equal(sandboxed.sandboxed, true);
  assert.deepEqual({ ...sandboxed, sandboxed: false }, plain);
  assert.ok(plain.tokens.length > 10 && plain.tokens.includes(100257), "the special token is there");
  assert.deepEqual(plain.again, plain.tokens);
  assert.match(sandboxed.decoded, /calls back in <\|endoftext\|> ✓ 🦀$/);
});

for (const [program, expected] of [
  ["grow.mjs", ["sum 156", "longjmp gave 42"]],
  ["throw.mjs", ["skipped: empty", "total 42", "caught: not a digit: x"]],
]) {
  test(`an Emscripten program (${program}) whose imports call back in runs unchanged through install(), as on Node's own WebAssembly`, () => {
    const run = (args) => {
      const r = spawnSync(process.execPath, [...args, "fixtures/emscripten/main.mjs", program], { cwd: root, encoding: "utf8" });
      assert.equal(r.signal, null, r.stderr);
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout);
    };
    const plain = run([]);
    const sandboxed = run(["--import", "runtime-wasm/webassembly/install"]);
    assert.equal(sandboxed.sandboxed, true);
    assert.deepEqual({ ...sandboxed, sandboxed: false }, plain);
    assert.deepEqual(sandboxed.printed, expected);
    if (program === "grow.mjs") assert.ok(sandboxed.heap > 48 << 20, `the heap grew from 16 MiB to ${sandboxed.heap}`);
  });
}

test("arguments and host results convert as the JS API says", () => {
  const m = new W.Module(wat2wasm(`(module
    (import "env" "flag" (func $flag (result i32)))
    (import "env" "pair" (func $pair (result i32 f64)))
    (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
    (func (export "wide") (param i64) (result i64) local.get 0)
    (func (export "half") (param f32) (result f32) local.get 0)
    (func (export "flag") (result i32) call $flag)
    (func (export "pair") (result i32 f64) call $pair))`));
  let flag = true;
  const { exports: x } = new W.Instance(m, { env: { flag: () => flag, pair: () => [1.9, "2.5"] } });
  assert.equal(x.add(1), 1, "a missing argument is undefined: 0 for an i32");
  assert.equal(x.add(1, 2, 3), 3, "extra arguments are ignored");
  assert.equal(x.add("4", { valueOf: () => 5 }), 9, "ToNumber");
  assert.equal(x.add(2 ** 32 + 7, 0), 7, "ToInt32 wraps");
  assert.equal(x.wide(2n ** 64n + 5n), 5n, "ToBigInt64 wraps");
  assert.equal(x.wide("12"), 12n);
  assert.throws(() => x.wide(5), TypeError, "a Number is not a BigInt");
  assert.equal(x.half(1.1), Math.fround(1.1));
  assert.equal(x.flag(), 1, "a host function's boolean is an i32");
  flag = undefined;
  assert.equal(x.flag(), 0);
  assert.deepEqual(x.pair(), [1, 2.5], "several results come from an iterable");
});

for (const build of ["prog.mjs", "prog-imported-memory.mjs"]) {
  test(`an Emscripten MODULARIZE/EXPORT_ES6 build (${build}) runs unchanged through install(), as on Node's own WebAssembly`, () => {
    const run = (args) => {
      const r = spawnSync(process.execPath, [...args, "fixtures/emscripten/run.mjs", build], { cwd: root, encoding: "utf8" });
      assert.equal(r.signal, null, r.stderr);
      assert.equal(r.status, 0, r.stderr.slice(-2000));
      return JSON.parse(r.stdout);
    };
    const plain = run([]);
    const sandboxed = run(["--import", "runtime-wasm/webassembly/install"]);
    assert.equal(sandboxed.sandboxed, true);
    assert.deepEqual({ ...sandboxed, sandboxed: false }, plain);
    assert.deepEqual(sandboxed.printed, ["hello from C, 5"], "main's printf went through the glue's fd_write");
    assert.equal(sandboxed.reverse, "eulg dexobdnas");
    assert.equal(sandboxed.mean, 3);
  });
}

test("imported Memory, Table and Global objects are the instance's own: one memory, one table, one mutable global", () => {
  const memory = new W.Memory({ initial: 1, maximum: 2 });
  const m = new W.Module(wat2wasm(`(module (import "env" "memory" (memory 1 2))
    (func (export "poke") (param i32 i32) local.get 0 local.get 1 i32.store8)
    (func (export "grow") (result i32) i32.const 1 memory.grow))`));
  const a = new W.Instance(m, { env: { memory } });
  const b = new W.Instance(m, { env: { memory } });
  const view = new Uint8Array(memory.buffer);
  a.exports.poke(1, 11);
  b.exports.poke(2, 22);
  assert.deepEqual([...view.subarray(0, 3)], [0, 11, 22], "both instances write the imported memory");
  assert.equal(b.exports.grow(), 1);
  assert.equal(view.length, 0, "the JS object's buffer is detached by the guest's growth");
  assert.equal(memory.buffer.byteLength, 2 * 65536);
  const g = new W.Global({ value: "i32", mutable: true }, 1);
  const gm = new W.Module(wat2wasm(`(module (import "env" "g" (global (mut i32)))
    (func (export "bump") (result i32) (global.set 0 (i32.add (global.get 0) (i32.const 1))) global.get 0))`));
  const gi = new W.Instance(gm, { env: { g } });
  assert.equal(gi.exports.bump(), 2);
  assert.equal(g.value, 2, "the global is shared");
  g.value = 10;
  assert.equal(gi.exports.bump(), 11);
  const provider = new W.Instance(new W.Module(wat2wasm(`(module (table (export "t") 2 funcref) (elem (i32.const 1) $f)
    (func $f (result i32) i32.const 7))`)));
  const tm = new W.Module(wat2wasm(`(module (import "env" "t" (table 2 funcref)) (type $t (func (result i32)))
    (func (export "call") (param i32) (result i32) local.get 0 call_indirect (type $t)))`));
  assert.equal(new W.Instance(tm, { env: { t: provider.exports.t } }).exports.call(1), 7, "the table is shared");
  assert.throws(() => new W.Instance(m, { env: { memory: g } }), W.LinkError);
  assert.throws(() => new W.Instance(gm, { env: { g: new W.Global({ value: "i32" }, 1) } }), W.LinkError, "mutability must match");
});

test("64-bit memories and tables take and give BigInts", () => {
  const m = new W.Memory({ address: "i64", initial: 1n, maximum: 3n });
  assert.equal(m.buffer.byteLength, 65536);
  assert.equal(m.grow(1n), 1n);
  assert.equal(m.buffer.byteLength, 2 * 65536);
  assert.throws(() => m.grow(1), TypeError, "a Number is no i64 address");
  assert.throws(() => m.grow(5n), RangeError, "past the maximum");
  assert.throws(() => new W.Memory({ address: "i64", initial: -1n }), TypeError);
  assert.throws(() => new W.Memory({ address: "i128", initial: 1 }), TypeError);
  const t = new W.Table({ address: "i64", element: "anyfunc", initial: 2n });
  assert.equal(t.length, 2n);
  assert.equal(t.get(1n), null);
  assert.equal(t.grow(1n), 2n);
  assert.throws(() => t.get(3n), RangeError);
  const exported = new W.Instance(new W.Module(wat2wasm(`(module (memory (export "m") i64 1) (table (export "t") i64 1 funcref))`))).exports;
  assert.equal(exported.m.grow(0n), 1n);
  assert.equal(exported.t.length, 1n);
});

test("an export passing on an import is the very object imported", () => {
  const provider = new W.Instance(new W.Module(wat2wasm(`(module (memory (export "memory") 1) (table (export "table") 1 funcref)
    (global (export "global") (mut i32) (i32.const 1)) (func (export "fn")))`))).exports;
  const m = new W.Module(wat2wasm(`(module (import "m" "fn" (func $f)) (import "m" "memory" (memory 1))
    (import "m" "table" (table 1 funcref)) (import "m" "global" (global (mut i32)))
    (export "fn2" (func $f)) (export "memory2" (memory 0)) (export "table2" (table 0)) (export "global2" (global 0)))`));
  const { exports } = new W.Instance(m, { m: provider });
  assert.equal(exports.fn2, provider.fn);
  assert.equal(exports.memory2, provider.memory);
  assert.equal(exports.table2, provider.table);
  assert.equal(exports.global2, provider.global);
});

test("a table gives back the function put in it, and an exported function is the one in its table", () => {
  const { exports } = new W.Instance(new W.Module(wat2wasm(`(module (table (export "t") 2 funcref) (elem (i32.const 0) $f)
    (func $f (export "f") (result i32) i32.const 3) (func (export "g") (result i32) i32.const 4))`)));
  assert.equal(exports.t.get(0), exports.f, "the element segment's entry is the export");
  assert.equal(exports.t.get(0), exports.t.get(0));
  exports.t.set(1, exports.g);
  assert.equal(exports.t.get(1), exports.g);
  const other = new W.Instance(new W.Module(wat2wasm(`(module (func (export "h") (result i32) i32.const 5))`))).exports;
  exports.t.set(1, other.h);
  assert.equal(exports.t.get(1), other.h, "a function of another store too");
  assert.equal(exports.t.get(1)(), 5);
  const t = new W.Table({ element: "anyfunc", initial: 3 }, exports.g);
  assert.deepEqual([t.get(0), t.get(2)], [exports.g, exports.g]);
});

// In a child process: a crash must fail the test, not the runner.
test("an exported function outlives its collected Module and Instance", () => {
  const script = `
    import { WebAssembly as W } from ${JSON.stringify(root + "lib/webassembly/index.js")};
    import { wat2wasm } from ${JSON.stringify(root + "lib/index.js")};
    const { f, memory } = (() => new W.Instance(new W.Module(wat2wasm(
      '(module (memory (export "memory") 1) (func (export "f") (result i32) (i32.store8 (i32.const 0) (i32.const 9)) i32.const 7))'))).exports)();
    const buffer = memory.buffer;
    for (let i = 0; i < 5; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 10)); }
    if (f() !== 7) throw new Error("the function stopped working");
    if (buffer.byteLength !== 65536 || new Uint8Array(buffer)[0] !== 9) throw new Error("the buffer was detached or changed");
    console.log("ok");
  `;
  const r = spawnSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", script], { encoding: "utf8" });
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "ok");
});

test("a function whose type has a v128 result throws a TypeError before it runs, as does a v128 global's value, as the JS API says", () => {
  const bytes = wat2wasm(`(module
    (global $g (export "g") (mut i32) (i32.const 0))
    (global (export "w") v128 (v128.const i32x4 0 0 0 0))
    (func (export "v") (result v128) (global.set $g (i32.const 1)) (v128.const i32x4 1 2 3 4))
    (table (export "t") 1 funcref) (elem (i32.const 0) func 0))`);
  const { exports } = new W.Instance(new W.Module(bytes));
  assert.throws(() => exports.v(), TypeError);
  assert.throws(() => exports.t.get(0)(), TypeError);
  assert.equal(exports.g.value, 0, "the function did not run");
  assert.throws(() => exports.w.value, TypeError);
  assert.throws(() => exports.w.valueOf(), TypeError);
});

test("a start function growing memory past its maximum or the default cap gets -1, as on Node's own WebAssembly", async () => {
  for (const max of ["2", ""]) {
    const grows = wat2wasm(`(module (memory 1 ${max}) (global (export "g") (mut i32) (i32.const 7))
      (func $s (global.set 0 (memory.grow (i32.const 65536)))) (start $s))`);
    const ours = (await W.instantiate(grows)).instance.exports.g.value;
    const v8 = (await WebAssembly.instantiate(grows)).instance.exports.g.value;
    assert.equal(ours, v8);
    assert.equal(ours, -1);
  }
});

test("externref carries any JS value through the namespace as on Node's own WebAssembly", async () => {
  const bytes = wat2wasm(externref.VALUES_WAT);
  const ours = await externref.values(W, bytes);
  assert.deepEqual(ours, await externref.values(WebAssembly, bytes));
  assert.ok(ours.same.every(Boolean));
  // Made without a value, an externref Global holds undefined (the JS API's
  // DefaultValue), not null.
  assert.equal(new W.Global({ value: "externref" }).value, undefined);
});

test("an externref Table holds JS values as on Node's own WebAssembly", async () => {
  const bytes = wat2wasm(externref.TABLE_WAT);
  assert.deepEqual(await externref.table(W, bytes), await externref.table(WebAssembly, bytes));
});

test("a Memory, a Table and a Global made in one turn are imported together by one instance, as on Node's own WebAssembly; made in different turns, they cannot be (LinkError)", async () => {
  const importer = wat2wasm(`(module
    (import "m" "mem" (memory 1)) (import "m" "tab" (table 1 funcref)) (import "m" "g" (global (mut i32)))
    (func (export "f") (result i32)
      (i32.store (i32.const 0) (i32.const 5)) (global.set 0 (i32.const 9)) (i32.load (i32.const 0))))`);
  for (const NS of [W, globalThis.WebAssembly]) {
    const m = { mem: new NS.Memory({ initial: 1 }), tab: new NS.Table({ initial: 1, element: "anyfunc" }), g: new NS.Global({ value: "i32", mutable: true }, 1) };
    const { instance } = await NS.instantiate(importer, { m });
    assert.equal(instance.exports.f(), 5);
    assert.equal(m.g.value, 9);
    assert.equal(new Uint8Array(m.mem.buffer)[0], 5);
    assert.equal(m.tab.length, 1);
  }
  const mem = new W.Memory({ initial: 1 });
  await null;
  const tab = new W.Table({ initial: 1, element: "anyfunc" });
  await assert.rejects(W.instantiate(importer, { m: { mem, tab, g: new W.Global({ value: "i32", mutable: true }, 1) } }), W.LinkError);
});
