// JSPI per call: a `WebAssembly.promising` call whose `Suspending` import
// returns an already-resolved Promise, awaited one after another; runtime-
// wasm's namespace on this Node against Node 26's own JSPI, each in a child
// process, rounds interleaved, medians and the ratio printed.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { currentNode, format, median, record } from "./support.mjs";

/**
 *   (module
 *     (import "env" "get" (func $g (param i32) (result i32)))
 *     (func (export "run") (param i32) (result i32)
 *       (i32.add (call $g (local.get 0)) (i32.const 1))))
 */
const WASM = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f,
  0x02, 0x0b, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x67, 0x65, 0x74, 0x00, 0x00,
  0x03, 0x02, 0x01, 0x00,
  0x07, 0x07, 0x01, 0x03, 0x72, 0x75, 0x6e, 0x00, 0x01,
  0x0a, 0x0b, 0x01, 0x09, 0x00, 0x20, 0x00, 0x10, 0x00, 0x41, 0x01, 0x6a, 0x0b,
]);
const CALLS = 5_000;
const ROUNDS = 5;
const self = fileURLToPath(import.meta.url);

/** Child: `CALLS` promising calls one after another; prints ns per call. */
async function child(kind) {
  const W = kind === "ours" ? (await import("../lib/webassembly/index.js")).WebAssembly : globalThis.WebAssembly;
  const get = new W.Suspending((x) => Promise.resolve(x));
  const { instance } = await W.instantiate(WASM, { env: { get } });
  const run = W.promising(instance.exports.run);
  for (let k = 0; k < 500; k++) await run(k); // warm up
  const t0 = process.hrtime.bigint();
  let sum = 0;
  for (let k = 0; k < CALLS; k++) sum += await run(k);
  const ns = Number(process.hrtime.bigint() - t0) / CALLS;
  if (sum !== (CALLS * (CALLS - 1)) / 2 + CALLS) throw new Error(`wrong results: ${sum}`);
  console.log(JSON.stringify({ ns }));
}

function run(node, kind) {
  const r = spawnSync(node, ["--no-warnings", self, "--child", kind], { encoding: "utf8", timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${kind} on ${node}: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()).ns;
}

async function main() {
  const title = "JSPI: a promising call whose import returns a resolved Promise, one after another";
  console.log(`\n${title}`);
  const node26 = currentNode();
  if (node26 === null) {
    console.log("  no Node 26 here: not compared");
    return;
  }
  const samples = { ours: [], native: [] };
  for (let r = 0; r < ROUNDS; r++) {
    samples.ours.push(run(process.execPath, "ours"));
    samples.native.push(run(node26, "native"));
  }
  const ours = median(samples.ours), native = median(samples.native);
  console.log(`  runtime-wasm namespace, Node ${process.versions.node.padEnd(10)} ${format(ours).padStart(10)} per call`);
  console.log(`  Node 26's own JSPI                ${format(native).padStart(10)} per call`);
  console.log(`  ratio: ${(ours / native).toFixed(2)}× Node 26's JSPI (medians of ${ROUNDS} runs of ${CALLS} calls)`);
  record(title, { runtimeWasmNs: ours, node26JspiNs: native, ratio: ours / native });
}

if (process.argv[2] === "--child") await child(process.argv[3]);
else await main();
