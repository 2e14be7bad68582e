// `memory.buffer`: an ArrayBuffer over the linear memory itself, replaced
// after growth and detached when stale, on pooled and on-demand instances;
// a buffer kept past its instance never reaches freed or reused memory.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as wasm from "../lib/index.js";
import { expectCode } from "./support.mjs";

const { ErrorCode: E, WasmError } = wasm;
const code = (fn, c) => expectCode(fn, c, WasmError);
const index = fileURLToPath(new URL("../lib/index.js", import.meta.url));

const wat = (pages) => `(module
  (import "env" "out" (func $out))
  (memory (export "memory") ${pages} 100)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store8)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load8_u)
  (func (export "growThenOut") i32.const 1 memory.grow drop call $out))`;

const runtimes = [["pooled", wasm], ["on demand", new wasm.Runtime({ pool: 0 })]];

for (const [label, rt] of runtimes) {
  test(`${label}: buffer is the memory itself, the same object until it grows`, async () => {
    const inst = await rt.instantiate(await rt.compile(wat(1)), { imports: { env: { out() {} } } });
    const b = inst.memory.buffer;
    assert.ok(b instanceof ArrayBuffer);
    assert.equal(b.byteLength, 65536);
    assert.equal(inst.memory.buffer, b, "one object while the memory keeps its size");
    assert.equal(inst.exports.memory.buffer, b, "whichever Memory object asks");
    const v = new Uint8Array(b);
    inst.exports.store(10, 200);
    assert.equal(v[10], 200, "the view sees a sync call's write");
    await inst.call("store", 11, 201);
    assert.equal(v[11], 201, "and an async call's, made on a worker");
    v[12] = 42;
    assert.equal(inst.exports.load(12), 42, "the guest sees the view's write");
    assert.deepEqual([...inst.memory.readSync(10, 3)], [200, 201, 42]);
    inst.dropSync();
  });

  test(`${label}: a view taken before growth is detached after it, however it grows`, async () => {
    const inst = await rt.instantiate(await rt.compile(wat(1)), { imports: { env: { out() {} } } });
    const m = inst.memory;
    const growths = [
      ["the guest, in a sync call", () => inst.exports.grow(1)],
      ["the guest, in an async call", () => inst.call("grow", 1)],
      ["growSync", () => m.growSync(1)],
      ["grow", () => m.grow(1)],
    ];
    let pages = 1;
    for (const [how, grow] of growths) {
      const before = m.buffer;
      const view = new Uint32Array(before);
      view[0] = pages;
      await grow();
      pages += 1;
      assert.equal(before.byteLength, 0, `${how}: the old buffer is detached`);
      assert.equal(view.length, 0, `${how}: views of it have length 0`);
      assert.equal(m.buffer.byteLength, pages * 65536, `${how}: the new buffer covers the grown memory`);
      assert.equal(new Uint32Array(m.buffer)[0], pages - 1, `${how}: over the same bytes`);
    }
    inst.dropSync();
  });

  test(`${label}: inside a host function, buffer covers what the guest grew before calling out`, async () => {
    const seen = [];
    const inst = await rt.instantiate(await rt.compile(wat(1)), {
      imports: { env: { out() { seen.push(inst.memory.buffer.byteLength); } } },
    });
    const before = inst.memory.buffer;
    inst.exports.growThenOut();
    assert.equal(before.byteLength, 0, "detached when the guest called out");
    await inst.call("growThenOut");
    assert.deepEqual(seen, [2 * 65536, 3 * 65536]);
    inst.dropSync();
  });

  test(`${label}: drop, drop() and dropModule detach the buffer; buffer is then 5005`, async () => {
    const id = await rt.compile(wat(1));
    const make = () => rt.instantiate(id, { imports: { env: { out() {} } } });
    const a = await make(), b = await make(), c = await make();
    const [ba, bb, bc] = [a, b, c].map((i) => new Uint8Array(i.memory.buffer));
    a.dropSync();
    assert.equal(ba.length, 0, "dropSync");
    await b.drop();
    assert.equal(bb.length, 0, "drop()");
    rt.dropModule(id);
    // The module's instances are freed after their queued work.
    await c.drop().catch(() => {});
    assert.equal(bc.length, 0, "dropModule");
    for (const inst of [a, b, c]) await code(() => inst.memory.buffer, E.InvalidInstanceHandle);
  });
}

