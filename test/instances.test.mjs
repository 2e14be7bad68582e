import test from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as wasm from "../lib/index.js";
import { fixtureText, expectCode, tempDir } from "./support.mjs";

const { ErrorCode: E, WasmError } = wasm;
const code = (fn, c) => expectCode(fn, c, WasmError);

test("instances expose ids, their module and typed exports", async () => {
  const id = await wasm.compile(fixtureText("add.wat"));
  const inst = await wasm.instantiate(id);
  assert.equal(inst.moduleId, id);
  assert.equal(typeof inst.id, "string");
  assert.notEqual(inst.id, (await wasm.instantiate(id)).id);
  const exports = await inst.getExports();
  assert.deepEqual(exports.find((e) => e.name === "add"), { name: "add", kind: "func", params: ["i32", "i32"], results: ["i32"], index: 0 });
  assert.deepEqual(exports.map((e) => e.kind).sort(), [...Array(8).fill("func"), "global", "memory"].sort());
});

test("a dropped instance is 5005 for every operation", async () => {
  const inst = await wasm.instantiate(await wasm.compile(fixtureText("counter.wat")));
  const { inc, get } = inst.exports;
  assert.equal(inc(), 1);
  await inst.drop();
  await code(() => inst.call("inc"), E.InvalidInstanceHandle);
  await code(() => inst.callSync("inc"), E.InvalidInstanceHandle);
  await code(() => inst.callMany("inc", [[]]), E.InvalidInstanceHandle);
  await code(() => inst.callManySync("inc", [[]]), E.InvalidInstanceHandle);
  await code(() => inc(), E.InvalidInstanceHandle);
  await code(() => get(), E.InvalidInstanceHandle);
  await code(() => inst.memory.read(0, 1), E.InvalidInstanceHandle);
  await code(() => inst.memory.sizeSync(), E.InvalidInstanceHandle);
  await code(() => inst.run(), E.InvalidInstanceHandle);
  await code(() => inst.drop(), E.InvalidInstanceHandle);
  await code(() => inst.dropSync(), E.InvalidInstanceHandle);
  const other = wasm.instantiateSync(await wasm.compile(fixtureText("counter.wat")));
  other.dropSync();
  await code(() => other.call("inc"), E.InvalidInstanceHandle);
});

/**
 * `wait` creates the file `started` in its first preopen, then polls until the
 * file `stop` exists there and returns how many times it looked.
 */
const WAITER = `(module
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_get" (func $stat (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "started")
  (data (i32.const 120) "stop")
  (func (export "wait") (result i64) (local $n i64)
    ;; path_open(fd 3, "started", O_CREAT, read + write) -> fd at 0
    (if (call $open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 7) (i32.const 1) (i64.const 66) (i64.const 0) (i32.const 0) (i32.const 0))
      (then unreachable))
    (drop (call $close (i32.load (i32.const 0))))
    (loop $poll
      (local.set $n (i64.add (local.get $n) (i64.const 1)))
      (br_if $poll (call $stat (i32.const 3) (i32.const 0) (i32.const 120) (i32.const 4) (i32.const 200))))
    (local.get $n))
  (func (export "one") (result i32) i32.const 1))`;

test("drop() waits for calls queued before it; dropSync() frees now", async () => {
  const inst = await wasm.instantiate(await wasm.compile(fixtureText("counter.wat")));
  const call = inst.call("inc");
  const dropped = inst.drop();
  assert.deepEqual(await call, [1]);
  await dropped;
  // The guest and the test signal each other through files in a preopen: the
  // guest creates `started`, then runs until the test creates `stop`. So the
  // drop comes while the call is known to be running, however slow the machine.
  const dir = tempDir("drop");
  const waiter = await wasm.instantiate(await wasm.compile(WAITER), { preopens: { "/sync": dir } });
  let settled = false;
  const running = waiter.call("wait").finally(() => { settled = true; });
  const queued = waiter.call("one");
  while (!existsSync(join(dir, "started")) && !settled) await new Promise((r) => setImmediate(r));
  assert.equal(settled, false, "the call is running");
  waiter.dropSync();
  writeFileSync(join(dir, "stop"), "");
  const [polls] = await running;
  assert.ok(polls >= 1n, "a running call finishes");
  await code(() => queued, E.InvalidInstanceHandle);
});


