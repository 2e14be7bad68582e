// Starting a WASI preview 2 command, as a command-line user sees it: each
// case is a fresh process that loads the command component
// (fixtures/components/command, C through the preview 1 adapter), runs it
// once (args, env, stdin, a file read from one preopen and written into
// another) and exits. runtime-wasm's CLI with its compiled-code cache warm;
// wasmtime-py 51 (PyPI) with wasmtime's cache on; jco's transpiled output
// with preview2-shim on V8 (transpiled once, here: `jco run` transpiles on
// every run, so this is its lower bound). Whole-process wall times, median
// of 7, interleaved.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { transpile } from "../test/reference/transpile.mjs";
import { median, record } from "./support.mjs";

const file = fileURLToPath(new URL("../fixtures/components/command/command.wasm", import.meta.url));
const cli = fileURLToPath(new URL("../bin/runtime-wasm.js", import.meta.url));
const jcoRunner = fileURLToPath(new URL("../test/reference/jco_run.mjs", import.meta.url));
const pyRunner = fileURLToPath(new URL("../test/reference/wasmtime_run.py", import.meta.url));
const pyPath = fileURLToPath(new URL("../node_modules/.cache/wasmtime-py", import.meta.url));
const ROUNDS = 7;

const work = mkdtempSync(join(tmpdir(), "rw-bench-command-"));
const [input, output, cacheDir] = ["in", "out", "cache"].map((d) => join(work, d));
for (const d of [input, output, cacheDir]) mkdirSync(d);
writeFileSync(join(input, "input.txt"), "some text to copy\n");
const args = ["command", "report", "/in/input.txt", "/out/output.txt"];
const env = { GREETING: "hello" };
const stdin = "from stdin\n";

const cases = {
  "runtime-wasm run (cache warm)": () =>
    spawnSync(process.execPath, [cli, "run", "--cache-dir", cacheDir, "--ro-dir", `${input}::/in`, "--dir", `${output}::/out`, "--env", "GREETING=hello", file, ...args.slice(1)], { input: stdin, encoding: "utf8" }),
};

const py = spawnSync("python3", ["-c", "import wasmtime.component"], { env: { ...process.env, PYTHONPATH: pyPath } });
if (py.status === 0) {
  const spec = JSON.stringify({ wasm: file, args, env, stdin, cache: true, preopens: [{ host: input, guest: "/in", readonly: true }, { host: output, guest: "/out" }] });
  cases["wasmtime-py (cache on)"] = () => spawnSync("python3", [pyRunner, spec], { env: { ...process.env, PYTHONPATH: pyPath }, encoding: "utf8" });
} else {
  console.log("wasi-command: wasmtime-py is not installed (scripts/install-test-tools.mjs); its case is left out");
}

const jco = await transpile(file, "command");
if (jco.why) {
  console.log(`wasi-command: ${jco.why}; its case is left out`);
} else {
  const spec = JSON.stringify({ module: jco.module, args, env, preopens: [{ host: input, guest: "/in" }, { host: output, guest: "/out" }] });
  cases["jco transpiled + preview2-shim"] = () => spawnSync(process.execPath, [jcoRunner, spec], { input: stdin, encoding: "utf8" });
}

// Every case runs once untimed (filling the caches) and must succeed.
for (const [name, run] of Object.entries(cases)) {
  const r = run();
  if (r.status !== 0) throw new Error(`${name} failed (${r.status}): ${r.stderr}`);
}
const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(cases)) {
    const t0 = process.hrtime.bigint();
    run();
    samples[name].push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
}
const medians = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
const ours = medians["runtime-wasm run (cache warm)"];
console.log(`\nstarting a WASI preview 2 command (whole process, median of ${ROUNDS})`);
for (const [name, ms] of Object.entries(medians)) {
  const ratio = ms === ours ? "" : `  runtime-wasm is ${(ours / ms).toFixed(2)}× this`;
  console.log(`  ${name.padEnd(34)} ${ms.toFixed(1).padStart(8)} ms${ratio}`);
}
record("wasi-command start", Object.fromEntries(Object.entries(medians).map(([k, ms]) => [k, ms * 1e6])));
