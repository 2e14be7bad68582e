// What limits cost: the same CPU-bound loop unmetered, with fuel, with a
// deadline, and on Node's built-in WebAssembly, in one process, interleaved.
import * as wasm from "../lib/index.js";
import { fixtureText, measure, optimized, report } from "./support.mjs";

const binary = wasm.wat2wasm(fixtureText("traps.wat"));
const id = await optimized(wasm, binary);
const node = new WebAssembly.Instance(new WebAssembly.Module(binary), {});
// The first metered instances start the optimized builds of their kinds.
await wasm.instantiate(id, { fuel: 1 });
await wasm.instantiate(id, { timeoutMs: 1 });
await wasm.tierUp(id);
const plain = await wasm.instantiate(id);
const fueled = await wasm.instantiate(id, { fuel: 2n ** 62n });
const timed = await wasm.instantiate(id, { timeoutMs: 60_000 });
for (const inst of [plain, fueled, timed]) if (inst.tier !== "optimized") throw new Error("limits bench: expected optimized code");

const ITERATIONS = 1_000_000n;
const medians = await measure({
  "node WebAssembly": async (n) => { for (let i = 0; i < n; i++) node.exports.spin(ITERATIONS); },
  "runtime-wasm, no limits": async (n) => { for (let i = 0; i < n; i++) plain.callSync("spin", ITERATIONS); },
  "runtime-wasm, fuel": async (n) => { for (let i = 0; i < n; i++) fueled.callSync("spin", ITERATIONS); },
  "runtime-wasm, timeoutMs": async (n) => { for (let i = 0; i < n; i++) timed.callSync("spin", ITERATIONS); },
}, { ops: 40 });
report(`a ${ITERATIONS.toLocaleString("en")}-iteration loop per call`, medians, "runtime-wasm, no limits");
