// Tiered compilation (baseline code first, optimized code for instances made
// once it is ready) and precompiled `.cwasm` artifacts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as wasm from "../lib/index.js";
import { expectCode, fixture, tempDir } from "./support.mjs";

const { Runtime, WasmError, ErrorCode } = wasm;

/**
 * Functions enough to put a module above the line under which a tiered
 * runtime compiles it optimized at once (64 KiB of code): about 80 KiB.
 */
const FILLER = Array.from({ length: 500 }, () => `(func (param i32) ${"local.get 0 i32.const 1000000 i32.add drop ".repeat(20)})`).join("\n");

const LOOP = `(module
  (func (export "sum") (param $n i32) (result i64) (local $acc i64)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (local.get $n))))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next)))
    (local.get $acc))
  (func (export "spin") (loop $l (br $l)))
  ${FILLER})`;

/** The kernels fixture's output for `args`, run by a runtime with `compiler`. */
async function kernels(rt, args, tierUp) {
  const id = rt.compileSync(fixture("c/kernels.wasm"));
  if (tierUp) await rt.tierUp(id);
  const inst = await rt.instantiate(id, { args: ["kernels", ...args], captureStdout: true });
  const tier = inst.tier;
  const { exitCode, stdout } = await inst.run();
  return { exitCode, tier, out: new TextDecoder().decode(stdout) };
}

test("under the default, a module with little code (the C kernels: 27 KiB) is compiled optimized at once", () => {
  const rt = new Runtime();
  const id = rt.compileSync(fixture("c/kernels.wasm"));
  assert.equal(rt.tier(id), "optimized");
  assert.equal(rt.instantiateSync(id, { args: ["kernels"] }).tier, "optimized");
  // With fuel too: metered code of the same compiler.
  assert.equal(rt.instantiateSync(id, { fuel: 1000 }).tier, "optimized");
  rt.close();
});

test("a tiered module runs baseline code first and optimized code once it is built", async () => {
  const rt = new Runtime();
  const id = rt.compileSync(LOOP);
  const early = rt.instantiateSync(id);
  assert.ok(["baseline", "optimized"].includes(early.tier));
  await rt.tierUp(id);
  assert.equal(rt.tier(id), "optimized");
  const late = rt.instantiateSync(id);
  assert.equal(late.tier, "optimized");
  // The early instance keeps its code, and both compute the same.
  assert.deepEqual(early.callSync("sum", 100000), late.callSync("sum", 100000));
  assert.deepEqual(late.callSync("sum", 100000), [5000050000n]);
  rt.close();
});

test("instances with fuel or a deadline get baseline code of their own kind, then optimized code", async () => {
  const rt = new Runtime();
  const id = rt.compileSync(LOOP);
  await rt.tierUp(id);
  const fueled = rt.instantiateSync(id, { fuel: 1_000_000 });
  // The plain build is optimized; fuel needs other code, made fast first.
  assert.equal(fueled.tier, "baseline");
  await expectCode(() => fueled.callSync("spin"), ErrorCode.FuelExhausted, WasmError);
  rt.tierUpSync(id);
  const later = rt.instantiateSync(id, { fuel: 1_000_000 });
  assert.equal(later.tier, "optimized");
  await expectCode(() => later.callSync("spin"), ErrorCode.FuelExhausted, WasmError);
  const timed = rt.instantiateSync(id, { timeoutMs: 50 });
  await expectCode(() => timed.call("spin"), ErrorCode.Timeout, WasmError);
  rt.close();
});

test("baseline, optimized and tiered code give the same results on the C kernels", async () => {
  const args = ["sha256", "1"];
  const results = [];
  for (const compiler of ["baseline", "optimized", "tiered"]) {
    const rt = new Runtime({ compiler });
    results.push({ compiler, ...(await kernels(rt, args, compiler === "tiered")) });
    rt.close();
  }
  assert.deepEqual(results.map((r) => r.tier), ["baseline", "optimized", "optimized"]);
  for (const r of results) {
    assert.equal(r.exitCode, 0, r.compiler);
    assert.equal(r.out, results[1].out, r.compiler);
  }
  assert.match(results[0].out, /sha256/);
});

test("compiler: \"baseline\" never tiers up and \"optimized\" never runs baseline code", async () => {
  const base = new Runtime({ compiler: "baseline" });
  const b = base.compileSync(LOOP);
  await base.tierUp(b);
  assert.equal(base.tier(b), "baseline");
  assert.equal(base.instantiateSync(b).tier, "baseline");
  assert.equal(base.instantiateSync(b, { fuel: 10 }).tier, "baseline");
  const opt = new Runtime({ compiler: "optimized" });
  const o = opt.compileSync(LOOP);
  assert.equal(opt.tier(o), "optimized");
  assert.equal(opt.instantiateSync(o, { timeoutMs: 1000 }).tier, "optimized");
  base.close();
  opt.close();
});

