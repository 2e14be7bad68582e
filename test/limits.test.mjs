import test from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync, readFileSync, copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import * as wasm from "../lib/index.js";
import { fixturePath, fixtureText, tempDir, expectCode } from "./support.mjs";

const { ErrorCode: E, WasmError, Runtime } = wasm;
const code = (fn, c) => expectCode(fn, c, WasmError);
const traps = wasm.compileSync(fixtureText("traps.wat"));

test("fuel: number or bigint, read back as bigint, 5011 when it runs out, refillable", async () => {
  const inst = await wasm.instantiate(traps, { fuel: 10_000 });
  assert.deepEqual(await inst.call("spin", 10n), [10n]);
  const left = await inst.fuel();
  assert.equal(typeof left, "bigint");
  assert.ok(left < 10_000n && left > 9_000n, String(left));
  const e = await code(() => inst.call("spin", 1_000_000n), E.FuelExhausted);
  assert.equal(e.codeName, "FuelExhausted");
  assert.equal(e.trap, "out of fuel");
  assert.equal(inst.fuelSync(), 0n);
  await inst.setFuel(10n ** 9n);
  assert.deepEqual(await inst.call("spin", 1_000_000n), [1_000_000n]);
  inst.setFuelSync(5);
  assert.equal(inst.fuelSync(), 5n);
  const big = await wasm.instantiate(traps, { fuel: 2n ** 64n - 1n });
  assert.equal(big.fuelSync(), 2n ** 64n - 1n);
});

test("fuel is refused where it was not enabled; bad amounts are 5007", async () => {
  const plain = await wasm.instantiate(traps);
  await code(() => plain.fuel(), E.TypeError);
  await code(() => plain.setFuelSync(1), E.TypeError);
  for (const bad of [-1, 1.5, 2n ** 64n, -1n, "10", NaN]) {
    await code(() => wasm.instantiate(traps, { fuel: bad }), E.TypeError);
  }
  const metered = await wasm.instantiate(traps, { fuel: 1 });
  await code(() => metered.setFuel(-1), E.TypeError);
});

test("an async call stuck in `loop br 0` is stopped by its deadline, not before, while the event loop runs", async () => {
  const inst = await wasm.instantiate(traps, { timeoutMs: 100 });
  let settled = false;
  const started = performance.now();
  const call = code(() => inst.call("forever"), E.Timeout).finally(() => { settled = true; });
  // The event loop keeps turning while the guest spins: count its turns until the call settles.
  let turns = 0;
  while (!settled) {
    await new Promise((r) => setImmediate(r));
    turns++;
  }
  const e = await call;
  const elapsed = performance.now() - started;
  assert.equal(e.trap, "interrupt");
  // Only a lower bound: how late the deadline is seen depends on the machine's load.
  assert.ok(elapsed >= 100, `stopped after ${elapsed.toFixed(1)} ms, before its deadline`);
  assert.ok(turns >= 2, `the event loop ran (${turns} turns)`);
  assert.deepEqual(await inst.call("spin", 5n), [5n], "the instance stays usable after a timeout");
});

test("deadlines stop callSync and run() too", async () => {
  const inst = await wasm.instantiate(traps, { timeoutMs: 30 });
  await code(() => inst.callSync("forever"), E.Timeout);
  const loop = await wasm.compile(`(module
    (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
    (func (export "_start") (loop br 0)))`);
  await code(async () => (await wasm.instantiate(loop, { timeoutMs: 30 })).run(), E.Timeout);
  await code(() => wasm.instantiateSync(loop, { timeoutMs: 30 }).runSync(), E.Timeout);
  for (const bad of [-1, NaN, "5", Infinity]) await code(() => wasm.instantiate(traps, { timeoutMs: bad }), E.TypeError);
});

test("memory caps: the guest's grow gets -1, the host's grow 5006, a bomb 5013", async () => {
  const mem = await wasm.compile(fixtureText("memory.wat"));
  // 1 page `memory` + 2 pages `scratch`; the cap leaves room for 2 more.
  const inst = await wasm.instantiate(mem, { maxMemoryBytes: 5 * 65536 });
  assert.deepEqual(await inst.call("grow", 2), [1]);
  assert.deepEqual(await inst.call("grow", 1), [-1]);
  await code(() => inst.memory.grow(1), E.MemoryError);
  assert.equal(inst.memory.sizeSync(), 3);
  const bomb = await wasm.compile('(module (memory (export "memory") 16384))');
  await code(() => wasm.instantiate(bomb, { maxMemoryBytes: 1 << 20 }), E.LimitExceeded);
  const grower = await wasm.compile(`(module (memory (export "memory") 1)
    (func (export "bomb") (result i32) (loop $l (br_if $l (i32.ne (memory.grow (i32.const 1)) (i32.const -1)))) memory.size))`);
  const capped = await wasm.instantiate(grower, { maxMemoryBytes: 64 * 65536 });
  assert.deepEqual(await capped.call("bomb"), [64], "a grow loop stops at the cap");
});

