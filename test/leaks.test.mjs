import test from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import * as wasm from "../lib/index.js";
import { fixtureText } from "./support.mjs";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc");
/** One turn of the event loop, where finalizers of collected objects run. */
const turn = () => new Promise((r) => setImmediate(r));
const CYCLES = 100_000;
// Resident memory settles (allocator caches, thread stacks, JIT code) during
// the first few thousand cycles; the bound applies to what follows.
const WARMUP = 20_000;
/** Calls the callback each of its objects was registered with, once collected. */
const sentinels = new FinalizationRegistry((done) => done());

/**
 * Collects and yields until `done()` holds and a collection that came after
 * everything made so far has been finalized (a sentinel in a
 * FinalizationRegistry says so), a bounded number of times; then reads
 * resident memory.
 */
async function rssAfterGc(done = () => true) {
  let finalized = false;
  sentinels.register({}, () => { finalized = true; });
  for (let i = 0; i < 1000 && !(finalized && done()); i++) {
    gc();
    await (i < 100 ? turn() : new Promise((r) => setTimeout(r, 1)));
  }
  assert.ok(finalized && done(), "collected objects were finalized");
  return process.memoryUsage().rss;
}

test(`${CYCLES} instantiate/drop cycles leave resident memory within 20%`, async () => {
  const rt = new wasm.Runtime();
  const m = rt.compileSync(fixtureText("counter.wat"));
  for (let i = 0; i < WARMUP; i++) rt.instantiateSync(m).dropSync();
  const before = await rssAfterGc();
  for (let i = 0; i < CYCLES; i++) {
    const inst = rt.instantiateSync(m);
    if (i % 1000 === 0) assert.deepEqual(inst.callSync("inc"), [1]);
    inst.dropSync();
    // The dropped JS wrappers are finalized after a GC, on the event loop:
    // collect and yield as a busy application's heap and loop would.
    if (i % 2000 === 0) {
      gc();
      await turn();
    }
  }
  const after = await rssAfterGc();
  assert.equal(rt.instanceCount, 0);
  assert.ok(after <= before * 1.2, `rss ${(before / 2 ** 20).toFixed(1)} MiB -> ${(after / 2 ** 20).toFixed(1)} MiB`);
});

test(`${CYCLES} instances left to the garbage collector leave resident memory within 20%`, async () => {
  const rt = new wasm.Runtime();
  const m = rt.compileSync(fixtureText("counter.wat"));
  for (let i = 0; i < WARMUP; i++) {
    rt.instantiateSync(m);
    if (i % 2000 === 0) gc();
  }
  const before = await rssAfterGc(() => rt.instanceCount === 0);
  for (let i = 0; i < CYCLES; i++) {
    rt.instantiateSync(m);
    if (i % 2000 === 0) {
      gc();
      await turn();
    }
  }
  const after = await rssAfterGc(() => rt.instanceCount === 0);
  assert.equal(rt.instanceCount, 0, "every collected instance was freed");
  assert.ok(after <= before * 1.2, `rss ${(before / 2 ** 20).toFixed(1)} MiB -> ${(after / 2 ** 20).toFixed(1)} MiB`);
});

test("reading large regions over and over keeps resident memory bounded", async () => {
  const size = 16 << 20;
  const inst = wasm.instantiateSync(wasm.compileSync(`(module (memory (export "memory") ${size >> 16}))`));
  const peak = { rss: 0 };
  const sample = () => { peak.rss = Math.max(peak.rss, process.memoryUsage().rss); };
  const before = await rssAfterGc();
  // 150 reads of 16 MiB: 2.4 GiB handed to JS and dropped, without an explicit gc().
  for (let i = 0; i < 100; i++) { assert.equal(inst.memory.readSync(0, size).length, size); sample(); }
  for (let i = 0; i < 50; i++) { assert.equal((await inst.memory.read(0, size)).length, size); sample(); }
  assert.ok(peak.rss - before < 1024 * 2 ** 20, `resident memory grew by ${((peak.rss - before) / 2 ** 20).toFixed(0)} MiB`);
});
