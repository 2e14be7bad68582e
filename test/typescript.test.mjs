// lib/index.d.ts checked by the TypeScript compiler: the type test and the
// TS example compile under --strict, and a wrong use is rejected.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
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

/**
 * Compiles `source` (importing the package as `wasm`) outside the project,
 * where no tsconfig is read, with tsc's `flags` besides --strict and Node's
 * module resolution; returns tsc's output.
 */
function compileOutside(source, flags) {
  const dir = mkdtempSync(join(tmpdir(), "runtime-wasm-ts-"));
  const file = join(dir, "program.mts");
  writeFileSync(file, `import * as wasm from ${JSON.stringify(join(root, "lib", "index.js"))};\n${source}\n`);
  return run(bin("tsc"), ["--strict", "--noEmit", "--module", "nodenext", "--moduleResolution", "nodenext", ...flags, file], dir);
}

test("tsc --strict --target es2022 accepts a program using the types, with no @types/node and no esnext lib", (t) => {
  if (missing(t, "tsc")) return;
  const program = `const rt = new wasm.Runtime();
const id = rt.compileSync("(module)");
{
  using inst = rt.instantiateSync(id);
  await using other = await rt.instantiate(id);
  const n: number = inst.getExports().length + other.getExports().length;
  void n;
}
rt[Symbol.dispose]();`;
  // No @types package is loaded (`--types ""`): only TypeScript's own es2022
  // library and the package's declarations.
  const r = compileOutside(program, ["--target", "es2022", "--skipLibCheck", "false", "--types", ""]);
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
});

/** tsc's output for `source`, a wrong use of the API. */
const compileWrong = (source) => compileOutside(source, ["--target", "es2022", "--lib", "es2022,esnext.disposable"]);

test("tsc rejects a wrong use of the API", async (t) => {
  if (missing(t, "tsc")) return;
  const cases = [
    ["an i64 result is bigint, not number", `const n: number = wasm.getDefaultRuntime().instantiateSync("m").fuelSync();`, /bigint.*number|number.*bigint/],
    ["a call's results are an array", `const n: number = await wasm.instantiateSync("m").call("add", 1, 2);`, /Value\[\].*number/],
    ["a component's info is not a module's before narrowing on kind", `void wasm.moduleInfo("m").exports[0].index;`, /Property 'index' does not exist on type 'ComponentItem'/],
    ["params is not there before narrowing on kind", `void wasm.moduleInfo("m").exports[0].params;`, /Property 'params' does not exist/],
    ["params is there after narrowing on kind, not on another kind", `const i = wasm.moduleInfo("m");\nif (i.kind === "component") throw 0;\nconst e = i.exports[0];\nif (e.kind === "func") void e.params;\nif (e.kind === "memory") void e.params;`, /Property 'params' does not exist on type 'MemoryType/],
    ["toWasmError is not exported", `import { toWasmError } from ${JSON.stringify(join(root, "lib", "index.js"))};\nvoid toWasmError;`, /has no exported member( named)? 'toWasmError'/],
    ["a value type name is not any string", `const t: wasm.ValType = "int32";`, /not assignable to type 'ValType'/],
  ];
  for (const [name, source, expected] of cases) {
    await t.test(name, () => {
      const r = compileWrong(source);
      assert.notEqual(r.status, 0, `tsc accepted:\n${source}`);
      assert.match(r.stdout, expected);
      // Exactly the expected error: no other line of the program is wrong.
      assert.equal(r.stdout.trim().split("\n").filter((l) => /error TS/.test(l)).length, 1, r.stdout);
    });
  }
});

test("toWasmError and other internals are not exported by lib/index.js", async () => {
  const wasm = await import("../lib/index.js");
  assert.equal("toWasmError" in wasm, false);
  assert.equal("sync" in wasm, false);
});

test("the ErrorCode declaration of index.d.ts is the Rust enum's table (errorCodes())", async () => {
  const { default: native } = await import("../lib/native.js");
  const { ErrorCode } = await import("../lib/index.js");
  const { update } = await import("../scripts/gen-error-codes.mjs");
  const table = native.errorCodes();
  assert.deepEqual({ ...ErrorCode }, table);
  assert.deepEqual(Object.values(table), Object.values(table).map((_, i) => 5000 + i), "codes are 5000, 5001, … in order");
  const dts = readFileSync(join(root, "lib", "index.d.ts"), "utf8");
  assert.equal(update(dts, table), dts, "lib/index.d.ts's ErrorCode has drifted from the Rust enum: run node scripts/gen-error-codes.mjs");
});

test("`using` / `await using` free an instance and a runtime (TypeScript under Deno)", (t) => {
  if (missing(t, "deno")) return;
  const dir = mkdtempSync(join(tmpdir(), "runtime-wasm-using-"));
  const file = join(dir, "using.ts");
  writeFileSync(file, `import * as wasm from ${JSON.stringify(join(root, "lib", "index.js"))};
const rt = new wasm.Runtime();
const id = rt.compileSync("(module)");
{
  using a = rt.instantiateSync(id);
  await using b = await rt.instantiate(id);
  if (rt.instanceCount !== 2) throw new Error("two live instances expected");
  void [a, b];
}
let outer: wasm.Runtime;
let ownId: string;
{
  using own = new wasm.Runtime();
  ownId = own.compileSync("(module)");
  own.instantiateSync(ownId);
  own.moduleInfo(ownId);
  outer = own;
}
let code: number | undefined;
try { outer.moduleInfo(ownId); } catch (e) { code = (e as wasm.WasmError).code; }
console.log(\`after=\${rt.instanceCount} closed=\${outer.instanceCount} code=\${code}\`);
`);
  const r = run(bin("deno"), ["run", "-A", file], dir);
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.equal(r.stdout.trim(), "after=0 closed=0 code=5004");
});

test("the TS example runs (under Deno, which runs TypeScript directly)", (t) => {
  if (missing(t, "deno")) return;
  const r = run(bin("deno"), ["run", "-A", "examples/typed.ts"]);
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /add64 = 1099511627778, logged = 7/);
  assert.match(r.stdout, /typed error: TypeError/);
});

