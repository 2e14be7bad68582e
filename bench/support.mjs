// Timing helpers shared by the benchmarks: interleaved rounds, medians and
// ratios, because the machines these run on are shared and noisy.
import { existsSync, readFileSync, writeFileSync } from "node:fs";

export const fixtureText = (name) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8");

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
