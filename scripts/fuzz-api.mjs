// Hostile API input: generated arguments and configs — wrong types, getters
// and Proxies that throw, prototype pollution, huge and negative numbers,
// detached buffers — fed to runtime-wasm's API and its WebAssembly
// namespace. Each case must end in a value or a documented failure (a
// WasmError with a code 5000–5013; in the namespace a TypeError,
// RangeError, LinkError, CompileError or RuntimeError), and a sentinel
// instance must stay healthy after it. Cases run in child processes, so a
// crash is a finding, not the end of the run.
//
//   node scripts/fuzz-api.mjs [--cases N] [--seed S]
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { prng } from "./fuzz.mjs";

const self = fileURLToPath(import.meta.url);

/** An error a hostile object throws: passing it through unchanged is fine too. */
class Hostile extends Error {}

function detached() {
  const b = new ArrayBuffer(8);
  structuredClone(b, { transfer: [b] });
  return b;
}

/** A Uint8Array whose buffer was detached after it was made. */
function detachedView() {
  const view = new Uint8Array(8);
  structuredClone(view.buffer, { transfer: [view.buffer] });
  return view;
}

/** Hostile values, made fresh for each use. */
const VALUES = [
  () => undefined, () => null, () => true, () => 0, () => -0, () => -1, () => 1.5, () => NaN,
  () => Infinity, () => -Infinity, () => 2 ** 53, () => 2 ** 64, () => -(2 ** 31), () => 1e308,
  () => "", () => "x", () => "../../etc/passwd", () => "\0", () => "a".repeat(100_000),
  () => 10n, () => -1n, () => 2n ** 64n, () => Symbol("s"),
  () => ({}), () => [], () => [1, 2], () => Object.create(null), () => () => 1,
  () => new Proxy({}, { get() { throw new Hostile("get"); }, ownKeys() { throw new Hostile("ownKeys"); }, getOwnPropertyDescriptor() { throw new Hostile("gOPD"); }, has() { throw new Hostile("has"); } }),
  () => ({ get value() { throw new Hostile("getter"); }, valueOf() { throw new Hostile("valueOf"); }, toString() { throw new Hostile("toString"); } }),
  () => detached(), () => detachedView(), () => new ArrayBuffer(0), () => new Uint8Array(4),
  () => Object.freeze({ a: 1 }), () => new Array(1_000_000),
];

const CONFIG_KEYS = ["fuel", "timeoutMs", "maxMemoryBytes", "maxTableElements", "maxOpenFiles", "maxValueBytes", "preopens", "env", "args", "stdin", "inheritStdin", "captureStdout", "captureLimit", "imports", "wasi", "__proto__", "constructor"];
const RUNTIME_KEYS = ["cacheDir", "compiler", "maxInstances", "maxModuleBytes", "pool", "policy", "allowPrecompiled", "maxMemoryBytes"];

/** A config object of `keys`, each given a hostile value, or the value itself. */
function config(next, keys) {
  const v = () => VALUES[next() % VALUES.length]();
  if (next() % 4 === 0) return v();
  const out = {};
  const n = 1 + (next() % 3);
  for (let i = 0; i < n; i++) {
    const key = keys[next() % keys.length];
    if (next() % 5 === 0) Object.defineProperty(out, key, { get() { throw new Hostile("config getter"); }, enumerable: true, configurable: true });
    else Object.defineProperty(out, key, { value: v(), enumerable: true, configurable: true, writable: true });
  }
  return out;
}

/** The operations a case may run, each taking the PRNG and the fixtures. */
const OPS = [
  ["new Runtime", async (next, f) => new f.wasm.Runtime(config(next, RUNTIME_KEYS))],
  ["compile", async (next, f) => f.wasm.compile(VALUES[next() % VALUES.length]())],
  ["compileSync", async (next, f) => f.wasm.compileSync(VALUES[next() % VALUES.length]())],
  ["instantiate", async (next, f) => f.wasm.instantiate(f.id, config(next, CONFIG_KEYS))],
  ["instantiateSync", async (next, f) => f.wasm.instantiateSync(f.id, config(next, CONFIG_KEYS))],
  ["callSync", async (next, f) => f.inst.callSync(next() % 2 ? "add" : VALUES[next() % VALUES.length](), VALUES[next() % VALUES.length](), VALUES[next() % VALUES.length]())],
  ["call", async (next, f) => f.inst.call("add", VALUES[next() % VALUES.length](), VALUES[next() % VALUES.length]())],
  ["callMany", async (next, f) => f.inst.callManySync("add", VALUES[next() % VALUES.length]())],
  ["memory.read", async (next, f) => f.inst.memory.readSync(VALUES[next() % VALUES.length](), VALUES[next() % VALUES.length]())],
  ["memory.write", async (next, f) => f.inst.memory.writeSync(VALUES[next() % VALUES.length](), VALUES[next() % VALUES.length]())],
  ["memory.grow", async (next, f) => f.inst.memory.growSync(VALUES[next() % VALUES.length]())],
  ["setGlobal", async (next, f) => f.inst.setGlobalSync(next() % 2 ? "g" : VALUES[next() % VALUES.length](), VALUES[next() % VALUES.length]())],
  ["new WebAssembly.Memory", async (next, f) => new f.W.Memory(config(next, ["initial", "maximum", "shared", "address"]))],
  ["new WebAssembly.Table", async (next, f) => new f.W.Table(config(next, ["element", "initial", "maximum", "address"]), VALUES[next() % VALUES.length]())],
  ["new WebAssembly.Global", async (next, f) => new f.W.Global(config(next, ["value", "mutable"]), VALUES[next() % VALUES.length]())],
  ["new WebAssembly.Instance", async (next, f) => new f.W.Instance(f.module, { env: config(next, ["log", "memory", "g"]) })],
  ["WebAssembly.instantiate", async (next, f) => f.W.instantiate(VALUES[next() % VALUES.length](), config(next, ["env"]))],
  ["new WebAssembly.Exception", async (next, f) => new f.W.Exception(next() % 2 ? f.tag : VALUES[next() % VALUES.length](), VALUES[next() % VALUES.length]())],
  ["WebAssembly.configure", async (next, f) => f.W.configure(config(next, ["fuel", "timeoutMs", "maxMemoryBytes", "maxTableElements"]))],
];

