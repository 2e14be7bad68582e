import test from "node:test";
import assert from "node:assert/strict";
import * as wasm from "../lib/index.js";
import { fixture, fixturePath, fixtureText, expectCode } from "./support.mjs";

const { ErrorCode: E, WasmError } = wasm;
const code = (fn, c) => expectCode(fn, c, WasmError);

test("compile accepts WAT text, Uint8Array, ArrayBuffer, Buffer and other views", async () => {
  const bin = new Uint8Array(fixture("c/files.wasm"));
  const expected = wasm.moduleInfo(await wasm.compile(bin));
  const ids = [];
  for (const form of [bin, bin.buffer, Buffer.from(bin), new DataView(bin.buffer), new Int8Array(bin.buffer)]) {
    const id = await wasm.compile(form);
    assert.deepEqual(wasm.moduleInfo(id), expected);
    ids.push(id);
  }
  ids.push(wasm.compileSync(bin));
  const text = await wasm.compile(fixtureText("add.wat"));
  assert.deepEqual(await (await wasm.instantiate(text)).call("add", 2, 3), [5]);
  ids.push(text, wasm.compileSync(fixtureText("add.wat")));
  assert.equal(new Set(ids).size, ids.length, "every compile returns its own handle");
  for (const id of ids) assert.equal(typeof id, "string");
});

test("validate tells valid from invalid without registering anything", () => {
  assert.equal(wasm.validate(fixtureText("add.wat")), true);
  assert.equal(wasm.validate(fixture("c/files.wasm")), true);
  assert.equal(wasm.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 9])), false);
  assert.equal(wasm.validate("(module (func (result i32)))"), false);
  assert.throws(() => wasm.validate(42), (e) => e instanceof WasmError && e.code === E.TypeError);
});

test("malformed modules are 5000 with the engine's reason and byte offset", async () => {
  const e = await code(() => wasm.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 9])), E.CompileError);
  assert.equal(e.codeName, "CompileError");
  assert.equal(e.offset, 9);
  assert.match(e.message, /unexpected end/);
  await code(() => wasm.compile("(module (func (result i32)))"), E.CompileError);
  await code(() => wasm.compile(new Uint8Array([1, 2, 3])), E.CompileError);
  await code(() => wasm.compile(""), E.CompileError);
  assert.throws(() => wasm.compileSync("(module"), (e) => e.code === E.CompileError);
});

test("wrong source types are 5007", async () => {
  for (const bad of [42, null, undefined, {}, [1, 2]]) {
    await code(() => wasm.compile(bad), E.TypeError);
    await code(() => wasm.compileSync(bad), E.TypeError);
  }
});

test("moduleInfo describes imports and exports with types", async () => {
  const id = await wasm.compile(fixtureText("imports.wat"));
  const info = wasm.moduleInfo(id);
  assert.deepEqual(info.imports, [{ module: "env", name: "log", kind: "func", params: ["i32", "i32"], results: [] }]);
  assert.deepEqual(info.exports.find((e) => e.name === "memory"), {
    name: "memory", kind: "memory", minimum: 1, shared: false, memory64: false, index: 0,
  });
  const add = wasm.moduleInfo(await wasm.compile(fixtureText("add.wat")));
  assert.deepEqual(add.exports.find((e) => e.name === "swap"), {
    name: "swap", kind: "func", params: ["i32", "f64"], results: ["f64", "i32"], index: 4,
  });
  assert.deepEqual(add.exports.find((e) => e.name === "g"), { name: "g", kind: "global", type: "i32", mutable: false, index: 0 });
  const mem = wasm.moduleInfo(await wasm.compile(fixtureText("memory.wat")));
  assert.equal(mem.exports.find((e) => e.name === "memory").maximum, 4);
});

test("moduleInfo gives each export's index (imports first) and the import it passes on; customSections", async () => {
  const id = await wasm.compile(`(module
    (import "env" "f" (func $f (param i32)))
    (import "env" "m" (memory 1))
    (import "env" "g" (func $g))
    (func $own)
    (export "own" (func $own))
    (export "g" (func $g))
    (export "m" (memory 0))
    (export "f" (func $f)))`);
  const { exports } = wasm.moduleInfo(id);
  const pick = (name) => { const e = exports.find((x) => x.name === name); return [e.index, e.reexport]; };
  assert.deepEqual(pick("own"), [2, undefined]);
  assert.deepEqual(pick("g"), [1, 2], "the second imported function, the third import");
  assert.deepEqual(pick("m"), [0, 1]);
  assert.deepEqual(pick("f"), [0, 0]);
  // Custom sections by name, in order, with their payloads.
  const name = (s) => [s.length, ...new TextEncoder().encode(s)];
  const section = (n, payload) => { const body = [...name(n), ...payload]; return [0, body.length, ...body]; };
  const bytes = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...section("a", [1, 2]), ...section("b", [9]), ...section("a", [3])]);
  const withSections = wasm.compileSync(bytes);
  assert.deepEqual(wasm.customSections(withSections, "a").map((u) => [...u]), [[1, 2], [3]]);
  assert.deepEqual(wasm.customSections(withSections, "b").map((u) => [...u]), [[9]]);
  assert.deepEqual(wasm.customSections(withSections, "c"), []);
  assert.throws(() => wasm.customSections("nope", "a"), { code: 5004 });
});

