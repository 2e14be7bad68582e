// Instances linked through exports: an instance given another's Memory,
// Table or Global as imports joins its store (one memory, one set of limits).
import test from "node:test";
import assert from "node:assert/strict";
import * as wasm from "../lib/index.js";
import { expectCode } from "./support.mjs";

const { ErrorCode: E, WasmError } = wasm;
const code = (fn, c) => expectCode(fn, c, WasmError);

const provider = `(module (memory (export "memory") 1 4) (global (export "g") (mut i32) (i32.const 5))
  (table (export "t") 2 funcref) (elem (i32.const 0) $seven) (func $seven (result i32) i32.const 7)
  (func (export "peek") (param i32) (result i32) local.get 0 i32.load8_u))`;
const consumer = `(module (import "p" "mem" (memory 1)) (import "p" "g" (global (mut i32)))
  (import "p" "t" (table 1 funcref)) (type $r (func (result i32)))
  (func (export "poke") (param i32 i32) local.get 0 local.get 1 i32.store8)
  (func (export "bump") (result i32) (global.set 0 (i32.add (global.get 0) (i32.const 1))) global.get 0)
  (func (export "callAt") (param i32) (result i32) local.get 0 call_indirect (type $r)))`;
const links = (p) => ({ p: { mem: p.memory, g: p.exports.g, t: p.exports.t } });

test("an instance given another's memory, global and table shares them, in both call forms", async () => {
  const p = await wasm.instantiate(await wasm.compile(provider));
  const c = await wasm.instantiate(await wasm.compile(consumer), { imports: links(p) });
  const view = new Uint8Array(p.memory.buffer);
  c.exports.poke(1, 99);
  await c.call("poke", 2, 98);
  assert.deepEqual([p.exports.peek(1), p.exports.peek(2), view[1]], [99, 98, 99]);
  assert.equal(c.exports.bump(), 6);
  assert.equal(p.exports.g.value, 6);
  assert.deepEqual(await c.call("callAt", 0), [7]);
  // The provider dropped, the store lives on for the consumer.
  p.dropSync();
  assert.equal(c.exports.bump(), 7);
  await code(() => wasm.instantiate(p.moduleId, { imports: links(p) }), E.InstantiateError);
  c.dropSync();
});

test("links to two different stores, or with other limits, are 5001; a link to a dropped instance too", async () => {
  const id = await wasm.compile(provider);
  const [a, b] = [await wasm.instantiate(id), await wasm.instantiate(id)];
  const cid = await wasm.compile(consumer);
  const mixed = { p: { mem: a.memory, g: b.exports.g, t: a.exports.t } };
  const e = await code(() => wasm.instantiate(cid, { imports: mixed }), E.InstantiateError);
  assert.match(e.message, /not linked/);
  await code(() => wasm.instantiate(cid, { imports: links(a), fuel: 1000 }), E.InstantiateError);
  const ok = await wasm.instantiate(cid, { imports: links(a) });
  a.dropSync();
  await code(() => wasm.instantiate(cid, { imports: links(a) }), E.InstantiateError);
  ok.dropSync();
  b.dropSync();
});

test("the store's limits hold for every instance in it", async () => {
  const p = await wasm.instantiate(await wasm.compile(`(module (memory (export "memory") 1))`), { maxMemoryBytes: 2 * 65536 });
  const grower = await wasm.compile(`(module (import "p" "mem" (memory 1)) (func (export "grow") (result i32) i32.const 1 memory.grow))`);
  const g = await wasm.instantiate(grower, { imports: { p: { mem: p.memory } }, maxMemoryBytes: 2 * 65536 });
  assert.equal(g.exports.grow(), 1);
  assert.equal(g.exports.grow(), -1, "maxMemoryBytes of the store");
  assert.equal(p.memory.sizeSync(), 2);
});