const NAMESPACE_ERRORS = new Set(["TypeError", "RangeError", "LinkError", "CompileError", "RuntimeError"]);

/** Child: runs cases `first`..`first+count-1`, one JSON line each. */
async function child(first, count) {
  const wasm = await import("../lib/index.js");
  const { WebAssembly: W } = await import("../lib/webassembly/index.js");
  const bytes = wasm.wat2wasm(`(module (import "env" "log" (func (param i32))) (memory (export "memory") 1 2)
    (global (export "g") (mut i32) (i32.const 0))
    (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))`);
  const id = wasm.compileSync(bytes);
  const f = {
    wasm, W, id, module: new W.Module(bytes), tag: new W.Tag({ parameters: ["i32"] }),
    inst: wasm.instantiateSync(id, { imports: { env: { log() {} } } }),
  };
  const sentinel = wasm.instantiateSync(id, { imports: { env: { log() {} } } });
  for (let c = first; c < first + count; c++) {
    const next = prng(c * 7919 + 1);
    const [name, op] = OPS[next() % OPS.length];
    let outcome;
    try {
      await op(next, f);
      outcome = "value";
    } catch (e) {
      outcome = e instanceof wasm.WasmError ? (e.code >= 5000 && e.code <= 5013 ? "documented" : `WasmError ${e.code}`)
        : e instanceof Hostile ? "documented" // the hostile object's own error, unchanged
          : name.includes("WebAssembly") && NAMESPACE_ERRORS.has(e?.constructor?.name) ? "documented"
            : `${e?.constructor?.name ?? typeof e}: ${String(e?.message ?? e).slice(0, 200)}`;
    }
    for (const k of Object.keys(Object.prototype)) delete Object.prototype[k];
    const healthy = sentinel.callSync("add", 2, 3)[0] === 5;
    process.stdout.write(JSON.stringify({ c, name, outcome, healthy }) + "\n");
  }
}

/** Runs cases in children, `batch` per child; a child that dies is a finding. */
export function run(first, count, batch = 100) {
  const findings = [];
  let done = 0;
  for (let at = first; at < first + count; at += batch) {
    const n = Math.min(batch, first + count - at);
    const r = spawnSync(process.execPath, [self, "--child", String(at), String(n)], { encoding: "utf8", timeout: 300_000 });
    const lines = r.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
    done += lines.length;
    for (const l of lines) {
      if (l.outcome !== "value" && l.outcome !== "documented") findings.push({ case: l.c, op: l.name, outcome: l.outcome });
      if (!l.healthy) findings.push({ case: l.c, op: l.name, outcome: "the sentinel instance stopped working" });
    }
    if (r.status !== 0 || lines.length !== n) {
      const crashed = at + lines.length;
      findings.push({ case: crashed, outcome: `the child died (status ${r.status}, signal ${r.signal}): ${r.stderr.slice(-400)}` });
    }
  }
  return { cases: done, findings };
}

if (process.argv[2] === "--child") await child(Number(process.argv[3]), Number(process.argv[4]));
else if (process.argv[1] === self) {
  const opt = (name, d) => { const i = process.argv.indexOf(`--${name}`); return i < 0 ? d : Number(process.argv[i + 1]); };
  const { cases, findings } = run(opt("seed", 1), opt("cases", 1000));
  for (const f of findings) console.log(JSON.stringify(f));
  console.log(`${cases} cases, ${findings.length} findings (replay one: node scripts/fuzz-api.mjs --child CASE 1)`);
  process.exitCode = findings.length ? 1 : 0;
}
