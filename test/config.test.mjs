// Configuration objects are untrusted input: own enumerable properties only
// (a polluted Object.prototype changes nothing), order kept, unknown keys and
// wrong types 5007 in the API's words, at every level and in both forms.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as wasm from "../lib/index.js";
import { expectCode, fixtureText, tempDir } from "./support.mjs";

const { Runtime, WasmError } = wasm;
const lib = fileURLToPath(new URL("../lib/index.js", import.meta.url));
/** A WASI module whose `main` prints its preopens (fd order) and environment, one per line. */
const printer = fixtureText("reference.wat");
const plain = "(module (func (export \"f\")))";

/** Runs `body` (an async function body) in a fresh Node process; returns its JSON output. */
function child(body, ...argv) {
  const src = `import * as wasm from ${JSON.stringify(lib)};\nconst out = await (async () => {${body}})();\nprocess.stdout.write(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", src, ...argv], { encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test("a polluted Object.prototype adds no preopen, env var, import or policy entry", () => {
  const dir = tempDir("pollution");
  const out = child(`
    Object.prototype["/etc"] = "/etc";
    Object.prototype.X = "y";
    Object.prototype.preopen = ["/"];
    Object.prototype.imports = { env: { f() {} } };
    Object.prototype.fuel = 1;
    Object.prototype.readonly = true;
    const [dir] = process.argv.slice(1);
    const rt = new wasm.Runtime({ policy: { read: [dir] } });
    const id = rt.compileSync(${JSON.stringify(printer)});
    const inst = rt.instantiateSync(id, { preopens: { "/sb": dir }, captureStdout: true });
    inst.callSync("main");
    const guest = new TextDecoder().decode(inst.takeStdout());
    let root;
    try { rt.instantiateSync(id, { preopens: { "/": "/" } }); root = "allowed"; } catch (e) { root = e.code; }
    // An import the prototype offers is not linked: the module's own import stays missing.
    let imported;
    try { rt.instantiateSync(rt.compileSync('(module (import "env" "f" (func)))'), {}); imported = "linked"; } catch (e) { imported = e.code; }
    // No fuel was configured, so fuel() is refused, and the preopen stays writable.
    let fuel;
    try { inst.fuelSync(); fuel = "metered"; } catch (e) { fuel = e.code; }
    return { guest, root, imported, fuel };
  `, dir);
  assert.equal(out.guest, "/sb\n", "only the own preopen, and no X=y in the environment");
  assert.equal(out.root, 5009, "the policy was not widened to /");
  assert.equal(out.imported, 5001);
  assert.equal(out.fuel, 5007);
});

test("preopens and env reach the guest in the order given, in every fresh process", () => {
  const base = tempDir("order");
  const names = ["data", "config", "zeta", "alpha", "m1", "m2", "beta", "q"];
  for (const n of names) mkdirSync(join(base, n));
  const expected = [...names.map((n) => `/${n}`), ...names.map((n, i) => `${n.toUpperCase()}=${i}`)];
  for (let run = 0; run < 4; run++) {
    const out = child(`
      const [base, names] = [process.argv[1], process.argv[2].split(",")];
      const id = await wasm.compile(${JSON.stringify(printer)});
      const preopens = Object.fromEntries(names.map((n) => ["/" + n, base + "/" + n]));
      const env = Object.fromEntries(names.map((n, i) => [n.toUpperCase(), String(i)]));
      const inst = await wasm.instantiate(id, { preopens, env, captureStdout: true });
      await inst.call("main");
      return new TextDecoder().decode(inst.takeStdout()).trim().split("\\n");
    `, base, names.join(","));
    assert.deepEqual(out, expected, `run ${run}`);
  }
});

/** Asserts both instantiate forms fail with 5007 and a message matching `pattern`. */
async function refused(rt, id, config, pattern) {
  const a = await expectCode(() => rt.instantiate(id, config), 5007, WasmError);
  const b = await expectCode(() => rt.instantiateSync(id, config), 5007, WasmError);
  assert.match(a.message, pattern);
  assert.equal(b.message, a.message, "one message in both forms");
}

test("unknown keys are 5007 naming the key and the nearest known one, at every level", async () => {
  const rt = new Runtime();
  const id = rt.compileSync(printer);
  await refused(rt, id, { timeoutMS: 10 }, /unknown key "timeoutMS" in instance config \(did you mean "timeoutMs"\?\)/);
  await refused(rt, id, { fule: 1 }, /did you mean "fuel"/);
  await refused(rt, id, { preopen: {} }, /did you mean "preopens"/);
  await refused(rt, id, { wholly: 1 }, /unknown key "wholly" in instance config; known keys: preopens, env/);
  const dir = tempDir("keys");
  await refused(rt, id, { preopens: { "/d": { path: dir, readOnly: true } } }, /unknown key "readOnly" in preopens\["\/d"\] \(did you mean "readonly"\?\)/);
  for (const [options, pattern] of [
    [{ maxInstance: 1 }, /unknown key "maxInstance" in Runtime options \(did you mean "maxInstances"\?\)/],
    [{ policy: { reads: [] } }, /unknown key "reads" in policy \(did you mean "read"\?\)/],
    [{ cachedir: "/tmp" }, /did you mean "cacheDir"/],
  ]) {
    const e = await expectCode(() => new Runtime(options), 5007, WasmError);
    assert.match(e.message, pattern);
  }
});

test("wrong types are 5007 saying what was expected, never the binding's words", async () => {
  const rt = new Runtime();
  const id = rt.compileSync(printer);
  const cases = [
    [{ env: { PORT: 1 } }, /^env\.PORT must be a string, got number$/],
    [{ env: "A=1" }, /^env must be an object, got string$/],
    [{ args: "prog" }, /^args must be an array of strings, got string$/],
    [{ args: ["prog", 2] }, /^args\[1\] must be a string, got number$/],
    [{ preopens: { "/d": 5 } }, /^preopens\["\/d"\] must be a host path or \{ path, readonly \}, got number$/],
    [{ preopens: { "/d": { readonly: true } } }, /^preopens\["\/d"\]\.path is required$/],
    [{ preopens: { "/d": { path: "/tmp", readonly: "yes" } } }, /readonly must be a boolean, got string/],
    [{ preopens: [] }, /^preopens must be an object, got an array$/],
    [{ inheritStdout: 1 }, /^inheritStdout must be a boolean, got number$/],
    [{ stdin: 5 }, /^stdin must be a string or a Uint8Array, got number$/],
    [{ fuel: "10" }, /^fuel must be a number or bigint, got string$/],
    [{ timeoutMs: "10" }, /^timeoutMs must be a number, got string$/],
    [{ maxMemoryBytes: -1 }, /maxMemoryBytes must be a non-negative integer/],
    [{ captureLimit: 1.5 }, /captureLimit must be a non-negative integer/],
    [{ imports: 5 }, /^imports must be an object, got number$/],
    [{ imports: { env: null } }, /^imports\.env must be an object, got null$/],
  ];
  for (const [config, pattern] of cases) await refused(rt, id, config, pattern);
  await expectCode(() => rt.instantiate(id, "config"), 5007, WasmError);
  const e = await expectCode(() => new Runtime({ policy: { read: "/tmp" } }), 5007, WasmError);
  assert.match(e.message, /^policy\.read must be an array of strings, got string$/);
  const p = await expectCode(() => new Runtime({ pool: "5" }), 5007, WasmError);
  assert.match(p.message, /^pool must be a number, got string$/);
});

test("a key set to undefined counts as not given; getters are read once", async () => {
  const rt = new Runtime();
  const id = rt.compileSync(printer);
  const inst = rt.instantiateSync(id, { fuel: undefined, env: { A: "1" }, captureStdout: true });
  await expectCode(() => inst.fuelSync(), 5007, WasmError);
  let reads = 0;
  const env = {};
  Object.defineProperty(env, "K", { enumerable: true, get: () => (reads++ === 0 ? "first" : "second") });
  const counted = rt.instantiateSync(id, { env, captureStdout: true });
  counted.callSync("main");
  assert.equal(new TextDecoder().decode(counted.takeStdout()), "K=first\n");
  assert.equal(reads, 1);
  // Non-enumerable and symbol keys are not configuration.
  const hidden = {};
  Object.defineProperty(hidden, "fuel", { value: 5, enumerable: false });
  hidden[Symbol("fuel")] = 5;
  await expectCode(() => rt.instantiateSync(id, hidden).fuelSync(), 5007, WasmError);
});

test("WASI options are checked for a module that does not import WASI", async () => {
  const rt = new Runtime();
  const id = rt.compileSync(plain);
  for (const form of ["instantiate", "instantiateSync"]) {
    await expectCode(() => rt[form](id, { preopens: { "/": "/" } }), 5009, WasmError);
    await expectCode(() => rt[form](id, { preopens: { "/x": join(tempDir("gone"), "missing") } }), 5010, WasmError);
  }
  assert.deepEqual(rt.instantiateSync(id, { env: { A: "1" } }).callSync("f"), []);
});

test("module ids must match exactly; method arguments are checked in the API's words", async () => {
  const rt = new Runtime();
  const id = rt.compileSync('(module (memory (export "memory") 1))');
  const n = id.slice("module-".length);
  for (const bad of [`module-0${n}`, `module-+${n}`, ` ${id}`, `${id} `]) {
    await expectCode(() => rt.moduleInfo(bad), 5004, WasmError);
    await expectCode(() => rt.instantiate(bad), 5004, WasmError);
  }
  const inst = rt.instantiateSync(id);
  const sync = await expectCode(() => inst.memory.readSync("0", 4), 5007, WasmError);
  const async_ = await expectCode(() => inst.memory.read("0", 4), 5007, WasmError);
  assert.equal(sync.message, "offset must be a number, got string");
  assert.equal(async_.message, sync.message);
  await expectCode(() => inst.memory.growSync("1"), 5007, WasmError);
  await expectCode(() => rt.moduleInfo(5), 5007, WasmError);
});
