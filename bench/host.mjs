// Guest -> host -> guest round trips: runtime-wasm sync and async calls
// against Node's built-in WebAssembly, in the same process, interleaved.
import * as wasm from "../lib/index.js";
import { fixtureText, measure, report, optimized } from "./support.mjs";

const binary = wasm.wat2wasm(fixtureText("roundtrip.wat"));
const tick = (x) => (x + 1) | 0;

const node = new WebAssembly.Instance(new WebAssembly.Module(binary), { env: { tick } });
const id = await optimized(wasm, binary);
const plain = await wasm.instantiate(id, { imports: { env: { tick } } });
const promised = await wasm.instantiate(id, { imports: { env: { tick: async (x) => tick(x) } } });

const per = (n) => n; // one round trip per iteration
const fast = await measure({
  "node WebAssembly (JS import)": async (n) => node.exports.run(per(n)),
  "runtime-wasm callSync": async (n) => plain.callSync("run", per(n)),
  "runtime-wasm instance.exports.run": async (n) => plain.exports.run(per(n)),
}, { ops: 200_000 });
report("round trip, guest on the JS thread", fast, "node WebAssembly (JS import)");

const slow = await measure({
  "runtime-wasm call (sync host fn)": async (n) => plain.call("run", per(n)),
  "runtime-wasm call (async host fn)": async (n) => promised.call("run", per(n)),
}, { ops: 5_000 });
report("round trip, guest on a worker thread (each crossing hops threads)", slow, "runtime-wasm call (sync host fn)");
