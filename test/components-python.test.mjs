// A component built by componentize-py (fixtures/components/python: CPython
// and app.py in one component importing WASI preview 2 and an interface of
// ours): values in jco's shapes both ways, a resource, a returned error,
// host imports sync and async, and the limits holding on a real guest.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as wasm from "../lib/index.js";
import { encode, stories } from "./reference/stories.mjs";
import { transpile } from "./reference/transpile.mjs";
import { fixturePath, expectCode, tempDir } from "./support.mjs";

const { ErrorCode: E, WasmError, ComponentError } = wasm;
const code = (fn, c) => expectCode(fn, c, WasmError);
const file = fixturePath("components/python/app.wasm");
const app = await wasm.compileFile(file);

/** An instance whose `host.log` collects into `logs` (after a Promise when `later`). */
async function instance(extra = {}, later = false) {
  const logs = [];
  const log = later ? async (m) => { await new Promise((r) => setImmediate(r)); logs.push(m); } : (m) => void logs.push(m);
  const inst = await wasm.instantiate(app, { imports: { "test:py/host": { log } }, ...extra });
  return { inst, logs };
}

test("the componentize-py component describes its world", () => {
  const info = wasm.moduleInfo(app);
  assert.equal(info.kind, "component");
  assert.match(info.wit, /^ {2}import test:py\/host@0\.1\.0;$/m);
  assert.match(info.wit, /^ {2}export test:py\/api@0\.1\.0;$/m);
  assert.match(info.wit, /^ {2}import wasi:cli\/environment@0\.2\.\d+;$/m);
});

test("a Python guest takes and gives records, variants, lists, tuples and results", async () => {
  const { inst, logs } = await instance();
  const api = inst.exports.api;
  assert.equal(api.greet({ name: "Ann", age: 42, tags: ["admin", "🎉"] }), "Hello, Ann (42; admin, 🎉)!");
  assert.equal(api.greet({ name: "", age: 255, tags: [] }), "Hello,  (255; no tags)!");
  assert.deepEqual(logs, ["greet Ann", "greet "]);
  assert.deepEqual(api.wordCount("b a b c a b"), [["a", 2], ["b", 3], ["c", 1]]);
  assert.deepEqual(api.wordCount(""), []);
  assert.equal(api.parseInt("-9223372036854775808"), -(2n ** 63n));
  assert.throws(() => api.parseInt("x"), (e) => e instanceof ComponentError && e.payload === "not an integer: 'x'");
  assert.equal(api.area({ tag: "circle", val: 2 }), 12);
  assert.equal(api.area({ tag: "rect", val: [2.5, -4] }), -10);
  // The same through call, by the function's full name: an array of results.
  assert.deepEqual(await inst.call("test:py/api@0.1.0#word-count", "x"), [[["x", 1]]]);
  // Conversions are checked before Python sees anything.
  const err = await code(() => inst.call("test:py/api@0.1.0#greet", { name: "A", age: 256, tags: [] }), E.TypeError);
  assert.match(err.message, /age/);
  await code(() => inst.call("test:py/api@0.1.0#area", { tag: "square", val: 1 }), E.TypeError);
});

test("a Python resource: constructor, methods, a static function, dispose", async () => {
  const { inst } = await instance();
  const { Stack } = inst.exports.api;
  const s = new Stack([1, 2]);
  s.push(-3);
  assert.equal(s.len(), 3);
  assert.equal(s.pop(), -3);
  const r = Stack.fromRange(4);
  assert.equal(r.len(), 4);
  assert.equal(r.pop(), 3);
  const empty = new Stack([]);
  assert.equal(empty.pop(), undefined);
  s[Symbol.dispose]();
  await code(() => s.len(), E.TypeError);
  assert.equal(r.len(), 3, "disposing one leaves the others");
});

test("a Python guest awaits an async host import holding no thread", async () => {
  const { inst, logs } = await instance({}, true);
  const [greeting] = await inst.call("test:py/api@0.1.0#greet", { name: "Bo", age: 1, tags: [] });
  assert.equal(greeting, "Hello, Bo (1; no tags)!");
  assert.deepEqual(logs, ["greet Bo"]);
});

test("limits hold on a Python guest: memory cap at instantiation, fuel mid-call", async () => {
  const err = await code(() => instance({ maxMemoryBytes: 1 << 20 }), E.LimitExceeded);
  assert.match(err.message, /maxMemoryBytes/);
  const { inst } = await instance({ fuel: 2_000_000 });
  assert.equal(inst.exports.api.greet({ name: "Ann", age: 1, tags: [] }), "Hello, Ann (1; no tags)!");
  await code(() => inst.call("test:py/api@0.1.0#word-count", "a b ".repeat(1000)), E.FuelExhausted);
  // A trap ends a component instance.
  await code(() => inst.call("test:py/api@0.1.0#word-count", "a"), E.CallError);
});

/**
 * A Node whose V8 compiles CPython's core modules (extended constant
 * expressions: Node 22 and later): the running one, else the test matrix's
 * (scripts/install-test-tools.mjs); null when there is none.
 */
function newerNode() {
  if (Number(process.versions.node.split(".")[0]) >= 22) return process.execPath;
  const matrix = (v) => fileURLToPath(new URL(`../node_modules/.cache/node-matrix/node_modules/node${v}/bin/node`, import.meta.url));
  return [26, 24, 22].map(matrix).find(existsSync) ?? null;
}

test("the Python guest gives the same values through runtime-wasm as through jco on V8", async (t) => {
  const node = newerNode();
  if (!node) return t.skip("no Node 22 or later (scripts/install-test-tools.mjs installs them): Node 20's V8 cannot compile CPython's code");
  const host = join(tempDir("jco-python-host"), "host.js");
  writeFileSync(host, "export const logs = [];\nexport function log(m) { logs.push(m); }\n");
  const jco = await transpile(file, "app", { map: { "test:py/host": pathToFileURL(host).href }, noComponentErrorWrapping: false });
  if (jco.why) return t.skip(jco.why);
  const spec = { module: jco.module, host: pathToFileURL(host).href, script: "python" };
  const runner = fileURLToPath(new URL("reference/jco_calls.mjs", import.meta.url));
  const r = spawnSync(node, [runner, JSON.stringify(spec)], { encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const { inst, logs } = await instance();
  const ours = encode(stories.python(inst.exports, logs));
  assert.deepEqual(ours, JSON.parse(r.stdout));
});
