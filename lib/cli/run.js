// `runtime-wasm run`: a WASI command (a module's `_start`, a component's
// `wasi:cli/run`), or one export with --invoke, in the sandbox; a first run
// on baseline code fills the cache from a detached process, so the next run
// starts on optimized code.
import { fileURLToPath } from "node:url";
import * as wasm from "../index.js";
import { argument, parseRun, Usage } from "./args.js";
import { withStatus } from "./status.js";

export const RUN_HELP = `Usage: runtime-wasm run [options] FILE [ARGS...]

Runs FILE (a .wasm binary or WAT text, a module or a component) in the sandbox:
its WASI \`_start\` (a component's \`wasi:cli/run\`), exiting with the guest's exit
code, or with --invoke one export, printing each result on its own line.
Options come before FILE; everything after FILE goes to the guest
(its argv after FILE, or --invoke's arguments, converted by the export's signature).

Options (as wasmtime spells them; \`--opt VALUE\` and \`--opt=VALUE\` both work):
  --dir HOST[::GUEST]          preopen host directory HOST read-write as GUEST (default: HOST); repeatable
  --ro-dir HOST[::GUEST]       the same, read-only (not a wasmtime flag); repeatable
  --env NAME=VALUE             set guest environment variable NAME; repeatable
  --env NAME                   pass NAME with its value in this process (left unset if unset here)
  -W, --wasm OPT=VALUE[,...]   wasm limits, comma-separated or repeated:
      fuel=N                   stop the guest after N units of fuel (error 5011 FuelExhausted)
      timeout=DURATION         stop each call after DURATION (error 5012 Timeout):
                               N (seconds), Ns, Nms, Nus, Nns, as wasmtime reads it
      max-memory-size=BYTES    linear memory cannot grow past BYTES, all memories together
                               (memory.grow returns -1)
  --fuel N                     alias of -W fuel=N
  --timeout MS                 alias of -W timeout=MSms (milliseconds)
  --max-memory BYTES           alias of -W max-memory-size=BYTES
  --invoke NAME                call export NAME with ARGS instead of running _start
                               (a module's export; not for components)
  --allow-precompiled          FILE may be a .cwasm written by runtime-wasm compile: native
                               code, loaded as it is (without the flag: error 5009)
  --cache-dir DIR              cache compiled code in DIR (also for compile --cache)
  --no-cache                   neither read nor fill the cache
  -q, --quiet                  no status line on stderr while a compile runs past a second
                               (shown only when stderr is a terminal)
  -h, --help                   print this text

Compiled code is cached in $XDG_CACHE_HOME/runtime-wasm (~/.cache/runtime-wasm
when XDG_CACHE_HOME is unset). A first run starts on baseline code, compiled
fast; after it, a background process puts the optimized code into the cache,
which later runs start from.

Numbers (N, BYTES, MS) are whole and non-negative: decimal digits, \`_\` allowed
between them, or 0x hex; anything else is a usage error (status 2).
A trap prints its kind (\`trap: unreachable\`) and the wasm backtrace; a guest that
calls proc_exit(n), under --invoke too, exits with status n.`;

export async function run(argv) {
  const { help, file, args, opts, invoke, cache, quiet } = parseRun(argv);
  if (help) {
    console.log(RUN_HELP);
    return 0;
  }
  const rt = new wasm.Runtime({ cacheDir: cache.dir, allowPrecompiled: cache.precompiled });
  const id = await withStatus(rt.compileFile(file), { file, compiler: "tiered", quiet });
  if (invoke !== undefined && rt.moduleInfo(id).kind === "component") {
    throw new Usage(`--invoke calls a module's export; ${file} is a component: run it as a WASI command (without --invoke), or call its functions through the API (instance.call)`, "runtime-wasm run --help");
  }
  if (cache.dir !== undefined && rt.tier(id) === "baseline") await fillCache(file, cache.dir);
  const inst = await rt.instantiate(id, { ...opts, args: [file, ...(invoke ? [] : args)] });
  if (invoke === undefined) return (await inst.run()).exitCode;
  const fn = inst.getExports().find((e) => e.name === invoke && e.kind === "func");
  if (!fn) throw new wasm.WasmError(wasm.ErrorCode.ExportNotFound, `no func export named \`${invoke}\` in ${file}`);
  if (fn.params.length !== args.length) {
    throw new Usage(`${invoke} takes ${fn.params.length} argument(s) (${fn.params.join(", ")}), got ${args.length}`, "runtime-wasm run --help");
  }
  let results;
  try {
    results = await inst.call(invoke, ...args.map((a, k) => argument(a, fn.params[k])));
  } catch (e) {
    // proc_exit(n) inside the export: the process exits n, as wasmtime does.
    if (e instanceof wasm.WasmError && typeof e.exitCode === "number") return e.exitCode;
    throw e;
  }
  for (const v of results) console.log(String(v));
  return 0;
}

/**
 * Builds FILE's optimized code into the cache in a detached process, so that
 * this run ends when its guest does and the next run starts optimized.
 */
async function fillCache(file, dir) {
  // Imported here: a start from the cache needs no child processes.
  const { spawn } = await import("node:child_process");
  const cli = fileURLToPath(new URL("../../bin/runtime-wasm.js", import.meta.url));
  const child = spawn(process.execPath, [cli, "compile", "--cache", "--cache-dir", dir, file], { detached: true, stdio: "ignore" });
  child.on("error", () => {}); // a cache not filled costs only a compile
  child.unref();
}

