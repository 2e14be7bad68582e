// Call overhead: add(i32, i32) through runtime-wasm's sync and async calls
// against Node's built-in WebAssembly, in one process, interleaved.
import * as wasm from "../lib/index.js";
import { fixtureText, measure, report } from "./support.mjs";

const binary = wasm.wat2wasm(fixtureText("add.wat"));
const node = new WebAssembly.Instance(new WebAssembly.Module(binary), {});
const inst = await wasm.instantiate(await wasm.compile(binary));

const sync = await measure({
  "node WebAssembly": async (n) => { for (let i = 0; i < n; i++) node.exports.add(i, 1); },
  "runtime-wasm callSync": async (n) => { for (let i = 0; i < n; i++) inst.callSync("add", i, 1); },
}, { ops: 200_000 });
report("add(i32, i32) from JS", sync, "node WebAssembly");

const pipelined = await measure({
  "runtime-wasm call, 1000 in flight": async (n) => {
    for (let done = 0; done < n; done += 1000) {
      await Promise.all(Array.from({ length: 1000 }, (_, i) => inst.call("add", i, 1)));
    }
  },
}, { ops: 20_000 });
report("add(i32, i32), async (one worker hop per call)", pipelined);

const bytes = wasm.wat2wasm(fixtureText("counter.wat"));
const mod = new WebAssembly.Module(bytes);
const id = await wasm.compile(bytes);
const inst2 = await measure({
  "new WebAssembly.Instance": async (n) => { for (let i = 0; i < n; i++) new WebAssembly.Instance(mod, {}); },
  "runtime-wasm instantiateSync + dropSync": async (n) => { for (let i = 0; i < n; i++) wasm.instantiateSync(id).dropSync(); },
}, { ops: 5_000 });
report("instantiate a small module", inst2, "new WebAssembly.Instance");
