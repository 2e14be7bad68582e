// The sandbox's former holes, at the JS boundary: the policy cannot be
// raced, a guest cannot take the host's descriptors, tables and memory64
// memories are capped by default, and compileFile reads regular files only.
import test from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, openSync, closeSync, symlinkSync, writeFileSync, truncateSync, statSync } from "node:fs";
import { join } from "node:path";
import * as wasm from "../lib/index.js";
import { fixturePath, tempDir, expectCode } from "./support.mjs";

const { ErrorCode: E, WasmError, Runtime } = wasm;
const code = (fn, c) => expectCode(fn, c, WasmError);
/** The one result of a call (calls return their results as an array). */
const one = async (results) => {
  const r = await results;
  assert.equal(r.length, 1);
  return r[0];
};

test("compileFile and compileFileSync refuse FIFOs, devices, directories and files over maxModuleBytes with 5008", async () => {
  const dir = tempDir("holes-special");
  const fifo = join(dir, "m.wat");
  assert.equal(spawnSync("mkfifo", [fifo]).status, 0);
  mkdirSync(join(dir, "sub.wat"));
  const confined = new Runtime({ policy: { read: [dir] } });
  for (const compileFile of [wasm.compileFile, wasm.compileFileSync, (p) => confined.compileFile(p), (p) => confined.compileFileSync(p)]) {
    assert.match((await code(() => compileFile(fifo), E.IoError)).message, /a FIFO, not a regular file/);
    assert.match((await code(() => compileFile(join(dir, "sub.wat")), E.IoError)).message, /a directory, not a regular file/);
  }
  for (const compileFile of [wasm.compileFile, wasm.compileFileSync]) {
    assert.match((await code(() => compileFile("/dev/zero"), E.IoError)).message, /a character device/);
  }
  const size = statSync(fixturePath("add.wat")).size;
  const small = new Runtime({ maxModuleBytes: size - 1 });
  await code(() => small.compileFile(fixturePath("add.wat")), E.IoError);
  await code(() => small.compileFileSync(fixturePath("add.wat")), E.IoError);
  assert.ok(new Runtime({ maxModuleBytes: size }).compileFileSync(fixturePath("add.wat")));
  const huge = join(dir, "huge.wasm");
  writeFileSync(huge, "");
  truncateSync(huge, 2 ** 30 + 1);
  assert.match((await code(() => wasm.compileFile(huge), E.IoError)).message, /larger than the maximum module size/);
});

const FLOOD = `(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "f")
  (func (export "flood") (param $max i32) (result i32)
    (local $n i32) (local $e i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $n) (local.get $max)))
        (local.set $e (call $path_open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 1)
          (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 16)))
        (br_if $done (local.get $e))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (i32.store (i32.const 100) (local.get $e))
    (local.get $n))
  (func (export "errno") (result i32) (i32.load (i32.const 100))))`;

test("maxOpenFiles: the guest gets EMFILE at its cap, the host keeps opening files", async () => {
  const dir = tempDir("holes-fds");
  writeFileSync(join(dir, "f"), "x");
  const m = await wasm.compile(FLOOD);
  const capped = await wasm.instantiate(m, { preopens: { "/d": { path: dir, readonly: true } }, maxOpenFiles: 16 });
  assert.equal(await one(capped.call("flood", 100000)), 15, "the preopen is one of the 16");
  assert.equal(await one(capped.call("errno")), 33, "EMFILE");
  const byDefault = await wasm.instantiate(m, { preopens: { "/d": { path: dir, readonly: true } } });
  assert.equal(await one(byDefault.callSync("flood", 1000000)), 1023);
  assert.equal(await one(byDefault.callSync("errno")), 33);
  closeSync(openSync(join(dir, "f"), "r"));
  const other = await wasm.instantiate(m, { preopens: { "/d": dir } });
  assert.equal(await one(other.call("flood", 5)), 5);
});

test("tables and memory64 are capped by default, pooled and on demand", async () => {
  const table = (n) => `(module (table $t ${n} funcref)
    (func (export "grow") (param i32) (result i32) ref.null func local.get 0 table.grow $t))`;
  const memory64 = `(module (memory i64 1) (func (export "grow") (param i64) (result i64) local.get 0 memory.grow))`;
  for (const rt of [new Runtime(), new Runtime({ pool: 0 })]) {
    for (const n of [10, 100001]) {
      const inst = await rt.instantiate(await rt.compile(table(n)));
      assert.equal(await one(inst.call("grow", 300000000)), -1);
      assert.equal(await one(inst.call("grow", 2 ** 31)), -1);
      assert.equal(await one(inst.call("grow", 10)), n);
    }
    const mem = await rt.instantiate(await rt.compile(memory64));
    assert.equal(await one(mem.call("grow", 65536n)), -1n);
    assert.equal(await one(mem.call("grow", 1n << 40n)), -1n);
    assert.equal(await one(mem.call("grow", 1n)), 1n);
  }
});

test("compileFileSync never reads outside while a child process swaps names", async () => {
  const base = tempDir("holes-race");
  const allowed = join(base, "allowed");
  mkdirSync(allowed);
  mkdirSync(join(base, "outside"));
  writeFileSync(join(allowed, "m.wat"), `(module (func (export "good")))`);
  writeFileSync(join(base, "outside", "m.wat"), `(module (func (export "evil")))`);
  symlinkSync("../outside/m.wat", join(allowed, "m_l"));
  // The racer: four renames a round, for a bounded number of rounds.
  const racer = spawn(process.execPath, ["-e", `
    const { renameSync } = require("node:fs");
    const [dir] = process.argv.slice(1);
    const mv = (a, b) => { try { renameSync(dir + "/" + a, dir + "/" + b); } catch {} };
    process.stdout.write("racing");
    for (let i = 0; i < 1e6; i++) { mv("m.wat", "t"); mv("m_l", "m.wat"); mv("m.wat", "m_l"); mv("t", "m.wat"); }
  `, allowed], { stdio: ["ignore", "pipe", "ignore"] });
  await new Promise((resolve) => {
    racer.stdout.once("data", resolve);
    racer.once("exit", resolve);
  });
  const rt = new Runtime({ policy: { read: [allowed] } });
  const tally = { inside: 0, refused: 0, escapes: 0 };
  for (let i = 0; i < 3000; i++) {
    try {
      const id = rt.compileFileSync(join(allowed, "m.wat"));
      const name = rt.moduleInfo(id).exports[0].name;
      rt.dropModule(id);
      if (name === "good") tally.inside++;
      else tally.escapes++;
    } catch (e) {
      assert.ok(e instanceof WasmError && (e.code === E.IoError || e.code === E.PermissionDenied), String(e));
      tally.refused++;
    }
  }
  racer.kill();
  assert.equal(tally.escapes, 0, JSON.stringify(tally));
  assert.ok(tally.refused > 0, `the racer raced: ${JSON.stringify(tally)}`);
});
