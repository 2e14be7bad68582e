import test from "node:test";
import assert from "node:assert/strict";
import * as wasm from "../lib/index.js";
import { fixture, fixtureText, prng } from "./support.mjs";

const { ErrorCode: E, WasmError } = wasm;

// Binaries of every WAT fixture get bit flips and truncations; the C
// programs (whose valid mutants take long to compile) get truncations.
const watFixtures = ["add.wat", "memory.wat", "counter.wat", "traps.wat", "imports.wat", "start_trap.wat", "wasi_hello.wat", "clock.wat"];
const small = watFixtures.map((name) => wasm.wat2wasm(fixtureText(name)));
const large = ["c/files.wasm", "c/sandbox.wasm"].map((name) => new Uint8Array(fixture(name)));

function truncate(rand, bytes) {
  return bytes.subarray(0, 8 + Math.floor(rand() * (bytes.length - 9)));
}

function mutate(rand, i) {
  if (i % 10 === 9) return truncate(rand, large[i % large.length]);
  const out = Uint8Array.from(small[i % small.length]);
  const kind = Math.floor(rand() * 3);
  if (kind === 0) return truncate(rand, out);
  for (let k = 0, n = 1 + Math.floor(rand() * 4); k < n; k++) {
    out[Math.floor(rand() * out.length)] ^= 1 << Math.floor(rand() * 8);
  }
  return kind === 2 ? out.subarray(0, out.length - 1 - Math.floor(rand() * Math.min(16, out.length - 9))) : out;
}

test("10,000 malformed modules give 5000, never another code or a crash", () => {
  for (const bin of [...small, ...large]) assert.equal(wasm.validate(bin), true);
  const rand = prng(0x5eed);
  let rejected = 0;
  let accepted = 0;
  for (let i = 0; i < 10_000; i++) {
    const bytes = mutate(rand, i);
    const valid = wasm.validate(bytes);
    try {
      wasm.dropModule(wasm.compileSync(bytes));
      accepted++;
      assert.equal(valid, true, `mutant ${i} compiled although validate() said no`);
    } catch (e) {
      rejected++;
      assert.ok(e instanceof WasmError, `mutant ${i}: ${e}`);
      assert.equal(e.code, E.CompileError, `mutant ${i}: ${e.message}`);
      assert.equal(valid, false, `mutant ${i} failed to compile although validate() said yes`);
    }
  }
  // Some bit flips land in data or constants and leave a valid module.
  assert.ok(rejected >= 7_000, `${rejected} rejected, ${accepted} still valid`);
  const inst = wasm.instantiateSync(wasm.compileSync(fixtureText("add.wat")));
  assert.deepEqual(inst.callSync("add", 1, 2), [3], "the process is healthy");
});

test("malformed WAT text gives 5000", () => {
  const rand = prng(7);
  const text = fixtureText("traps.wat");
  for (let i = 0; i < 500; i++) {
    const at = Math.floor(rand() * text.length);
    const broken = text.slice(0, at) + "(" + text.slice(at + 1);
    try {
      wasm.compileSync(broken);
    } catch (e) {
      assert.equal(e.code, E.CompileError, e.message);
    }
  }
});