test("runtime-wasm inspect --dts: a component's declarations compile, type its exports, and reject a wrong use", (t) => {
  if (missing(t, "tsc")) return;
  const dir = mkdtempSync(join(tmpdir(), "runtime-wasm-dts-"));
  const dts = run(process.execPath, [join(root, "bin", "runtime-wasm.js"), "inspect", "--dts", join(root, "fixtures/components/types/types.wasm")]);
  assert.equal(dts.status, 0, dts.stderr);
  writeFileSync(join(dir, "types.d.ts"), dts.stdout);
  const program = (body) => {
    writeFileSync(join(dir, "program.mts"), `import * as wasm from ${JSON.stringify(join(root, "lib", "index.js"))};
import type * as T from "./types.js";
const inst = wasm.instantiateSync<typeof T>(wasm.compileFileSync("types.wasm"));
const { api } = inst.exports;
${body}
`);
    return run(bin("tsc"), ["--strict", "--noEmit", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--lib", "es2022,esnext.disposable", join(dir, "program.mts")], dir);
  };
  const good = program(`const p: T.api.Person = api.older({ name: "Ann", age: 41, tags: ["a"] });
const c = new api.Counter(5);
const n: number = c.increment(2) + api.total(c) + api.Counter.make(1).get();
const s: T.api.Shape = { tag: "rect", val: [2, 3] };
const big: bigint = api.addU64(1n, 2n);
const maybe: string | undefined = api.first([]);
c[Symbol.dispose]();
void [p, n, s, big, maybe, api.area(s), api.flip({ read: true }).write, api.nextColor("red")];`);
  assert.equal(good.status, 0, `${good.stdout}${good.stderr}`);
  const bad = program(`api.nextColor("mauve");`);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stdout, /"mauve"/);
});
