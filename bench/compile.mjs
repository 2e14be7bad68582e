// Compiling a large generated module: cold, from runtime-wasm's disk cache
// (a fresh runtime, as a second process would be), and Node's own compile.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as wasm from "../lib/index.js";
import { format, median } from "./support.mjs";

/** A module of `n` functions, each a small arithmetic kernel. */
function generate(n) {
  const funcs = Array.from({ length: n }, (_, i) => `(func (export "f${i}") (param i32) (result i32)
    (local i32) (local.set 1 (i32.const ${i}))
    (loop $l (local.set 1 (i32.add (i32.mul (local.get 1) (i32.const 31)) (local.get 0)))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1))) (br_if $l (i32.gt_s (local.get 0) (i32.const 0))))
    (i32.xor (local.get 1) (i32.const ${i * 7})))`);
  return wasm.wat2wasm(`(module ${funcs.join("\n")})`);
}

const bytes = generate(12_000);
const cacheDir = mkdtempSync(join(tmpdir(), "runtime-wasm-bench-cache-"));
const rounds = { cold: [], cached: [], node: [] };
for (let r = 0; r < 5; r++) {
  let t = performance.now();
  new wasm.Runtime().compileSync(bytes);
  rounds.cold.push(performance.now() - t);
  if (r === 0) new wasm.Runtime({ cacheDir }).compileSync(bytes); // fill the cache
  t = performance.now();
  new wasm.Runtime({ cacheDir }).compileSync(bytes);
  rounds.cached.push(performance.now() - t);
  t = performance.now();
  new WebAssembly.Module(bytes);
  rounds.node.push(performance.now() - t);
}
rmSync(cacheDir, { recursive: true, force: true });
const [cold, cached, node] = [median(rounds.cold), median(rounds.cached), median(rounds.node)].map((ms) => ms * 1e6);
console.log(`\ncompile a ${(bytes.length / 2 ** 20).toFixed(2)} MiB module (12,000 functions)`);
console.log(`  runtime-wasm, cold                   ${format(cold).padStart(10)}  ${(cold / node).toFixed(2)}× node`);
console.log(`  runtime-wasm, from cacheDir          ${format(cached).padStart(10)}  ${(cached / node).toFixed(2)}× node`);
console.log(`  node new WebAssembly.Module          ${format(node).padStart(10)}`);