test("compileFile reads .wat and .wasm by content; unreadable files are 5008", async () => {
  const a = await wasm.compileFile(fixturePath("add.wat"));
  assert.deepEqual(await (await wasm.instantiate(a)).call("answer"), [42]);
  const b = wasm.compileFileSync(fixturePath("c/files.wasm"));
  assert.ok(wasm.moduleInfo(b).imports.length > 0);
  const e = await code(() => wasm.compileFile(fixturePath("nope.wasm")), E.IoError);
  assert.match(e.message, /nope\.wasm/);
  await code(() => wasm.compileFile(fixturePath("c")), E.IoError);
  await code(() => wasm.compileFileSync(fixturePath("missing/deeper.wat")), E.IoError);
  await code(() => wasm.compileFile(42), E.TypeError);
});

test("unknown, dropped and foreign module handles are 5004", async () => {
  const id = await wasm.compile(fixtureText("add.wat"));
  wasm.dropModule(id);
  for (const bad of [id, "module-999999999", "garbage", "", "instance-1", "module-01", "module-0", `${id}\n`]) {
    await code(() => wasm.moduleInfo(bad), E.InvalidModuleHandle);
    await code(() => wasm.instantiate(bad), E.InvalidModuleHandle);
    await code(() => wasm.instantiateSync(bad), E.InvalidModuleHandle);
    await code(() => wasm.dropModule(bad), E.InvalidModuleHandle);
  }
  const rt = new wasm.Runtime();
  const foreign = await rt.compile(fixtureText("add.wat"));
  await code(() => wasm.moduleInfo(foreign), E.InvalidModuleHandle);
  assert.ok(rt.moduleInfo(foreign));
});

test("an AbortSignal gives up on a compile: the Promise rejects with its reason, and the compile leaves no handle, no cache entry and no thread", async () => {
  const { spawnSync } = await import("node:child_process");
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "abort-cache-"));
  // In a child process: its threads and CPU time are its own.
  const script = `
    import * as wasm from ${JSON.stringify(new URL("../lib/index.js", import.meta.url).href)};
    import { readdirSync, readFileSync } from "node:fs";
    const threads = () => Number(readFileSync("/proc/self/status", "utf8").match(/^Threads:\\s+(\\d+)$/m)[1]);
    const busy = () => { const u = process.cpuUsage(); return u.user + u.system; };
    /** Waits until this process stops using CPU (the dropped compile ended). */
    async function idle() {
      for (let i = 0, last = busy(); i < 600; i++) {
        await new Promise((r) => setTimeout(r, 200));
        const now = busy();
        if (now - last < 20_000) return true; // under 10% of one core
        last = now;
      }
      return false;
    }
    const funcs = (n, salt) => Array.from({ length: n }, (_, i) => \`(func (export "f\${i}") (param i32) (result i32)
      (i32.add (i32.mul (local.get 0) (i32.const \${i})) (i32.const \${salt})))\`).join("\\n");
    const rt = new wasm.Runtime({ cacheDir: ${JSON.stringify(dir)}, compiler: "optimized" });
    // Warm up: the workers and the engine's compile threads exist before the baseline.
    await rt.compile(wasm.wat2wasm(\`(module \${funcs(2000, 1)})\`));
    await idle();
    const entriesBefore = readdirSync(${JSON.stringify(dir)}).length;
    const baseline = threads();
    const big = wasm.wat2wasm(\`(module \${funcs(40000, 2)})\`);
    const c = new AbortController();
    const compiling = rt.compile(big, { signal: c.signal });
    c.abort(new Error("given up"));
    const outcome = await compiling.then(() => "resolved", (e) => e.message);
    const settled = await idle();
    const out = { outcome, settled, entriesBefore, entriesAfter: readdirSync(${JSON.stringify(dir)}).length, baseline, after: threads() };
    // An aborted signal from the start: rejected before anything runs.
    out.already = await rt.compile(big, { signal: AbortSignal.abort() }).then(() => "resolved", (e) => e.name);
    out.badSignal = await rt.compile(big, { signal: {} }).then(() => "resolved", (e) => e.code);
    // The same compile, not aborted, fills the cache: the check above means something.
    await rt.compile(big, {});
    await idle();
    out.entriesControl = readdirSync(${JSON.stringify(dir)}).length;
    console.log(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 600_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").pop());
  assert.equal(out.outcome, "given up");
  assert.ok(out.settled, "the dropped compile ended");
  assert.equal(out.entriesAfter, out.entriesBefore, "no cache entry from the aborted compile");
  assert.ok(out.after <= out.baseline, `threads: ${out.after} after, ${out.baseline} before`);
  assert.equal(out.already, "AbortError");
  assert.equal(out.badSignal, E.TypeError);
  assert.ok(out.entriesControl > out.entriesBefore, "the same compile not aborted is cached");
});