test("a module Winch cannot compile (tail calls) is optimized at once", () => {
  const rt = new Runtime();
  const id = rt.compileSync(`(module
    (func $down (param i32) (result i32)
      (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 7))
        (else (return_call $down (i32.sub (local.get 0) (i32.const 1))))))
    (func (export "f") (result i32) (call $down (i32.const 1000000))))`);
  assert.equal(rt.tier(id), "optimized");
  assert.deepEqual(rt.instantiateSync(id).callSync("f"), [7]);
  assert.deepEqual(rt.instantiateSync(id, { fuel: 1e9 }).callSync("f"), [7]);
  rt.close();
});

test("the compiler option is checked", async () => {
  await expectCode(() => new Runtime({ compiler: "fast" }), ErrorCode.TypeError, WasmError);
  const e = await expectCode(() => new Runtime({ compiler: 1 }), ErrorCode.TypeError, WasmError);
  assert.match(e.message, /compiler must be a string, got number/);
  await expectCode(() => new Runtime({ allowPrecompiled: "yes" }), ErrorCode.TypeError, WasmError);
  await expectCode(() => wasm.tier("nope"), ErrorCode.InvalidModuleHandle, WasmError);
  await expectCode(() => wasm.tierUp("nope"), ErrorCode.InvalidModuleHandle, WasmError);
});

test("a .cwasm artifact is loaded only by a runtime that allows precompiled code", async () => {
  const dir = tempDir("cwasm");
  const file = join(dir, "loop.cwasm");
  const artifact = await wasm.precompile(LOOP);
  assert.deepEqual(wasm.precompileSync(LOOP), artifact, "both forms write the same artifact");
  writeFileSync(file, artifact);
  const e = await expectCode(() => wasm.compileFileSync(file), ErrorCode.PermissionDenied, WasmError);
  assert.match(e.message, /precompiled artifact \(native code\).*allowPrecompiled/);
  await expectCode(() => wasm.compileFile(file), ErrorCode.PermissionDenied, WasmError);

  const rt = new Runtime({ allowPrecompiled: true });
  const id = await rt.compileFile(file);
  assert.equal(rt.tier(id), "optimized");
  assert.deepEqual(rt.instantiateSync(id).callSync("sum", 10), [55n]);
  // The artifact carries the module's bytes: metered code is built from them.
  const fueled = rt.instantiateSync(id, { fuel: 1000 });
  await expectCode(() => fueled.callSync("spin"), ErrorCode.FuelExhausted, WasmError);
  assert.deepEqual(rt.moduleInfo(id).exports.map((x) => x.name), ["sum", "spin"]);

  // Truncated, or native code that is not an artifact of this runtime: 5000.
  const bytes = readFileSync(file);
  writeFileSync(join(dir, "short.cwasm"), bytes.subarray(0, bytes.length - 3));
  await expectCode(() => rt.compileFileSync(join(dir, "short.cwasm")), ErrorCode.CompileError, WasmError);
  copyFileSync("/bin/true", join(dir, "node.cwasm"));
  await expectCode(() => rt.compileFileSync(join(dir, "node.cwasm")), ErrorCode.CompileError, WasmError);
  rt.close();
  // A damaged image is refused by the engine (in a runtime that has not
  // loaded this module already: identical module bytes share their code).
  const flipped = Buffer.from(bytes);
  flipped[5] ^= 0xff;
  writeFileSync(join(dir, "flipped.cwasm"), flipped);
  const fresh = new Runtime({ allowPrecompiled: true });
  const bad = await expectCode(() => fresh.compileFileSync(join(dir, "flipped.cwasm")), ErrorCode.CompileError, WasmError);
  assert.match(bad.message, /cannot be loaded as precompiled code of this engine/);
  fresh.close();
});

test("the WebAssembly namespace compiles optimized code only (its instances keep what they are made with)", async () => {
  const { WebAssembly: W } = await import("../lib/webassembly/index.js");
  const { internals } = await import("../lib/internals.js");
  const module = new W.Module(wasm.wat2wasm(LOOP));
  assert.equal(internals.namespaceTier(module), "optimized");
  assert.equal(new W.Instance(module).exports.sum(10), 55n);
});
