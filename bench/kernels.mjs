// Compute kernels written in C (fixtures/c/kernels.c) run as WASI commands:
// runtime-wasm (optimized code, tiering done) against node:wasi on the same
// .wasm, interleaved, median of five runs each: the warm figures. Outputs are
// compared so both did the same work. First runs in a fresh process are in
// bench/startup.mjs.
import { closeSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WASI } from "node:wasi";
import * as wasm from "../lib/index.js";
import { format, median, record } from "./support.mjs";

const bytes = readFileSync(new URL("../fixtures/c/kernels.wasm", import.meta.url));
const nodeModule = new WebAssembly.Module(bytes);
const id = await wasm.compile(bytes);
await wasm.tierUp(id);
const kernels = [["sha256", "64"], ["nbody", "5000000"], ["mandelbrot", "1600"]];

async function ours(args) {
  const inst = await wasm.instantiate(id, { args: ["kernels", ...args], captureStdout: true });
  const { exitCode, stdout } = await inst.run();
  if (exitCode !== 0) throw new Error(`kernels ${args} exited ${exitCode}`);
  return new TextDecoder().decode(stdout);
}

function node(args) {
  const out = join(tmpdir(), `runtime-wasm-kernel-${process.pid}.txt`);
  const fd = openSync(out, "w");
  try {
    const wasi = new WASI({ version: "preview1", args: ["kernels", ...args], stdout: fd, returnOnExit: true });
    const instance = new WebAssembly.Instance(nodeModule, wasi.getImportObject());
    const code = wasi.start(instance);
    if (code !== 0) throw new Error(`node:wasi kernels ${args} exited ${code}`);
  } finally {
    closeSync(fd);
  }
  const text = readFileSync(out, "utf8");
  rmSync(out, { force: true });
  return text;
}

console.log("\ncompute kernels (C compiled to wasm32-wasi), wall time per run");
const ratios = [];
for (const args of kernels) {
  const times = { ours: [], node: [] };
  let outputs;
  for (let r = 0; r < 5; r++) {
    let t = performance.now();
    const a = await ours(args);
    times.ours.push(performance.now() - t);
    t = performance.now();
    const b = node(args);
    times.node.push(performance.now() - t);
    if (a !== b) throw new Error(`outputs differ: ${a} vs ${b}`);
    outputs = a.trim();
  }
  const [o, n] = [median(times.ours) * 1e6, median(times.node) * 1e6];
  ratios.push(o / n);
  record(`kernel ${args.join(" ")}`, { runtimeWasmNs: o, nodeWasiNs: n, ratio: o / n });
  console.log(`  ${args.join(" ").padEnd(22)} runtime-wasm ${format(o).padStart(10)}   node:wasi ${format(n).padStart(10)}   ${(o / n).toFixed(2)}×   (${outputs})`);
}
const geomean = Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length);
record("kernels geometric mean", { ratio: geomean });
console.log(`  geometric mean of the ratios: ${geomean.toFixed(2)}× node:wasi`);
