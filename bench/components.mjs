// A component called from JS: runtime-wasm against jco's transpiled output
// of the same component on V8, in the same process, interleaved: an export
// taking and returning a 1 KiB string, one taking and returning a record of
// ten fields, a resource method, and instantiation from compiled code.
// (fixtures/components/types/types.wasm; jco from npm's
// @bytecodealliance/jco-transpile, transpiled here.)
import * as wasm from "../lib/index.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { transpile } from "../test/reference/transpile.mjs";
import { measure, report } from "./support.mjs";

const file = new URL("../fixtures/components/types/types.wasm", import.meta.url);
const jco = await transpile(fileURLToPath(file), "types", { instantiation: "sync" });
if (jco.why) {
  console.log(`\ncomponents: skipped, ${jco.why}`);
  process.exit(0);
}
const out = jco.dir;
const transpiled = await import(jco.module);
// Core modules compiled once, as runtime-wasm's component is.
const cores = new Map();
const getCoreModule = (path) => {
  if (!cores.has(path)) cores.set(path, new WebAssembly.Module(readFileSync(join(out, path))));
  return cores.get(path);
};
const jcoInstance = () => transpiled.instantiate(getCoreModule, {});

const id = await wasm.compileFile(fileURLToPath(file));
const ours = wasm.instantiateSync(id).exports.api;
const theirs = jcoInstance().api;

const text = "é".repeat(256) + "x".repeat(512); // 1 KiB of UTF-8
const wide = { id: 1, name: "Ann", score: 1.5, active: true, balance: -5n, level: 3, email: "ann@example.com", ratio: 0.5, tags: ["a", "b"], avatar: new Uint8Array(16) };
for (const api of [ours, theirs]) {
  if (api.echoString(text) !== text) throw new Error("echoString");
  if (api.bump(wide).id !== 2) throw new Error("bump");
}
const counters = [new ours.Counter(0), new theirs.Counter(0)];

const loop = (f) => async (n) => {
  for (let i = 0; i < n; i++) f();
};
const strings = await measure({
  "jco (V8): echoString(1 KiB)": loop(() => theirs.echoString(text)),
  "runtime-wasm: echoString(1 KiB)": loop(() => ours.echoString(text)),
}, { ops: 5_000 });
report("a component export taking and returning a 1 KiB string", strings, "jco (V8): echoString(1 KiB)");

const records = await measure({
  "jco (V8): bump(record of 10 fields)": loop(() => theirs.bump(wide)),
  "runtime-wasm: bump(record of 10 fields)": loop(() => ours.bump(wide)),
}, { ops: 5_000 });
report("a component export taking and returning a record of ten fields", records, "jco (V8): bump(record of 10 fields)");

const methods = await measure({
  "jco (V8): counter.increment(1)": loop(() => counters[1].increment(1)),
  "runtime-wasm: counter.increment(1)": loop(() => counters[0].increment(1)),
}, { ops: 10_000 });
report("a resource method", methods, "jco (V8): counter.increment(1)");

const instances = await measure({
  "jco (V8): instantiate": loop(() => jcoInstance()),
  "runtime-wasm: instantiateSync": loop(() => wasm.instantiateSync(id)),
}, { ops: 300 });
report("instantiating the component from compiled code", instances, "jco (V8): instantiate");
