// lib/index.d.ts checked by the TypeScript compiler: the type test and the
// TS example compile under --strict, and a wrong use is rejected.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name) => join(root, "node_modules", ".bin", name);
const run = (cmd, args, cwd = root) => spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: 120_000 });

/** Skips `t` with a message when npm could not install `name`. */
function missing(t, name) {
  if (existsSync(bin(name))) return false;
  t.skip(`${name} is not installed (npm install of \`${name}\` failed); not run`);
  return true;
}

test("tsc --strict accepts the type test and the TS example", (t) => {
  if (missing(t, "tsc")) return;
  const r = run(bin("tsc"), ["-p", "tsconfig.json"]);
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
});

test("tsc rejects a wrong use of the API", (t) => {
  if (missing(t, "tsc")) return;
  const dir = mkdtempSync(join(tmpdir(), "runtime-wasm-ts-"));
  const file = join(dir, "wrong.ts");
  writeFileSync(file, `import * as wasm from ${JSON.stringify(join(root, "lib", "index.js"))};\nconst n: number = wasm.getDefaultRuntime().instantiateSync("m").fuelSync();\n`);
  const r = run(bin("tsc"), ["--strict", "--noEmit", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", file], dir);
  assert.notEqual(r.status, 0);
  assert.match(`${r.stdout}`, /bigint.*number|number.*bigint/);
});

test("the TS example runs (under Deno, which runs TypeScript directly)", (t) => {
  if (missing(t, "deno")) return;
  const r = run(bin("deno"), ["run", "-A", "examples/typed.ts"]);
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /add64 = 1099511627778, logged = 7/);
  assert.match(r.stdout, /typed error: TypeError/);
});
