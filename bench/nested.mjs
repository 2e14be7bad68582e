// A host function calling back into the guest that waits on it (nested),
// the pattern of wasm-bindgen's and Emscripten's glue: one outer call whose
// import calls an export, through runtime-wasm's sync forms and through
// Node's own WebAssembly, in the same process, interleaved; beside a plain
// export call from JS and an outer call whose import does not call back.
import * as wasm from "../lib/index.js";
import { measure, optimized, report } from "./support.mjs";

const binary = wasm.wat2wasm(`(module
  (import "env" "cb" (func $cb (param i32) (result i32)))
  (func (export "outer") (param i32) (result i32) (call $cb (local.get 0)))
  (func (export "inc") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))`);

let node, ours;
node = new WebAssembly.Instance(new WebAssembly.Module(binary), { env: { cb: (x) => node.exports.inc(x) } });
const id = await optimized(wasm, binary);
ours = wasm.instantiateSync(id, { imports: { env: { cb: (x) => ours.exports.inc(x) } } });
const flat = wasm.instantiateSync(id, { imports: { env: { cb: (x) => x + 1 } } });

for (const [name, f] of [["node", () => node.exports.outer(41)], ["ours", () => ours.exports.outer(41)], ["flat", () => flat.exports.outer(41)]]) {
  if (f() !== 42) throw new Error(`${name}: outer(41) is not 42`);
}

const loop = (f) => async (n) => {
  for (let i = 0; i < n; i++) f(i);
};
const medians = await measure({
  "node WebAssembly: outer -> import -> export": loop((i) => node.exports.outer(i)),
  "runtime-wasm exports: outer -> import -> export (nested)": loop((i) => ours.exports.outer(i)),
  "runtime-wasm exports: outer -> import": loop((i) => flat.exports.outer(i)),
  "runtime-wasm exports: inc from JS": loop((i) => ours.exports.inc(i)),
}, { ops: 20_000 });
report("an import calling an export of the waiting guest (sync form)", medians, "node WebAssembly: outer -> import -> export");

// The async form: the guest waits on a worker while its Promise-returning
// import calls back in, with `call` (run by the waiting call itself) or
// with the sync form after an `await` (on the store lent to the JS thread),
// beside the same outer call whose import answers at once.
let asyncNested, asyncSync;
asyncNested = wasm.instantiateSync(id, { imports: { env: { cb: async (x) => (await asyncNested.call("inc", x))[0] } } });
asyncSync = wasm.instantiateSync(id, { imports: { env: { cb: async (x) => { await null; return asyncSync.exports.inc(x); } } } });
const asyncFlat = wasm.instantiateSync(id, { imports: { env: { cb: async (x) => x + 1 } } });
for (const inst of [asyncNested, asyncSync, asyncFlat]) {
  const [r] = await inst.call("outer", 41);
  if (r !== 42) throw new Error(`call("outer", 41) is ${r}, not 42`);
}
const serial = (inst) => async (n) => {
  for (let i = 0; i < n; i++) await inst.call("outer", i);
};
const asyncMedians = await measure({
  "runtime-wasm call: outer -> async import -> import answers": serial(asyncFlat),
  "runtime-wasm call: outer -> async import -> call(inc) (nested)": serial(asyncNested),
  "runtime-wasm call: outer -> async import -> await -> exports.inc (nested)": serial(asyncSync),
}, { ops: 2_000 });
report("an async import calling back into the waiting guest (call)", asyncMedians, "runtime-wasm call: outer -> async import -> import answers");