// In a child process: a crash must fail the test, not the runner.
test("a linked group's store outlives a collected first instance", async () => {
  const { spawnSync } = await import("node:child_process");
  const index = new URL("../lib/index.js", import.meta.url).pathname;
  const script = `
    import * as wasm from ${JSON.stringify(index)};
    const rt = new wasm.Runtime();
    const pid = await rt.compile(${JSON.stringify(provider)});
    const cid = await rt.compile(${JSON.stringify(consumer)});
    const c = await (async () => {
      const p = await rt.instantiate(pid);
      return rt.instantiate(cid, { imports: { p: { mem: p.memory, g: p.exports.g, t: p.exports.t } } });
    })();
    for (let i = 0; i < 5; i++) { globalThis.gc(); await new Promise((r) => setImmediate(r)); }
    if (rt.instanceCount !== 1) throw new Error("the first instance was not collected: " + rt.instanceCount);
    c.exports.poke(0, 5);
    if (c.exports.bump() !== 6 || c.callSync("callAt", 0)[0] !== 7) throw new Error("the store is gone");
    console.log("ok");
  `;
  const r = spawnSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", script], { encoding: "utf8" });
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "ok");
});

test("an exported function of the store being joined is linked directly; others are called through JS", async () => {
  const p = await wasm.instantiate(await wasm.compile(`(module (memory (export "memory") 1)
    (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store8))`));
  const other = await wasm.instantiate(await wasm.compile(`(module (func (export "twice") (param i32) (result i32) local.get 0 i32.const 2 i32.mul))`));
  const c = await wasm.instantiate(await wasm.compile(`(module (import "p" "mem" (memory 1))
    (import "p" "store" (func $store (param i32 i32))) (import "q" "twice" (func $twice (param i32) (result i32)))
    (func (export "run") (param i32) (local.get 0) (call $twice (i32.const 21)) (call $store)))`),
    { imports: { p: { mem: p.memory, store: p.exports.store }, q: { twice: other.exports.twice } } });
  // Through JS, p.store would be a call into the store c waits in: refused.
  c.exports.run(4);
  assert.equal(new Uint8Array(p.memory.buffer)[4], 42);
  assert.deepEqual(await c.call("run", 5), []);
  assert.equal(new Uint8Array(p.memory.buffer)[5], 42);
});

test("async calls into instances of one store run one at a time, in order, whichever instance they name", async () => {
  const p = await wasm.instantiate(await wasm.compile(provider), { imports: {} });
  const cid = await wasm.compile(consumer);
  const a = await wasm.instantiate(cid, { imports: links(p) });
  const b = await wasm.instantiate(cid, { imports: links(p) });
  // Each bump reads the shared global and writes it back: interleaved
  // stores would lose increments, and results would repeat.
  const calls = [];
  for (let i = 0; i < 200; i++) calls.push((i % 3 === 0 ? p.call("peek", 0) : (i % 2 ? a : b).call("bump")));
  const bumps = (await Promise.all(calls)).filter((_, i) => i % 3 !== 0).map(([v]) => v);
  assert.deepEqual(bumps, bumps.map((_, i) => 6 + i), "every bump saw the one before it");
  assert.equal(p.exports.g.value, 5 + bumps.length);
  p.dropSync();
  a.dropSync();
  assert.equal(b.exports.bump(), 6 + bumps.length, "the last instance still has the store");
  b.dropSync();
});

