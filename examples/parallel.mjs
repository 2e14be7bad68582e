// Many instances in parallel: each async call runs on its own worker
// thread, so N instances computing at once use up to N cores while the JS
// thread stays free. Run: node examples/parallel.mjs [instances]
import { availableParallelism } from "node:os";
import { readFileSync } from "node:fs";
import * as wasm from "../lib/index.js";

const count = Number(process.argv[2] ?? availableParallelism());
const source = readFileSync(new URL("../fixtures/traps.wat", import.meta.url), "utf8");
const id = await wasm.compile(source);
const instances = await Promise.all(Array.from({ length: count }, () => wasm.instantiate(id)));
const WORK = 300_000_000n;

let t0 = performance.now();
await instances[0].call("spin", WORK);
const one = performance.now() - t0;

t0 = performance.now();
const results = await Promise.all(instances.map(async (inst) => (await inst.call("spin", WORK))[0]));
const all = performance.now() - t0;

console.log(`${count} instances each counted to ${results[0]} (${results.every((r) => r === WORK) ? "all correct" : "WRONG"})`);
console.log(`one alone: ${one.toFixed(0)} ms; ${count} at once: ${all.toFixed(0)} ms (${((count * one) / all).toFixed(2)}x the work per unit of time)`);
