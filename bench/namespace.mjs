// The WebAssembly namespace and memory.buffer: `instance.exports.add` through
// runtime-wasm/webassembly against runtime-wasm's `callSync` and Node's own
// WebAssembly, and 64 MiB read through a `memory.buffer` view against a copy
// out with `readIntoSync` and Node's own buffer, in one process, interleaved.
import * as wasm from "../lib/index.js";
import { WebAssembly as W } from "../lib/webassembly/index.js";
import { fixtureText, measure, report, optimized } from "./support.mjs";

const binary = wasm.wat2wasm(fixtureText("add.wat"));
const node = new WebAssembly.Instance(new WebAssembly.Module(binary), {});
const ns = new W.Instance(new W.Module(binary), {});
const inst = await wasm.instantiate(await optimized(wasm, binary));
const nodeAdd = node.exports.add, nsAdd = ns.exports.add;

const calls = await measure({
  "runtime-wasm callSync": async (n) => { for (let i = 0; i < n; i++) inst.callSync("add", i, 1); },
  "namespace instance.exports.add": async (n) => { for (let i = 0; i < n; i++) nsAdd(i, 1); },
  "node WebAssembly exports.add": async (n) => { for (let i = 0; i < n; i++) nodeAdd(i, 1); },
}, { ops: 200_000 });
report("add(i32, i32) through the namespace", calls, "runtime-wasm callSync");

const SIZE = 64 << 20;
const pages = SIZE / 65536 + 1;
const memWat = `(module (memory (export "memory") ${pages}))`;
const nodeMem = new WebAssembly.Instance(new WebAssembly.Module(wasm.wat2wasm(memWat)), {}).exports.memory;
const nsMem = new W.Instance(new W.Module(wasm.wat2wasm(memWat)), {}).exports.memory;
const coreInst = await wasm.instantiate(await optimized(wasm, memWat));
const coreMem = coreInst.memory;
for (const m of [nodeMem.buffer, nsMem.buffer, coreMem.buffer]) new Uint8Array(m, 0, SIZE).fill(7);
const out = new Uint8Array(SIZE);
let sink = 0;
const sum = (view) => {
  const words = new Uint32Array(view.buffer, view.byteOffset, view.byteLength >> 2);
  let s = 0;
  for (let i = 0; i < words.length; i += 1024) s += words[i];
  return s;
};
const reads = await measure({
  "runtime-wasm readIntoSync (copy out)": async (n) => { for (let i = 0; i < n; i++) coreMem.readIntoSync(0, out); },
  "runtime-wasm memory.buffer view, copied": async (n) => { for (let i = 0; i < n; i++) out.set(new Uint8Array(coreMem.buffer, 0, SIZE)); },
  "namespace memory.buffer view, copied": async (n) => { for (let i = 0; i < n; i++) out.set(new Uint8Array(nsMem.buffer, 0, SIZE)); },
  "node memory.buffer view, copied": async (n) => { for (let i = 0; i < n; i++) out.set(new Uint8Array(nodeMem.buffer, 0, SIZE)); },
  "runtime-wasm memory.buffer view, read in place": async (n) => { for (let i = 0; i < n; i++) sink += sum(new Uint8Array(coreMem.buffer, 0, SIZE)); },
  "node memory.buffer view, read in place": async (n) => { for (let i = 0; i < n; i++) sink += sum(new Uint8Array(nodeMem.buffer, 0, SIZE)); },
}, { ops: 5, rounds: 7 });
report("read 64 MiB of linear memory", reads, "runtime-wasm readIntoSync (copy out)");
if (sink === 0.5) console.log(sink);
