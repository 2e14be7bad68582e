// Runs the WebAssembly JS API's own tests (the `test/js-api` directory of a
// snapshot of github.com/WebAssembly/spec, not part of this repository)
// against runtime-wasm/webassembly, each file in its own process, with a
// small testharness.js stand-in; prints passed / failed per file and totals.
//
//   node scripts/js-api.mjs <path to spec/test/js-api> [--list-failures]
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import { count, runChild } from "./child-run.mjs";

const self = fileURLToPath(import.meta.url);

if (process.argv[2] === "--file") await runFile(process.argv[3], process.argv[4]);
else main(process.argv.slice(2));

function main(args) {
  const root = args.find((a) => !a.startsWith("--"));
  if (!root) {
    console.error("usage: node scripts/js-api.mjs <path to spec/test/js-api> [--list-failures]");
    process.exit(2);
  }
  const listFailures = args.includes("--list-failures");
  const files = walk(root).filter((f) => f.endsWith(".any.js")).sort();
  const totals = { passed: 0, failed: 0, files: 0, crashed: 0 };
  for (const file of files) {
    const name = relative(root, file);
    const run = runChild(["--expose-gc", self, "--file", root, file], 120_000);
    count(totals, name, run, listFailures, (f) => `${f.name}: ${f.message}`);
  }
  console.log(`\ntotal: ${totals.passed} passed, ${totals.failed} failed, in ${totals.files} files` +
    (totals.crashed ? `; ${totals.crashed} file(s) did not finish` : ""));
}

function walk(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** One test file: its META scripts, then the file, then its promise tests in order. */
async function runFile(root, file) {
  const { install } = await import("../lib/webassembly/index.js");
  install();
  const results = { passed: 0, failures: [] };
  const pending = [];
  const record = (name, error) => {
    if (error === undefined) results.passed++;
    else results.failures.push({ name, message: String(error?.message ?? error).split("\n")[0].slice(0, 300) });
  };
  const makeT = () => {
    const cleanups = [];
    const t = {
      step: (f, ...a) => f.apply(t, a),
      step_func: (f) => (...a) => f.apply(t, a),
      step_func_done: (f) => (...a) => f?.apply(t, a),
      unreached_func: (msg) => () => { throw new Error(`unreached: ${msg}`); },
      add_cleanup: (f) => cleanups.push(f),
      done() {},
    };
    return { t, cleanup: () => cleanups.forEach((f) => f()) };
  };
  Object.assign(globalThis, harness(), {
    test(fn, name) {
      const { t, cleanup } = makeT();
      try {
        fn(t);
        record(name);
      } catch (e) {
        record(name, e);
      } finally {
        cleanup();
      }
    },
    promise_test(fn, name) {
      pending.push([fn, name]);
    },
    setup(f) {
      if (typeof f === "function") f();
    },
    done() {},
    self: globalThis,
  });
  const source = readFileSync(file, "utf8");
  for (const [, script] of source.matchAll(/^\/\/ META: script=(.+)$/gm)) {
    const path = script.startsWith("/wasm/jsapi/") ? join(root, script.slice("/wasm/jsapi/".length)) : join(file, "..", script);
    vm.runInThisContext(readFileSync(path, "utf8"), { filename: path });
  }
  try {
    vm.runInThisContext(source, { filename: file });
  } catch (e) {
    record("(file)", e);
  }
  for (const [fn, name] of pending) {
    const { t, cleanup } = makeT();
    try {
      await fn(t);
      record(name);
    } catch (e) {
      record(name, e);
    } finally {
      cleanup();
    }
  }
  console.log(JSON.stringify(results));
  process.exit(0);
}

/** The assertions of testharness.js that the suite uses, with the same meaning. */
function harness() {
  const fail = (msg, desc) => { throw new Error(desc ? `${desc}: ${msg}` : msg); };
  const same = (a, b) => Object.is(a, b);
  const format_value = (v) => {
    try {
      return typeof v === "string" ? JSON.stringify(v) : typeof v === "bigint" ? `${v}n` : String(v);
    } catch {
      return Object.prototype.toString.call(v);
    }
  };
  const checkThrown = (ctor, e, desc) => {
    if (e === null || (typeof e !== "object" && typeof e !== "function")) fail(`threw ${format_value(e)}, not an object`, desc);
    if (e.constructor !== ctor) fail(`threw ${e.constructor?.name} (${e.message}), expected ${ctor.name}`, desc);
  };
  return {
    format_value,
    assert_equals: (a, b, desc) => same(a, b) || fail(`expected ${format_value(b)}, got ${format_value(a)}`, desc),
    assert_not_equals: (a, b, desc) => !same(a, b) || fail(`got the disallowed ${format_value(a)}`, desc),
    assert_true: (v, desc) => v === true || fail(`expected true, got ${format_value(v)}`, desc),
    assert_false: (v, desc) => v === false || fail(`expected false, got ${format_value(v)}`, desc),
    assert_array_equals(a, b, desc) {
      if (a?.length !== b.length) fail(`lengths differ: ${a?.length} vs ${b.length}`, desc);
      for (let i = 0; i < b.length; i++) if (!same(a[i], b[i])) fail(`index ${i}: ${format_value(a[i])} vs ${format_value(b[i])}`, desc);
    },
    assert_own_property: (o, p, desc) => Object.prototype.hasOwnProperty.call(o, p) || fail(`no own property ${String(p)}`, desc),
    assert_not_own_property: (o, p, desc) => !Object.prototype.hasOwnProperty.call(o, p) || fail(`unexpected own property ${String(p)}`, desc),
    assert_class_string: (o, s, desc) => Object.prototype.toString.call(o) === `[object ${s}]` || fail(`class string is ${Object.prototype.toString.call(o)}, expected ${s}`, desc),
    assert_unreached: (desc) => fail("reached unreachable code", desc),
    assert_throws_js(ctor, fn, desc) {
      try {
        fn();
      } catch (e) {
        return checkThrown(ctor, e, desc);
      }
      fail(`did not throw ${ctor.name}`, desc);
    },
    assert_throws_exactly(value, fn, desc) {
      try {
        fn();
      } catch (e) {
        if (!same(e, value)) fail(`threw ${format_value(e)}, expected ${format_value(value)}`, desc);
        return;
      }
      fail("did not throw", desc);
    },
    /** The old form: `assert_throws(new TypeError(), fn)`. */
    assert_throws(expected, fn, desc) {
      try {
        fn();
      } catch (e) {
        if (expected && typeof expected === "object") return checkThrown(expected.constructor, e, desc);
        return;
      }
      fail("did not throw", desc);
    },
    async promise_rejects_js(t, ctor, promise, desc) {
      try {
        await promise;
      } catch (e) {
        return checkThrown(ctor, e, desc);
      }
      fail(`did not reject with ${ctor.name}`, desc);
    },
    async promise_rejects(t, expected, promise, desc) {
      try {
        await promise;
      } catch (e) {
        if (expected && typeof expected === "object") return checkThrown(expected.constructor, e, desc);
        return;
      }
      fail("did not reject", desc);
    },
  };
}
