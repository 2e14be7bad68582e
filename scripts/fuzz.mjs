// Differential fuzzing: modules generated from seeds (crates/runtime-wasm-fuzz,
// wasm-smith) run through runtime-wasm — its `WebAssembly` namespace and its
// own API (`callSync`, `call`, `callMany`) — and through Node's own
// WebAssembly, in lockstep;
// every export is called with edge-value arguments and the outcomes,
// exported globals, tables and memories compared after each call. A
// difference is written out as a reproduction with the command replaying it.
//
//   node scripts/fuzz.mjs [--seconds N] [--seed S] [--count N] [--out DIR]
//   node scripts/fuzz.mjs --replay FILE.wasm
//
// The rules for differences that are no bugs (see RULES) are part of it.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as wasm from "../lib/index.js";
import { WebAssembly as Ours } from "../lib/webassembly/index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const Native = globalThis.WebAssembly;

/**
 * Differences that are no bugs, each with its reason; an outcome matched by
 * one is not compared.
 * - Stack depth: V8 and Wasmtime have stacks of different sizes, so a deep
 *   recursion may exhaust one and not the other (a `RangeError` on either
 *   side is not compared, nor is anything after it).
 * - NaN bits: generated modules canonicalize NaNs, and a JS number cannot
 *   carry a payload anyway: NaNs compare equal.
 */
export const RULES = ["stack depth", "NaN bits", "v128 in the own API", "non-null funcref", "big memories"];
// - Big memories: a memory past 256 MiB (a guest may grow one to 4 GiB) is
//   compared by its size and its first and last 16 MiB, not hashed whole
//   after every call.
// - v128 in the own API: `callSync` carries a v128 as 16 bytes, where the
//   JS API throws a TypeError for a function whose type has one; such
//   functions are not compared between `callSync` and the namespace.
// - Non-null funcref (a known gap, not a rule of the engines): runtime-wasm
//   does not yet give a non-null funcref out of a call or a global (a
//   TypeError), where V8 gives the function; a funcref is compared as null
//   or not null.

/** Edge values per type, as JS gives them. */
const EDGES = {
  i32: [0, 1, -1, 0x7fffffff, -0x80000000, 42],
  i64: [0n, 1n, -1n, 0x7fffffffffffffffn, -0x8000000000000000n, 42n],
  f32: [0, -0, 1.5, -1.5, NaN, Infinity, -Infinity, 3.4028234663852886e38],
  f64: [0, -0, 1.5, -1.5, NaN, Infinity, -Infinity, Number.MIN_VALUE],
  externref: [null, undefined, {}, "s"],
  funcref: [null],
};

/** A small PRNG (SplitMix32 style) so a seed replays the same choices. */
export function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Argument lists for a function taking `params`: all first edges, then random picks. */
function argLists(params, next, count = 4) {
  const lists = [params.map((t) => (EDGES[t] ?? [null])[0])];
  for (let k = 1; k < count; k++) lists.push(params.map((t) => { const e = EDGES[t] ?? [null]; return e[next() % e.length]; }));
  return lists;
}

/** A value as plain, comparable data. */
function plain(v) {
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : Number.isNaN(v) ? "NaN" : v;
  if (typeof v === "function") return "function";
  if (Array.isArray(v)) return v.map(plain);
  if (v === undefined) return "undefined";
  if (v === null) return null;
  return typeof v;
}

/** What a call did: its value, or the class of what it threw. */
function outcome(f) {
  try {
    return { value: plain(f()) };
  } catch (e) {
    return { threw: thrownKind(e) };
  }
}

/** What was thrown, as compared: its constructor's name, or its type. */
function thrownKind(e) {
  return e instanceof Error || e?.constructor ? e.constructor.name : typeof e;
}

/** Past this size a memory is compared by its size, first and last 16 MiB (see RULES). */
const WHOLE_UP_TO = 256 << 20;
const ENDS = 16 << 20;

/** A memory's contents as a short hash with its size. */
function hash(buffer) {
  const h = createHash("sha256");
  const n = buffer.byteLength;
  if (n <= WHOLE_UP_TO) h.update(new Uint8Array(buffer));
  else h.update(new Uint8Array(buffer, 0, ENDS)).update(new Uint8Array(buffer, n - ENDS, ENDS));
  return `${n}:${h.digest("hex").slice(0, 16)}`;
}

