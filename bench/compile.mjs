// Compiling large generated modules (~1 MB and ~10 MB): cold with each
// compiler (tiered is Winch's baseline compile; its optimized build follows in
// the background), from runtime-wasm's disk cache (a fresh runtime, as a
// second process would be), and Node's own compile of the same bytes.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as wasm from "../lib/index.js";
import { median, report } from "./support.mjs";

/** A module of `n` exported functions, each `loops` small arithmetic loops. */
function generate(n, loops) {
  const loop = (i, k) => `(local.set 0 (i32.add (local.get 0) (i32.const ${k})))
    (loop $l${k} (local.set 1 (i32.add (i32.mul (local.get 1) (i32.const ${31 + k})) (local.get 0)))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1))) (br_if $l${k} (i32.gt_s (local.get 0) (i32.const 0))))`;
  const funcs = Array.from({ length: n }, (_, i) => `(func (export "f${i}") (param i32) (result i32)
    (local i32) (local.set 1 (i32.const ${i}))
    ${Array.from({ length: loops }, (_, k) => loop(i, k)).join("\n")}
    (i32.xor (local.get 1) (i32.const ${i * 7})))`);
  return wasm.wat2wasm(`(module ${funcs.join("\n")})`);
}

const ms = (t) => performance.now() - t;
for (const [functions, loops, rounds] of [[17_000, 1, 5], [17_000, 15, 3]]) {
  const bytes = generate(functions, loops);
  const cacheDir = mkdtempSync(join(tmpdir(), "runtime-wasm-bench-cache-"));
  const times = { cold: [], optimized: [], cached: [], node: [] };
  for (let r = 0; r < rounds; r++) {
    let t = performance.now();
    const tiered = new wasm.Runtime();
    const id = tiered.compileSync(bytes);
    times.cold.push(ms(t));
    tiered.tierUpSync(id); // its background build is not measured, nor left running
    t = performance.now();
    new wasm.Runtime({ compiler: "optimized" }).compileSync(bytes);
    times.optimized.push(ms(t));
    if (r === 0) new wasm.Runtime({ cacheDir, compiler: "optimized" }).compileSync(bytes); // fill the cache
    t = performance.now();
    new wasm.Runtime({ cacheDir }).compileSync(bytes);
    times.cached.push(ms(t));
    t = performance.now();
    new WebAssembly.Module(bytes);
    times.node.push(ms(t));
  }
  rmSync(cacheDir, { recursive: true, force: true });
  const medians = Object.fromEntries(Object.entries({
    "runtime-wasm, cold, tiered (baseline)": times.cold,
    "runtime-wasm, cold, optimized": times.optimized,
    "runtime-wasm, from cacheDir": times.cached,
    "node new WebAssembly.Module": times.node,
  }).map(([k, v]) => [k, median(v) * 1e6]));
  report(`compile a ${(bytes.length / 2 ** 20).toFixed(2)} MiB module (${functions.toLocaleString("en")} functions)`,
    medians, "node new WebAssembly.Module");
}
