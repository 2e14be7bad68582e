// Call overhead: add(i32, i32) through runtime-wasm's sync and async calls
// and its `instance.exports` functions, against Node's built-in WebAssembly,
// in one process, interleaved.
import * as wasm from "../lib/index.js";
import native from "../lib/native.js";
import { fixtureText, measure, report, optimized } from "./support.mjs";

const binary = wasm.wat2wasm(fixtureText("add.wat"));
const node = new WebAssembly.Instance(new WebAssembly.Module(binary), {});
const inst = await wasm.instantiate(await optimized(wasm, binary));
const { add } = inst.exports;

const sync = await measure({
  "node WebAssembly": async (n) => { for (let i = 0; i < n; i++) node.exports.add(i, 1); },
  "runtime-wasm callSync": async (n) => { for (let i = 0; i < n; i++) inst.callSync("add", i, 1); },
  "runtime-wasm instance.exports.add": async (n) => { for (let i = 0; i < n; i++) add(i, 1); },
  "empty #[napi] function (the floor)": async (n) => { for (let i = 0; i < n; i++) native.floor(i, 1); },
}, { ops: 200_000 });
report("add(i32, i32) from JS", sync, "empty #[napi] function (the floor)");

const batch = Array.from({ length: 1000 }, (_, i) => [i, 1]);
const many = await measure({
  "runtime-wasm callManySync, per call": async (n) => { for (let done = 0; done < n; done += 1000) inst.callManySync("add", batch); },
  "runtime-wasm callSync, per call": async (n) => { for (let i = 0; i < n; i++) inst.callSync("add", i, 1); },
  "runtime-wasm exports.add, per call": async (n) => { for (let i = 0; i < n; i++) add(i, 1); },
}, { ops: 100_000 });
report("add(i32, i32) in batches of 1000", many, "runtime-wasm callSync, per call");

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
const id = await optimized(wasm, bytes);
const inst2 = await measure({
  "new WebAssembly.Instance": async (n) => { for (let i = 0; i < n; i++) new WebAssembly.Instance(mod, {}); },
  "runtime-wasm instantiateSync + dropSync": async (n) => { for (let i = 0; i < n; i++) wasm.instantiateSync(id).dropSync(); },
}, { ops: 5_000 });
report("instantiate a small module", inst2, "new WebAssembly.Instance");

const hello = wasm.wat2wasm(fixtureText("wasi_hello.wat"));
const helloId = await optimized(wasm, hello);
const { WASI } = await import("node:wasi");
const helloModule = new WebAssembly.Module(hello);
const wasiInst = await measure({
  "new WASI + WebAssembly.Instance": async (n) => {
    for (let i = 0; i < n; i++) new WebAssembly.Instance(helloModule, new WASI({ version: "preview1" }).getImportObject());
  },
  "runtime-wasm instantiateSync + dropSync": async (n) => { for (let i = 0; i < n; i++) wasm.instantiateSync(helloId).dropSync(); },
}, { ops: 2_000 });
report("instantiate a WASI module", wasiInst, "new WASI + WebAssembly.Instance");

for (const mib of [1, 64]) {
  const size = mib << 20;
  const memSource = `(module (memory (export "memory") ${(size >> 16) + 1}))`;
  const ours = await wasm.instantiate(await optimized(wasm, memSource));
  const nodeMem = new WebAssembly.Instance(new WebAssembly.Module(wasm.wat2wasm(memSource))).exports.memory;
  const data = new Uint8Array(size).fill(7);
  const target = new Uint8Array(size);
  const ops = mib === 1 ? 200 : 10;
  const rw = await measure({
    "node: set + slice (a new copy)": async (n) => {
      for (let i = 0; i < n; i++) { new Uint8Array(nodeMem.buffer).set(data); new Uint8Array(nodeMem.buffer).slice(0, size); }
    },
    "node: set + copy into a buffer": async (n) => {
      for (let i = 0; i < n; i++) { new Uint8Array(nodeMem.buffer).set(data); target.set(new Uint8Array(nodeMem.buffer, 0, size)); }
    },
    "runtime-wasm writeSync + readSync": async (n) => {
      for (let i = 0; i < n; i++) { ours.memory.writeSync(0, data); ours.memory.readSync(0, size); }
    },
    "runtime-wasm writeSync + readIntoSync": async (n) => {
      for (let i = 0; i < n; i++) { ours.memory.writeSync(0, data); ours.memory.readIntoSync(0, target); }
    },
  }, { ops, rounds: 5 });
  report(`write then read ${mib} MiB of memory`, rw, "node: set + copy into a buffer");
}

const traps = await optimized(wasm, fixtureText("traps.wat"));
const pair = await Promise.all([wasm.instantiate(traps), wasm.instantiate(traps)]);
const WORK = 100_000_000n;
const scaling = await measure({
  "1 instance": async (n) => { for (let i = 0; i < n; i++) await pair[0].call("spin", WORK); },
  "2 instances at once (per unit of work)": async (n) => {
    for (let i = 0; i < n; i += 2) await Promise.all(pair.map((p) => p.call("spin", WORK)));
  },
}, { ops: 6, rounds: 5 });
report("parallel scaling: spin(1e8) per unit of work", scaling, "1 instance");
