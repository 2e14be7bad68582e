// Differential: the WASI preview 2 command (fixtures/components/command) run
// by runtime-wasm, by wasmtime-py (PyPI `wasmtime`, installed by
// scripts/install-test-tools.mjs) and as `jco run` runs it (jco's transpiled
// output with preview2-shim on V8, transpiled here): stdout, stderr, the
// written file and the exit code are equal. preview2-shim has no read-only
// preopens, so a refused write is compared with wasmtime-py alone.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as wasm from "../lib/index.js";
import { transpile } from "./reference/transpile.mjs";
import { fixturePath, tempDir } from "./support.mjs";

const file = fixturePath("components/command/command.wasm");
const root = fileURLToPath(new URL("..", import.meta.url));
const pyPath = join(root, "node_modules", ".cache", "wasmtime-py");
const pyRunner = fileURLToPath(new URL("reference/wasmtime_run.py", import.meta.url));
const jcoRunner = fileURLToPath(new URL("reference/jco_run.mjs", import.meta.url));
const command = wasm.compileFileSync(file);
const text = (bytes) => (bytes ? new TextDecoder().decode(bytes) : "");

/** Whether wasmtime-py imports, or why not. */
function wasmtimePy() {
  const r = spawnSync("python3", ["-c", "import wasmtime.component"], { env: { ...process.env, PYTHONPATH: pyPath }, encoding: "utf8" });
  return r.status === 0 ? {} : { why: `wasmtime-py is not installed (scripts/install-test-tools.mjs): ${r.error?.message ?? r.stderr}` };
}

/** Fresh /in (holding input.txt) and /out directories for one run. */
function dirs() {
  const base = tempDir("p2-ref");
  const [input, output] = [join(base, "in"), join(base, "out")];
  mkdirSync(input);
  mkdirSync(output);
  writeFileSync(join(input, "input.txt"), "line one\nlíne 🎉\n");
  return { input, output };
}

const ours = async (c, { input, output }) => {
  const inst = await wasm.instantiate(command, {
    args: c.args,
    env: c.env,
    stdin: c.stdin,
    preopens: { "/in": { path: input, readonly: true }, "/out": output },
    captureStdout: true,
    captureStderr: true,
  });
  const out = await inst.run();
  return { exitCode: out.exitCode, stdout: text(out.stdout), stderr: text(out.stderr) };
};

const viaWasmtimePy = (c, { input, output }) => {
  const spec = { wasm: file, args: c.args, env: c.env, stdin: c.stdin, preopens: [{ host: input, guest: "/in", readonly: true }, { host: output, guest: "/out" }] };
  const r = spawnSync("python3", [pyRunner, JSON.stringify(spec)], { env: { ...process.env, PYTHONPATH: pyPath }, encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
};

const viaJco = (module, c, { input, output }) => {
  const spec = { module, args: c.args, env: c.env, preopens: [{ host: input, guest: "/in" }, { host: output, guest: "/out" }] };
  const r = spawnSync(process.execPath, [jcoRunner, JSON.stringify(spec)], { input: c.stdin, encoding: "utf8", timeout: 120_000 });
  return { exitCode: r.status, stdout: r.stdout, stderr: r.stderr };
};

/** A run's outcome with what it wrote into /out. */
async function outcome(run, c) {
  const d = dirs();
  const out = await run(c, d);
  const written = join(d.output, "output.txt");
  return { ...out, written: existsSync(written) ? readFileSync(written, "utf8") : null };
}

const cases = [
  { args: ["command", "report", "/in/input.txt", "/out/output.txt"], env: { B: "2", A: "1", EMPTY: "" }, stdin: "from stdin" },
  { args: ["command", "report", "/in/input.txt", "/out/output.txt"], env: { EXIT_CODE: "3" }, stdin: "héllo 🎉\n\0x" },
  { args: ["command", "report", "/in/missing.txt", "/out/output.txt"], env: {}, stdin: "" },
  { args: ["command", "report", "/in/input.txt", "/out/sub/output.txt"], env: {}, stdin: "" },
  { args: ["command", "wait"], env: {}, stdin: "abc" },
  { args: ["command", "report", "a b", "ü"], env: { K: "v=w" }, stdin: "" },
];

test("a preview 2 command gives the same output, file and exit code on runtime-wasm, wasmtime-py and jco", async (t) => {
  const py = wasmtimePy();
  if (py.why) return t.skip(py.why);
  const jco = await transpile(file, "command");
  if (jco.why) return t.skip(jco.why);
  for (const c of cases) {
    const label = JSON.stringify(c);
    const mine = await outcome(ours, c);
    assert.deepEqual(mine, await outcome(viaWasmtimePy, c), `wasmtime-py: ${label}`);
    assert.deepEqual(mine, await outcome((x, d) => viaJco(jco.module, x, d), c), `jco: ${label}`);
  }
});

test("a write into a read-only preopen is refused as wasmtime-py refuses it", async (t) => {
  const py = wasmtimePy();
  if (py.why) return t.skip(py.why);
  const c = { args: ["command", "report", "/in/input.txt", "/in/output.txt"], env: {}, stdin: "" };
  const refused = async (run) => {
    const d = dirs();
    const out = await run(c, d);
    return { ...out, created: existsSync(join(d.input, "output.txt")) };
  };
  const mine = await refused(ours);
  assert.equal(mine.created, false);
  assert.match(mine.stderr, /^cannot write \/in\/output\.txt: /);
  assert.deepEqual(mine, await refused(viaWasmtimePy));
});