/** A funcref as compared: null, or not (see RULES). */
function funcref(o) {
  if (o.value === null) return { value: null };
  if (o.value === "function" || o.threw === "TypeError") return { value: "non-null funcref" };
  return o;
}

/** The exported state after a call: globals, table lengths, memory hashes. */
function state(exports, types) {
  const out = {};
  for (const [name, v] of Object.entries(exports)) {
    if (v instanceof Native.Global || v?.constructor?.name === "Global") {
      const o = outcome(() => v.value);
      out[name] = types[name] === "funcref" ? funcref(o) : o;
    } else if (v?.constructor?.name === "Memory") {
      out[name] = hash(v.buffer);
    } else if (v?.constructor?.name === "Table") {
      out[name] = v.length;
    }
  }
  return out;
}

/** One engine's run of a module: instantiation, then every call in order. */
function runOn(W, bytes, plan, types) {
  const steps = [];
  let instance;
  const made = outcome(() => { instance = new W.Instance(new W.Module(bytes), {}); });
  steps.push({ step: "instantiate", ...made });
  if (instance === undefined) return steps;
  steps.push({ step: "state", state: state(instance.exports, types) });
  for (const { name, args, results } of plan) {
    const f = instance.exports[name];
    let o = outcome(() => f(...args));
    if (results.length === 1 && results[0] === "funcref") o = funcref(o);
    steps.push({ step: `${name}(${args.map((a) => JSON.stringify(plain(a))).join(", ")})`, ...o });
    steps.push({ step: "state", state: state(instance.exports, types) });
  }
  return steps;
}

/** Settles `f` (sync or async) as `outcome` does. */
async function settled(f) {
  try {
    return { value: plain(await f()) };
  } catch (e) {
    return { threw: thrownKind(e) };
  }
}

/** Each own-API way of calling an export, results as an array. */
const WAYS = {
  callSync: (inst, name, args) => inst.callSync(name, ...args),
  call: (inst, name, args) => inst.call(name, ...args),
  callMany: (inst, name, args) => inst.callManySync(name, [args])[0],
};

/**
 * The same calls through runtime-wasm's own API (`way`: `callSync`, `call`
 * or `callMany`); results as the namespace gives them.
 */
async function runOwn(bytes, plan, way = "callSync") {
  const steps = [];
  let inst;
  const made = outcome(() => { inst = wasm.instantiateSync(wasm.compileSync(bytes)); });
  steps.push({ step: "instantiate", ...made });
  if (inst === undefined) return steps;
  const typed = (t, a) => (t === "externref" && a !== null ? wasm.types.externref(a) : a);
  for (const { name, args, params, results } of plan) {
    // The JS API runs no function whose type has a v128 (a TypeError
    // first): nor does this, so both instances stay in step.
    if ([...params, ...results].includes("v128")) {
      steps.push({ step: name, threw: "TypeError" });
      continue;
    }
    steps.push({ step: name, ...(await settled(async () => {
      const results = await WAYS[way](inst, name, args.map((a, i) => typed(params[i], a)));
      return results.length === 0 ? undefined : results.length === 1 ? results[0] : results;
    })) });
  }
  inst.dropSync();
  return steps;
}

/** The calls made on a module (each exported function with its argument lists), and its globals' types. */
function planFor(bytes, seed) {
  const next = prng(seed);
  const plan = [];
  const types = {};
  // The types come from runtime-wasm's reading of the module.
  const id = wasm.compileSync(bytes);
  const info = wasm.moduleInfo(id);
  wasm.dropModule(id);
  for (const e of info.exports) {
    if (e.kind === "global") types[e.name] = e.type;
    if (e.kind !== "func") continue;
    for (const args of argLists(e.params, next)) plan.push({ name: e.name, args, params: e.params, results: e.results });
  }
  return { plan, types };
}

/** Compares two runs step by step; the first difference, unless a rule covers it. */
export function compare(a, b, labels) {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [x, y] = [a[i], b[i]];
    if (x.threw === "RangeError" || y.threw === "RangeError") return null; // stack depth
    const sx = JSON.stringify(x), sy = JSON.stringify(y);
    if (sx !== sy) return { step: i, [labels[0]]: x, [labels[1]]: y };
  }
  return a.length === b.length ? null : { step: Math.min(a.length, b.length), lengths: [a.length, b.length] };
}

