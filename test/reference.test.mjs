// The `runtime:wasm` reference (../shared/reference/ext_wasm.md) runs as
// written: every ```typescript / ```js block is taken from the document and
// run in a fresh process through `--import runtime-wasm/register`, with only
// `Deno.readFile` mapped to `fs.promises.readFile` and the free names a block
// assumes (`wasmBytes`, `moduleId`, `instance`, ...) bound to
// fixtures/reference.wat. The block's own comments are the expected values.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { wat2wasm } from "../lib/index.js";
import { fixtureText, tempDir } from "./support.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const referencePath = fileURLToPath(new URL("../../shared/reference/ext_wasm.md", import.meta.url));

/** The runnable code blocks of the reference, each with the heading it stands under. */
function blocks() {
  const text = readFileSync(referencePath, "utf8");
  const out = [];
  const fence = /^```(typescript|ts|javascript|js)\n([\s\S]*?)^```/gm;
  for (let m; (m = fence.exec(text)); ) {
    const before = text.slice(0, m.index).split("\n").filter((l) => /^#{1,6} /.test(l));
    out.push({ heading: before.at(-1).replace(/^#+ /, ""), code: m[2] });
  }
  return out;
}

/** The block's snippets, split at its `// ❌` / `// ✅` lines (each marks an example of its own). */
function snippets(code) {
  const parts = [];
  for (const line of code.split("\n")) {
    if (/^\s*\/\/ (❌|✅)/.test(line) || parts.length === 0) parts.push([]);
    parts.at(-1).push(line);
  }
  return parts.map((lines) => lines.join("\n")).filter((s) => s.trim() !== "");
}

const RUNNER = `
import { readFile } from "node:fs/promises";
globalThis.Deno = { readFile: (path) => readFile(path) };
const record = { logs: [], errors: [], vars: undefined, failure: undefined };
globalThis.__reference = record;
console.log = (...args) => record.logs.push(args);
console.error = (...args) => record.errors.push(args);
try {
  await import(process.argv[2]);
} catch (e) {
  record.failure = e;
}
const plain = (_key, v) =>
  typeof v === "bigint" ? { bigint: String(v) }
  : v instanceof Error ? { error: v.name, code: v.code, message: v.message }
  : ArrayBuffer.isView(v) ? { bytes: Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) }
  : v;
process.stdout.write("\\n@@reference@@" + JSON.stringify(record, plain) + "\\n");
`;

/** Lines that bind the free names a block assumes, before its code. */
function preamble(needs) {
  const lines = [`import * as __rw from "runtime:wasm";`];
  const load = `await __rw.compile(await Deno.readFile("module.wasm"))`;
  if (needs.includes("wasmBytes")) lines.push(`const wasmBytes = await Deno.readFile("module.wasm");`);
  if (needs.includes("moduleId")) lines.push(`const moduleId = ${load};`);
  if (needs.includes("instance")) {
    lines.push(`const instance = await __rw.instantiate(${needs.includes("moduleId") ? "moduleId" : load});`);
  }
  if (needs.includes("invalidBytes")) lines.push(`const invalidBytes = new Uint8Array([0, 97, 115, 109, 2, 0, 0, 0]);`);
  if (needs.includes("pagesNeeded")) lines.push(`const pagesNeeded = 4;`);
  if (needs.includes("process")) lines.push(`let __processed = 0; const process = (byte) => { __processed += 1; };`);
  const api = needs.filter((n) => ["compile", "instantiate", "dropModule", "types"].includes(n));
  if (api.length > 0) lines.push(`const { ${api.join(", ")} } = __rw;`);
  return lines.join("\n");
}

let workDir;
/** A directory holding module.wasm and the host directories the blocks preopen. */
function work() {
  if (workDir) return workDir;
  workDir = tempDir("reference");
  writeFileSync(join(workDir, "module.wasm"), wat2wasm(fixtureText("reference.wat")));
  for (const d of ["app-data", "config", "temp-storage"]) mkdirSync(join(workDir, d));
  writeFileSync(join(workDir, "runner.mjs"), RUNNER);
  return workDir;
}

let counter = 0;
/** Runs `code` (with the bindings for `needs` and an optional epilogue) in a fresh process. */
function run(code, needs = [], epilogue = "") {
  const dir = work();
  const file = join(dir, `block-${++counter}.mjs`);
  writeFileSync(file, `${preamble(needs)}\n${code}\n${epilogue}\n`);
  const r = spawnSync(process.execPath, ["--import", join(root, "lib", "register.js"), "runner.mjs", file], {
    cwd: dir,
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `the runner itself failed:\n${r.stderr}`);
  const at = r.stdout.lastIndexOf("\n@@reference@@");
  assert.ok(at >= 0, `no record in the output:\n${r.stdout}\n${r.stderr}`);
  const record = JSON.parse(r.stdout.slice(at + "\n@@reference@@".length));
  return { ...record, stdout: r.stdout.slice(0, at), code };
}

function ok(result) {
  assert.equal(result.failure, undefined, `the block failed: ${JSON.stringify(result.failure)}\n${result.code}`);
  return result;
}

function fails(result, code) {
  assert.ok(result.failure, `expected error ${code}, but the block ran:\n${result.code}`);
  assert.equal(result.failure.code, code, JSON.stringify(result.failure));
}

const big = (n) => ({ bigint: String(n) });
const functions = ["add", "multiply", "add_i64", "compute", "process_i64", "process", "process_data", "process_string", "main"];

/** What each block must do, by its heading; a block without an entry fails the test. */
const expectations = {
  "Basic Module Compilation and Execution": (code) => {
    const r = ok(run(code));
    assert.deepEqual(r.logs, [["10 + 32 =", 42]]);
  },
  "WASI Configuration": (code) => {
    const r = ok(run(code, ["wasmBytes"]));
    // The guest prints its preopens in fd order, then its environment: both in the order given.
    assert.deepEqual(r.stdout.trim().split("\n"), ["/data", "/config", "DATABASE_URL=sqlite:///data/app.db", "LOG_LEVEL=debug"]);
  },
  "Linear Memory Access": (code) => {
    const r = ok(run(code, ["moduleId"]));
    assert.equal(r.logs[0][0], "Result:");
    assert.equal(r.logs[0][1], "HELLO, WASM!" + "\0".repeat(256 - 12));
    assert.deepEqual(r.logs.slice(1), [["Memory: 1 pages (64KB)"], ["Grew memory from 1 to 16 pages"]]);
  },
  "Multiple Instances": (code) => {
    const r = ok(run(code, ["wasmBytes"], `globalThis.__reference.vars = { live: instances.map((i) => i.id).length };`));
    assert.deepEqual(r.vars, { live: 3 });
  },
  "Explicit Type Control": (code) => {
    const r = ok(run(code, ["instance"], `globalThis.__reference.vars = { result, largeResult, precise };`));
    assert.deepEqual(r.vars, { result: 42, largeResult: big(9007199254740992n), precise: 3.141592653589793 * Math.fround(2.71828) });
  },
  "Export Introspection": (code) => {
    const r = ok(run(code, ["moduleId", "instantiate"], `globalThis.__reference.vars = { hasProcess };`));
    assert.equal(r.logs[0][0], "Available exports:");
    assert.deepEqual(r.logs[0][1].map((e) => e.name), ["memory", ...functions]);
    assert.deepEqual(r.logs[1], ["Functions:", functions]);
    assert.deepEqual(r.logs[2], ["Memory export:", "memory"]);
    assert.deepEqual(r.vars, { hasProcess: true });
  },
  "Error Handling Patterns": (code) => {
    const r = ok(run(code, ["invalidBytes", "moduleId", "instance"]));
    const seen = r.errors.map(([label, e]) => [label, e.code]);
    assert.deepEqual(seen.slice(0, 4), [
      ["Compilation failed:", 5000], // Error 5000: Invalid WASM bytecode
      ["Instantiation failed:", 5004], // Error 5004: Invalid module handle
      ["Call failed:", 5003], // Error 5003: Export not found
      ["Memory access failed:", 5006], // Error 5006: Out of bounds
    ]);
    assert.equal(seen[4][0], "WASI configuration failed:");
    assert.ok([5009, 5010].includes(seen[4][1]), `Error 5009 or 5010, got ${seen[4][1]}`);
    assert.equal(seen.length, 5);
  },
  "Optimization Tips": (code) => {
    const r = ok(run(code, ["wasmBytes", "instance", "compile", "instantiate", "process"], `globalThis.__reference.vars = { processed: __processed, instances: instances.length };`));
    assert.deepEqual(r.vars, { processed: 2000, instances: 10 });
  },
  "1. Not Dropping Instances Before Module": (code) => {
    const [wrong, right] = snippets(code);
    // ❌ ERROR: dropping the module dropped its instances, so the instance is already invalid.
    fails(run(wrong, ["moduleId", "instance", "dropModule"]), 5005);
    ok(run(right, ["moduleId", "instance", "dropModule"]));
  },
  "2. Incorrect Type Conversion": (code) => {
    // As written the block declares `const [result]` twice, which JavaScript refuses;
    // its two examples are meant as alternatives and run one at a time below.
    const whole = run(code, ["instance", "types"]);
    assert.equal(whole.failure?.error, "SyntaxError");
    assert.match(whole.failure.message, /already been declared/);
    const [wrong, right] = snippets(code);
    // ❌ precision loss: the sandbox refuses a number that is not a safe integer rather than round it (5007).
    fails(run(wrong, ["instance", "types"]), 5007);
    const r = ok(run(right, ["instance", "types"], `globalThis.__reference.vars = { result };`));
    assert.deepEqual(r.vars, { result: big(9007199254740992n) });
  },
  "3. Memory Growth Assumptions": (code) => {
    const [wrong, right] = snippets(code);
    // ❌ grow(1000) exceeds the module's maximum (200 pages) and fails: 5006.
    fails(run(wrong, ["instance"]), 5006);
    const r = ok(run(right, ["instance", "pagesNeeded"]));
    assert.deepEqual(r.logs, [["Grew from 1 pages"]]);
    assert.deepEqual(r.errors, []);
  },
  "4. Preopen Path Security": (code) => {
    const [wrong, right] = snippets(code);
    // ❌ DANGEROUS: root access is refused by the policy (5009).
    fails(run(wrong, ["moduleId", "instantiate"]), 5009);
    ok(run(right, ["moduleId", "instantiate"]));
  },
};

test("the reference is beside the design", () => {
  assert.ok(existsSync(referencePath), `missing ${referencePath}`);
});

for (const block of existsSync(referencePath) ? blocks() : []) {
  test(`reference: ${block.heading}`, () => {
    const check = expectations[block.heading];
    assert.ok(check, `no expectation for the block under "${block.heading}": every block must run`);
    check(block.code);
  });
}

test("every expectation matches a block of the reference", () => {
  const headings = new Set(blocks().map((b) => b.heading));
  for (const h of Object.keys(expectations)) assert.ok(headings.has(h), `no block under "${h}"`);
});
