// JSPI through the namespace: `WebAssembly.Suspending` imports wait on their
// Promise (holding no thread) in calls made through `WebAssembly.promising`,
// and are a SuspendError in synchronous ones; the same scenarios give the
// same answers as Node 26's own JSPI.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as wasm from "../lib/index.js";
import WebAssembly from "../lib/webassembly/index.js";
import { onNode26 } from "./support.mjs";
import { WAT, expected, scenarios } from "./portable/jspi-scenarios.mjs";

const bytes = wasm.wat2wasm(WAT);


test("JSPI scenarios through runtime-wasm's namespace", async () => {
  assert.deepEqual(await scenarios(WebAssembly, bytes), expected);
});

test("the same JSPI scenarios on Node 26's own WebAssembly give the same answers", async (t) => {
  const answer = onNode26(t, new URL("./portable/jspi-scenarios.mjs", import.meta.url), bytes);
  if (answer !== undefined) assert.deepEqual(answer, expected);
});

test("10,000 promising calls waiting at once on Suspending imports hold no thread each (thread count bounded)", (t) => {
  // In a child process: its thread count is its own.
  const script = `
    import { readFileSync } from "node:fs";
    import WebAssembly from ${JSON.stringify(new URL("../lib/webassembly/index.js", import.meta.url).href)};
    const threads = () => Number(readFileSync("/proc/self/status", "utf8").match(/^Threads:\\s+(\\d+)$/m)[1]);
    const bytes = new Uint8Array(${JSON.stringify([...bytes])});
    const module = new WebAssembly.Module(bytes);
    let entered = 0, most = 0, open;
    const gate = new Promise((r) => { open = r; });
    let allIn;
    const everyone = new Promise((r) => { allIn = r; });
    const fetch = new WebAssembly.Suspending((x) => {
      if (++entered % 500 === 0) most = Math.max(most, threads());
      if (entered === 10000) allIn();
      return gate.then(() => x * 2);
    });
    // Warm up: the worker set and its helpers exist before the baseline.
    const warm = new WebAssembly.Instance(module, { env: { fetch: new WebAssembly.Suspending(async (x) => x) } });
    const warmed = await WebAssembly.promising(warm.exports.run)(1);
    const instances = Array.from({ length: 10000 }, () => new WebAssembly.Instance(module, { env: { fetch } }));
    const baseline = threads();
    const calls = instances.map((inst, k) => WebAssembly.promising(inst.exports.run)(k));
    await everyone;
    const atAllIn = threads();
    open();
    const results = await Promise.all(calls);
    const wrong = results.filter((v, k) => v !== 2 * k + 1).length;
    console.log(JSON.stringify({ baseline, atAllIn, most: Math.max(most, atAllIn), entered, wrong, warmed }));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").pop());
  t.diagnostic(`threads: baseline ${out.baseline}, all waiting ${out.atAllIn}, most seen ${out.most}`);
  assert.equal(out.warmed, 2);
  assert.equal(out.entered, 10_000);
  assert.equal(out.wrong, 0);
  // A small worker set, not a thread per waiting call.
  assert.ok(out.most <= out.baseline + 32, `up to ${out.most} threads with 10,000 calls waiting, baseline ${out.baseline}`);
});