test("table caps and maxInstances", async () => {
  const tables = await wasm.compile(`(module (table $t 1 funcref)
    (func (export "grow") (param i32) (result i32) ref.null func local.get 0 table.grow $t))`);
  const inst = await wasm.instantiate(tables, { maxTableElements: 10 });
  assert.deepEqual(await inst.call("grow", 9), [1]);
  assert.deepEqual(await inst.call("grow", 1), [-1]);
  await code(async () => wasm.instantiate(await wasm.compile("(module (table 100 funcref))"), { maxTableElements: 10 }), E.LimitExceeded);

  const rt = new Runtime({ maxInstances: 2 });
  const m = await rt.compile(fixtureText("add.wat"));
  const a = await rt.instantiate(m);
  rt.instantiateSync(m);
  await code(() => rt.instantiate(m), E.LimitExceeded);
  await a.drop();
  assert.deepEqual(await (await rt.instantiate(m)).call("answer"), [42]);
  await code(() => new Runtime({ maxInstances: -2 }), E.TypeError);
});

test("stack overflow is a trap, not a crash", async () => {
  const inst = await wasm.instantiate(traps);
  assert.equal((await code(() => inst.call("recurse", 0), E.CallError)).trap, "stack overflow");
  assert.equal((await code(() => inst.callSync("recurse", 0), E.CallError)).trap, "stack overflow");
});

test("policy: compileFile outside `read` and preopens outside `preopen` are 5009", async () => {
  const base = tempDir("policy");
  const allowed = join(base, "allowed");
  const outside = join(base, "outside");
  mkdirSync(allowed);
  mkdirSync(outside);
  copyFileSync(fixturePath("add.wat"), join(allowed, "ok.wat"));
  copyFileSync(fixturePath("add.wat"), join(outside, "no.wat"));
  symlinkSync(join(outside, "no.wat"), join(allowed, "link.wat"));
  symlinkSync(outside, join(allowed, "escape"));
  const rt = new Runtime({ policy: { read: [allowed], preopen: [allowed] } });
  assert.ok(await rt.compileFile(join(allowed, "ok.wat")));
  for (const p of [join(outside, "no.wat"), join(allowed, "link.wat"), join(allowed, "..", "outside", "no.wat")]) {
    await code(() => rt.compileFile(p), E.PermissionDenied);
  }
  const hello = await rt.compile(fixtureText("wasi_hello.wat"));
  assert.ok(await rt.instantiate(hello, { preopens: { "/d": allowed } }));
  await code(() => rt.instantiate(hello, { preopens: { "/d": outside } }), E.PermissionDenied);
  await code(() => rt.instantiate(hello, { preopens: { "/d": join(allowed, "escape") } }), E.PermissionDenied);
  await code(() => rt.instantiate(hello, { preopens: { "/d": join(allowed, "missing") } }), E.WasiError);
  await code(() => new Runtime({ policy: { read: "nope" } }), E.TypeError);
});

test("sandbox: escapes, absolute paths, links out and read-only writes are refused; host files untouched", async () => {
  const base = tempDir("sandbox");
  const root = join(base, "root");
  mkdirSync(join(root, "ro"), { recursive: true });
  writeFileSync(join(base, "secret.txt"), "host secret");
  writeFileSync(join(root, "ro", "keep.txt"), "keep");
  symlinkSync(join(base, "secret.txt"), join(root, "link"));
  const probe = await wasm.compileFile(fixturePath("c/sandbox.wasm"));
  const ops = [
    ["read", "/box/../secret.txt"], ["read", "/etc/passwd"], ["read", "/box/link"],
    ["write", "/box/../planted.txt"], ["write", "/ro/keep.txt"], ["write", "/ro/new.txt"],
    ["unlink", "/ro/keep.txt"], ["mkdir", "/ro/dir"], ["rename", "/ro/keep.txt", "/ro/moved.txt"],
  ];
  const inst = await wasm.instantiate(probe, {
    preopens: { "/box": root, "/ro": { path: join(root, "ro"), readonly: true } },
    args: ["sandbox", ...ops.flatMap(([op, path, arg = "-"]) => [op, path, arg])],
    captureStdout: true,
  });
  const { exitCode, stdout } = await inst.run();
  assert.equal(exitCode, 0);
  const lines = new TextDecoder().decode(stdout).trim().split("\n");
  assert.equal(lines.length, ops.length);
  for (const line of lines) assert.match(line, /: denied \(/);
  assert.equal(readFileSync(join(base, "secret.txt"), "utf8"), "host secret");
  assert.equal(readFileSync(join(root, "ro", "keep.txt"), "utf8"), "keep");
  assert.equal(existsSync(join(base, "planted.txt")), false);
  assert.equal(existsSync(join(root, "ro", "new.txt")), false);
});