/** Runs module `bytes` (of `seed`) on every side; the differences found. */
export async function check(bytes, seed) {
  const found = [];
  const valid = [Native.validate(bytes), Ours.validate(bytes)];
  if (valid[0] !== valid[1]) return [{ what: "validate", native: valid[0], ours: valid[1] }];
  if (!valid[0]) return [];
  const { plan, types } = planFor(bytes, seed);
  const native = runOn(Native, bytes, plan, types);
  const ours = runOn(Ours, bytes, plan, types);
  const d = compare(native, ours, ["native", "namespace"]);
  if (d) found.push({ what: "namespace vs Node's WebAssembly", ...d });
  // The own API's calls against the namespace's (the state steps aside;
  // functions with a v128 or a funcref in their type aside: see RULES).
  const calls = ours.filter((s) => s.step !== "state");
  const skip = new Set(plan.flatMap((p, i) => ([...p.params, ...p.results].some((t) => t === "v128" || t === "funcref") ? [i + 1] : [])));
  const simplify = (steps) => steps.filter((_, i) => !skip.has(i)).map(({ step, ...rest }) => ({ step: step.split("(")[0], ...rest, ...(rest.threw ? { threw: "error" } : {}) }));
  for (const way of Object.keys(WAYS)) {
    const own = await runOwn(bytes, plan, way);
    const d2 = compare(simplify(calls), simplify(own), ["namespace", way]);
    if (d2) found.push({ what: `${way} vs the namespace`, ...d2 });
  }
  return found;
}

/** Generates modules for seeds `first`.. (`count` of them) into a new directory. */
export function generate(first, count) {
  const dir = mkdtempSync(join(tmpdir(), "wasm-gen-"));
  const target = process.env.CARGO_TARGET_DIR ?? join(root, "target");
  const built = spawnSync("cargo", ["build", "-q", "-p", "runtime-wasm-fuzz"], { cwd: root, stdio: "inherit" });
  if (built.status !== 0) throw new Error("cannot build the generator (cargo build -p runtime-wasm-fuzz)");
  const r = spawnSync(join(target, "debug", "wasm-gen"), [String(first), String(count), dir], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`wasm-gen failed: ${r.stderr}`);
  return dir;
}

async function main(argv) {
  const opt = (name, d) => { const i = argv.indexOf(`--${name}`); return i < 0 ? d : argv[i + 1]; };
  const replay = opt("replay");
  if (replay !== undefined) {
    const found = await check(readFileSync(replay), Number(opt("seed", 0)));
    console.log(found.length ? JSON.stringify(found, null, 2) : "no difference");
    return found.length ? 1 : 0;
  }
  const seconds = Number(opt("seconds", 60));
  let seed = Number(opt("seed", Date.now() % 1_000_000));
  const limit = opt("count") === undefined ? Infinity : Number(opt("count"));
  const out = opt("out", join(root, "fuzz-out"));
  const end = performance.now() + seconds * 1000;
  const totals = { modules: 0, calls: 0, differences: 0 };
  const first = seed;
  while (performance.now() < end && totals.modules < limit) {
    const batch = Math.min(50, limit - totals.modules);
    const dir = generate(seed, batch);
    for (const file of readdirSync(dir)) {
      const s = Number(file.replace(".wasm", ""));
      const bytes = readFileSync(join(dir, file));
      totals.modules++;
      let found;
      try {
        found = await check(bytes, s);
      } catch (e) {
        found = [{ what: "the runner threw", message: String(e?.stack ?? e) }];
      }
      totals.calls += planFor(bytes, s).plan.length;
      if (found.length) {
        totals.differences++;
        mkdirSync(out, { recursive: true });
        writeFileSync(join(out, `${s}.wasm`), bytes);
        writeFileSync(join(out, `${s}.json`), JSON.stringify({ seed: s, replay: `node scripts/fuzz.mjs --replay fuzz-out/${s}.wasm --seed ${s}`, found }, null, 2));
        console.log(`seed ${s}: ${found.map((f) => f.what).join("; ")} (fuzz-out/${s}.json)`);
      }
      if (performance.now() >= end) break;
    }
    rmSync(dir, { recursive: true, force: true });
    seed += batch;
  }
  console.log(`seeds ${first}..${seed - 1}: ${totals.modules} modules, ${totals.calls} calls, ${totals.differences} with differences (rules: ${RULES.join(", ")})`);
  return totals.differences ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
