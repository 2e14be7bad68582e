// externref in runtime-wasm's API: any JS value crosses into a guest and
// comes back as the very same value, through call, callSync, exports, host
// functions (sync and async) and globals; what no guest can reach any more
// is let go.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as wasm from "../lib/index.js";
import { expectCode } from "./support.mjs";

const { ErrorCode: E, WasmError } = wasm;
const code = (fn, c) => expectCode(fn, c, WasmError);
const GUEST = `(module
  (import "host" "echo" (func $echo (param externref) (result externref)))
  (global $kept (export "kept") (mut externref) (ref.null extern))
  (func (export "id") (param externref) (result externref) local.get 0)
  (func (export "throughHost") (param externref) (result externref) local.get 0 call $echo)
  (func (export "keep") (param externref) local.get 0 global.set $kept)
  (func (export "isNull") (param externref) (result i32) local.get 0 ref.is_null)
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))`;
const guest = await wasm.compile(GUEST);

/** An instance whose host `echo` answers what it is given (after a Promise when `later`). */
async function instance(later = false) {
  const seen = [];
  const echo = later ? async (v) => (seen.push(v), await null, v) : (v) => (seen.push(v), v);
  return { inst: await wasm.instantiate(guest, { imports: { host: { echo } } }), seen };
}

const values = () => [{ a: 1 }, Symbol("s"), () => 1, undefined, "text", "\uD800 lone 🎉", "", true, false, new Map()];

test("a JS value crosses a guest and comes back as the very same value", async () => {
  for (const later of [false, true]) {
    const { inst, seen } = await instance(later);
    for (const v of values()) {
      const label = `${typeof v} ${String(v?.toString?.() ?? v)}`;
      assert.ok(Object.is((await inst.call("id", v))[0], v), `call ${label}`);
      assert.ok(Object.is(inst.exports.id(v), v), `exports ${label}`);
      assert.ok(Object.is((await inst.call("throughHost", v))[0], v), `host ${label}`);
      assert.ok(Object.is(seen.at(-1), v), `the host function got ${label}`);
      if (!later) assert.ok(Object.is(inst.callSync("throughHost", v)[0], v), `callSync ${label}`);
    }
  }
});

test("null stays null; a host value is no null to the guest; a Promise is a value", async () => {
  const { inst } = await instance();
  // A host function's Promise is awaited; through a call it is a value.
  const p = Promise.resolve(1);
  assert.equal(inst.exports.id(p), p);
  assert.equal(inst.exports.id(null), null);
  assert.equal(inst.exports.isNull(null), 1);
  assert.equal(inst.exports.isNull(undefined), 0);
  assert.equal(inst.exports.isNull({}), 0);
});

test("numbers, bigints, arrays and bytes cross as externref when typed so", async () => {
  const { inst } = await instance();
  const typed = (value) => ({ wasmType: "externref", value });
  for (const v of [3.5, -0, NaN, 2n ** 70n, [1, 2], new Uint8Array(3), "s", null]) {
    assert.ok(Object.is(inst.exports.id(typed(v)), v), `${typeof v} ${String(v)}`);
  }
  // Untyped, they keep their own meaning, so they are no externref.
  await code(() => inst.call("id", 3.5), E.TypeError);
  await code(() => inst.call("id", [1, 2]), E.TypeError);
});

test("a global holds a JS value, set from JS or by the guest", async () => {
  const { inst } = await instance();
  const a = { name: "a" };
  const b = Symbol("b");
  await inst.setGlobal("kept", a);
  assert.equal((await inst.getGlobal("kept")).value, a);
  assert.equal(inst.exports.kept.value, a);
  inst.exports.keep(b);
  assert.equal(inst.exports.kept.value, b);
  inst.exports.kept.value = undefined;
  assert.equal(inst.exports.kept.value, undefined);
  assert.equal(inst.exports.isNull(inst.exports.kept.value), 0);
});

test("a JS value where a number is expected is refused, naming its kind", async () => {
  const { inst } = await instance();
  const err = await code(() => inst.call("add", {}, 1), E.TypeError);
  assert.match(err.message, /`add` argument 0: expected i32, got object/);
  const sym = await code(() => inst.callSync("add", 1, Symbol("x")), E.TypeError);
  assert.match(sym.message, /expected i32, got symbol/);
});

test("values no guest can reach any more are let go (100,000 calls)", () => {
  // In a child with --expose-gc: WeakRefs to values passed through a guest
  // are cleared once the engine dropped its externrefs and JS collected.
  const script = `
    import * as wasm from ${JSON.stringify(new URL("../lib/index.js", import.meta.url).href)};
    const inst = await wasm.instantiate(await wasm.compile(${JSON.stringify(GUEST.replace(/\(import[^\n]*\n/, "").replace(/\(func \(export "throughHost"\)[^\n]*\n/, ""))}));
    const weak = [];
    const rss = process.memoryUsage().rss;
    for (let i = 0; i < 100000; i++) {
      const o = { i, pad: new Array(64).fill(i) };
      if (i % 100 === 0) weak.push(new WeakRef(o));
      inst.exports.id(o);
    }
    inst.exports.keep(weak.at(-1).deref());
    inst.exports.id({});
    await new Promise((r) => setTimeout(r, 0));
    globalThis.gc();
    const kept = inst.exports.kept.value;
    console.log(JSON.stringify({ collected: weak.filter((w) => w.deref() === undefined).length, of: weak.length,
      keptAlive: kept === weak.at(-1).deref(), grewMiB: (process.memoryUsage().rss - rss) / 2 ** 20 }));`;
  const r = spawnSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.ok(out.collected >= out.of * 0.9, `only ${out.collected} of ${out.of} values were let go`);
  assert.ok(out.keptAlive, "the value the global holds was collected");
  // 100,000 values of ~600 bytes each held would be ~60 MiB and more.
  assert.ok(out.grewMiB < 200, `RSS grew by ${out.grewMiB} MiB`);
});

test("an externref table holds JS values: get, set, grow, and the guest's table.get", async () => {
  const inst = await wasm.instantiate(await wasm.compile(`(module (table (export "t") 2 externref)
    (func (export "get") (param i32) (result externref) local.get 0 table.get 0))`));
  const t = inst.exports.t;
  const obj = {}, sym = Symbol("t");
  assert.equal(t.getSync(0), null);
  t.setSync(0, obj);
  await t.set(1, sym);
  assert.equal(t.getSync(0), obj);
  assert.equal(await t.get(1), sym);
  assert.equal(inst.exports.get(0), obj);
  assert.equal(t.growSync(1), 2);
  assert.equal(t.getSync(2), null, "grow without a value adds nulls");
  assert.equal(await t.grow(2, undefined), 3);
  assert.equal(t.getSync(4), undefined);
  assert.equal(inst.exports.get(4), undefined);
  t.setSync(0, null);
  assert.equal(t.getSync(0), null);
  await code(() => t.getSync(9), E.MemoryError);
});