test("dropModule drops every instance made from it", async () => {
  const rt = new wasm.Runtime();
  const m = await rt.compile(fixtureText("counter.wat"));
  const keep = await rt.instantiate(await rt.compile(fixtureText("add.wat")));
  const a = await rt.instantiate(m);
  const b = rt.instantiateSync(m);
  assert.equal(rt.instanceCount, 3);
  rt.dropModule(m);
  await code(() => a.call("inc"), E.InvalidInstanceHandle);
  await code(() => b.callSync("inc"), E.InvalidInstanceHandle);
  await code(() => rt.instantiate(m), E.InvalidModuleHandle);
  assert.deepEqual(await keep.call("answer"), [42]);
  assert.equal(rt.instanceCount, 1);
});

test("instances collected without drop() are freed", async () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc");
  const rt = new wasm.Runtime();
  const m = await rt.compile(fixtureText("counter.wat"));
  let held = [];
  for (let i = 0; i < 200; i++) held.push(await rt.instantiate(m));
  gc();
  assert.equal(rt.instanceCount, 200, "referenced instances stay");
  held = null;
  // Finalizers run on the event loop after a collection: collect and yield
  // until they did, a bounded number of times.
  for (let i = 0; i < 500 && rt.instanceCount > 0; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 2));
  }
  assert.equal(rt.instanceCount, 0);
});

test("bad instantiate arguments are typed errors and the process stays healthy", async () => {
  const m = await wasm.compile(fixtureText("add.wat"));
  await code(() => wasm.instantiate(m, 5), E.TypeError);
  await code(() => wasm.instantiate(m, []), E.TypeError);
  await code(() => wasm.instantiate(42), E.TypeError);
  await code(() => wasm.instantiate(m, { captureLimit: -1 }), E.TypeError);
  assert.deepEqual(await (await wasm.instantiate(m, {})).call("answer"), [42]);
});

test("a runtime's pool: instances beyond it still work, reused slots start clean", async () => {
  const rt = new wasm.Runtime({ pool: 1 });
  const m = await rt.compile(fixtureText("counter.wat"));
  const live = await Promise.all([1, 2, 3].map(() => rt.instantiate(m)));
  live.forEach((inst, i) => { for (let k = 0; k <= i; k++) inst.callSync("inc"); });
  assert.deepEqual(live.map((inst) => inst.callSync("get")), [[1], [2], [3]]);
  live[0].memory.writeSync(0, Uint8Array.of(1, 2, 3));
  for (const inst of live) inst.dropSync();
  const reused = rt.instantiateSync(m);
  assert.deepEqual(reused.callSync("get"), [0]);
  assert.deepEqual([...reused.memory.readSync(0, 3)], [0, 0, 0]);
  const off = new wasm.Runtime({ pool: 0 });
  assert.deepEqual(off.instantiateSync(off.compileSync(fixtureText("counter.wat"))).callSync("inc"), [1]);
  for (const bad of [-1, 1.5, "10"]) await code(() => new wasm.Runtime({ pool: bad }), E.TypeError);
});

test("without address space for a pool, instances are allocated on demand", () => {
  const lib = new URL("../lib/index.js", import.meta.url).href;
  const script = `
    const wasm = await import(${JSON.stringify(lib)});
    const m = wasm.compileSync(${JSON.stringify(fixtureText("counter.wat"))});
    const plain = [1, 2, 3].map(() => wasm.instantiateSync(m));
    plain.forEach((inst, i) => { for (let k = 0; k <= i; k++) inst.callSync("inc"); });
    const fueled = wasm.instantiateSync(m, { fuel: 1000, timeoutMs: 1000 });
    console.log(JSON.stringify([...plain.map((i) => i.callSync("get")), fueled.callSync("inc")]));`;
  // 50 GiB of address space: enough for Node and a few instances, far too little for a pool.
  const limited = `ulimit -v ${50 * 2 ** 20} && exec "$0" --input-type=module -e "$1"`;
  const run = spawnSync("bash", ["-c", limited, process.execPath, script], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), [[1], [2], [3], [1]]);
});