test("a memory of 0 pages has an empty buffer, replaced once it grows", async () => {
  const inst = await wasm.instantiate(await wasm.compile(wat(0)), { imports: { env: { out() {} } } });
  const empty = inst.memory.buffer;
  assert.equal(empty.byteLength, 0);
  inst.exports.grow(2);
  assert.equal(inst.memory.buffer.byteLength, 2 * 65536);
  assert.notEqual(inst.memory.buffer, empty);
  inst.dropSync();
});

test("buffer of a missing memory, or of an export that is not one, is 5006", async () => {
  const none = await wasm.instantiate(await wasm.compile(`(module (func (export "f")))`));
  await code(() => none.memory.buffer, E.MemoryError);
  const table = await wasm.instantiate(await wasm.compile(`(module (memory 1) (table (export "t") 1 funcref))`));
  await code(() => table.getMemory("t").buffer, E.MemoryError);
});

// In a child process: a crash must fail the test, not the runner.
test("a buffer kept after its instance is dropped or collected never reaches freed or reused memory", () => {
  const script = `
    import * as wasm from ${JSON.stringify(index)};
    const gc = globalThis.gc;
    for (const pool of [undefined, 0]) {
      const rt = new wasm.Runtime(pool === undefined ? {} : { pool });
      const id = await rt.compile(\`(module (memory (export "memory") 1)
        (func (export "fill") (param i32) (local i32)
          (loop (i32.store8 (local.get 1) (local.get 0))
            (br_if 0 (i32.lt_u (local.tee 1 (i32.add (local.get 1) (i32.const 1))) (i32.const 65536))))))\`);
      // Collected: the instance and its Memory object are unreachable, the buffer is not.
      let kept = await (async () => {
        const inst = await rt.instantiate(id);
        inst.exports.fill(7);
        return inst.memory.buffer;
      })();
      for (let round = 0; round < 5; round++) {
        gc();
        await new Promise((r) => setImmediate(r));
        // New instances take freed slots and mappings, and fill them.
        const others = [];
        for (let i = 0; i < 50; i++) {
          const o = await rt.instantiate(id);
          o.exports.fill(9);
          others.push(o);
        }
        for (const o of others) o.dropSync();
      }
      if (rt.instanceCount !== 0) throw new Error("the instance was not collected: " + rt.instanceCount);
      const bytes = new Uint8Array(kept);
      if (bytes.length !== 65536 || bytes.some((b) => b !== 7)) throw new Error("kept buffer changed: " + bytes.length);
      // Dropped explicitly: detached at once, and its bytes stay unreached.
      const inst = await rt.instantiate(id);
      const view = new Uint8Array(inst.memory.buffer);
      inst.dropSync();
      gc();
      if (view.length !== 0) throw new Error("not detached");
      kept = null;
      gc();
    }
    console.log("ok");
  `;
  const r = spawnSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", script], { encoding: "utf8" });
  assert.equal(r.signal, null, `no signal (stderr: ${r.stderr})`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "ok");
});

test("a view reads the guest's writes while an async call runs it on a worker", async () => {
  const inst = await wasm.instantiate(await wasm.compile(`(module (memory (export "memory") 1)
    (func (export "count") (param i32) (local i32)
      (loop (i32.store (i32.const 0) (local.get 1))
        (br_if 0 (i32.lt_u (local.tee 1 (i32.add (local.get 1) (i32.const 1))) (local.get 0))))
      (i32.store (i32.const 0) (local.get 0))))`));
  const view = new Uint32Array(inst.memory.buffer);
  const target = 2_000_000_000;
  let settled = false;
  const call = inst.call("count", target).then(() => { settled = true; });
  let seen = 0;
  // The JS thread watches the counter move while the guest runs elsewhere.
  while (!settled && (seen === 0 || seen === view[0])) {
    seen = view[0];
    await new Promise((r) => setImmediate(r));
  }
  await call;
  assert.equal(view[0], target, "the final write is seen once the call settles");
  inst.dropSync();
});