test("Table set and grow take null or a function exported in the table's store", async () => {
  const p = await wasm.instantiate(await wasm.compile(provider));
  const t = p.exports.t;
  const c = await wasm.instantiate(await wasm.compile(`(module (import "p" "t" (table 1 funcref))
    (func (export "eight") (result i32) i32.const 8) (type $r (func (result i32)))
    (func (export "callAt") (param i32) (result i32) local.get 0 call_indirect (type $r)))`), { imports: { p: { t } } });
  t.setSync(1, c.exports.eight);
  assert.deepEqual(c.callSync("callAt", 1), [8]);
  assert.deepEqual(t.getSync(1).callSync(), [8]);
  await t.set(1, null);
  assert.equal(t.getSync(1), null);
  assert.equal(t.growSync(2, c.exports.eight), 2);
  assert.deepEqual(c.callSync("callAt", 3), [8]);
  await code(() => t.setSync(9, null), E.MemoryError);
  await code(() => t.setSync(0, () => 1), E.TypeError);
  // A function of another store goes in as a call through JS.
  const stranger = await wasm.instantiate(await wasm.compile(`(module (func (export "f") (result i32) i32.const 1))`));
  t.setSync(0, stranger.exports.f);
  assert.deepEqual(c.callSync("callAt", 0), [1]);
  assert.deepEqual(await c.call("callAt", 0), [1]);
});

test("an instance config's import getters run once: the snapshot read is the one used", async () => {
  const id = await wasm.compile(`(module (import "env" "f" (func $f (result i32))) (func (export "g") (result i32) call $f))`);
  let reads = 0;
  const env = { get f() { reads++; return reads === 1 ? () => 1 : 5; } };
  const inst = await wasm.instantiate(id, { imports: { env } });
  assert.equal(reads, 1);
  assert.equal(inst.exports.g(), 1);
  await code(() => wasm.instantiate(id, { imports: [] }), E.TypeError);
});

test("a function imported from another instance links directly where the stores allow: values keep their bits; otherwise it is called through JS", async () => {
  const a = await wasm.instantiate(await wasm.compile(`(module
    (func (export "nan") (result f32) (f32.reinterpret_i32 (i32.const 0x7fa00001)))
    (func (export "same") (param f64) (result f64) local.get 0))`));
  const importer = await wasm.compile(`(module
    (import "a" "nan" (func $nan (result f32))) (import "a" "same" (func $same (param f64) (result f64)))
    (func (export "bits") (result i32) (i32.reinterpret_f32 (call $nan)))
    (func (export "sameBits") (param i64) (result i64) (i64.reinterpret_f64 (call $same (f64.reinterpret_i64 (local.get 0))))))`);
  const imports = { a: { nan: a.exports.nan, same: a.exports.same } };
  // Linked: a wasm-to-wasm call; the signaling NaN keeps its payload and
  // its quiet bit unset, the f64 NaN its payload.
  const linked = await wasm.instantiate(importer, { imports });
  assert.equal(linked.exports.bits() >>> 0, 0x7fa00001);
  assert.equal(linked.exports.sameBits(0x7ff0000000000001n), 0x7ff0000000000001n);
  assert.deepEqual(linked.callSync("bits").map((x) => x >>> 0), [0x7fa00001]);
  // With limits of its own it cannot join a's store: the same imports are
  // called through JS (a JS number does not keep the NaN's bits), and it works.
  const apart = await wasm.instantiate(importer, { imports, fuel: 1_000_000 });
  assert.notEqual(apart.exports.bits() >>> 0, 0x7fa00001);
  assert.ok(Number.isNaN(new Float32Array(new Uint32Array([apart.exports.bits()]).buffer)[0]));
  assert.equal(apart.exports.sameBits(1n), 1n);
  // Through the namespace too.
  const { WebAssembly: W } = await import("../lib/webassembly/index.js");
  const na = new W.Instance(new W.Module(wasm.wat2wasm(`(module (func (export "nan") (result f32) (f32.reinterpret_i32 (i32.const 0x7fa00001))) (func (export "same") (param f64) (result f64) local.get 0))`)));
  const nb = new W.Instance(new W.Module(wasm.wat2wasm(`(module (import "a" "nan" (func $nan (result f32))) (func (export "bits") (result i32) (i32.reinterpret_f32 (call $nan))))`)), { a: na.exports });
  assert.equal(nb.exports.bits() >>> 0, 0x7fa00001);
});
