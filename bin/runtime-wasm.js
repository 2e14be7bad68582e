#!/usr/bin/env node
// The runtime-wasm command line, built on the library: run WASI commands or
// single exports in the sandbox, inspect and validate modules. `run` takes
// wasmtime's spelling of the flags wasmtime has (`--dir`, `--env`, `-W fuel=…`,
// `-W timeout=…`, `-W max-memory-size=…`, `--invoke`).
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, readSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import * as wasm from "../lib/index.js";

const VERSION = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version;

const HELP = `Usage: runtime-wasm <command> [options]

Commands:
  run [options] FILE [ARGS...]   run a WASI command (or --invoke an export) and exit with its exit code
  compile FILE [-o OUT]          write FILE's optimized native code to OUT (default: FILE as .cwasm)
  compile --cache FILE           put FILE's optimized code into the cache (what run does after a first run)
  inspect FILE                   print imports and exports with their types
  validate FILE                  check that FILE compiles; exit 0 if it does, 1 if not
  help [run|compile]             print this text (or run's, compile's)

Options:
  -h, --help                     print this text
  -V, --version                  print runtime-wasm's version

Options for run (wasmtime's spelling; see runtime-wasm run --help):
  --dir HOST[::GUEST]            preopen a host directory read-write
  --ro-dir HOST[::GUEST]         preopen a host directory read-only
  --env NAME=VALUE | --env NAME  set a guest environment variable, or inherit NAME from this process
  -W fuel=N                      stop the guest after N units of fuel (error 5011)     alias: --fuel N
  -W timeout=DURATION            stop a call after DURATION (error 5012)               alias: --timeout MS
  -W max-memory-size=BYTES       cap linear memory at BYTES                            alias: --max-memory BYTES
  --invoke NAME                  call export NAME with ARGS and print its results
  --allow-precompiled            let FILE be a .cwasm from runtime-wasm compile (native code)
  --cache-dir DIR | --no-cache   where compiled code is cached (default $XDG_CACHE_HOME/runtime-wasm)

FILE is a .wasm binary or WAT text. Errors print with their code:
  runtime-wasm: error 5000 CompileError: ...
and exit with status 1; a usage error exits with status 2.`;

const RUN_HELP = `Usage: runtime-wasm run [options] FILE [ARGS...]

Runs FILE (a .wasm binary or WAT text) in the sandbox: its WASI \`_start\`, exiting
with the guest's exit code, or with --invoke one export, printing each result on
its own line. Options come before FILE; everything after FILE goes to the guest
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
  --allow-precompiled          FILE may be a .cwasm written by runtime-wasm compile: native
                               code, loaded as it is (without the flag: error 5009)
  --cache-dir DIR              cache compiled code in DIR (also for compile --cache)
  --no-cache                   neither read nor fill the cache
  -h, --help                   print this text

Compiled code is cached in $XDG_CACHE_HOME/runtime-wasm (~/.cache/runtime-wasm
when XDG_CACHE_HOME is unset). A first run starts on baseline code, compiled
fast; after it, a background process puts the optimized code into the cache,
which later runs start from.

Numbers (N, BYTES, MS) are whole and non-negative: decimal digits, \`_\` allowed
between them, or 0x hex; anything else is a usage error (status 2).
A trap prints its kind (\`trap: unreachable\`) and the wasm backtrace; a guest that
calls proc_exit(n), under --invoke too, exits with status n.`;

class Usage extends Error {
  constructor(message, help = "runtime-wasm --help") {
    super(message);
    this.help = help;
  }
}

const RUN_OPTIONS = {
  dir: { type: "string", multiple: true },
  "ro-dir": { type: "string", multiple: true },
  env: { type: "string", multiple: true },
  wasm: { type: "string", short: "W", multiple: true },
  fuel: { type: "string" },
  timeout: { type: "string" },
  "max-memory": { type: "string" },
  invoke: { type: "string" },
  "allow-precompiled": { type: "boolean" },
  "cache-dir": { type: "string" },
  "no-cache": { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

/** The cache directory the CLI uses unless told otherwise. */
function defaultCacheDir() {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "runtime-wasm");
}

/** parseArgs, with its errors as usage errors in our words. */
function parse(args, options, help) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false, tokens: true });
  } catch (e) {
    if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      throw new Usage(`unknown option ${/'([^']*)'/.exec(e.message)?.[1] ?? e.message}`, help);
    }
    if (e.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      const name = /'(-[^' ]*)/.exec(e.message)?.[1];
      throw new Usage(name ? `${name} needs a value` : e.message, help);
    }
    throw new Usage(e.message, help);
  }
}

/** A whole non-negative number as wasmtime reads u64/usize options: digits with `_` between, or 0x hex. */
function whole(text, what, max = 2n ** 64n - 1n) {
  const digits = text.replaceAll("_", "");
  const ok = /^[0-9]+$/.test(digits) || /^0x[0-9a-fA-F]+$/.test(digits);
  if (!ok || text.startsWith("_")) throw new Usage(`${what} takes a whole non-negative number, got "${text}"`, "runtime-wasm run --help");
  const n = BigInt(digits);
  if (n > max) throw new Usage(`${what} is too large: ${text} (at most ${max})`, "runtime-wasm run --help");
  return n;
}

/** A duration as wasmtime reads `-W timeout=`: N (seconds), Ns, Nms, Nus (or μs), Nns. In milliseconds. */
function duration(text, what) {
  const m = /^([0-9]+)(s|ms|us|μs|ns)?$/.exec(text);
  if (!m) throw new Usage(`${what} takes a duration (N seconds, or Ns, Nms, Nus, Nns), got "${text}"`, "runtime-wasm run --help");
  const per = { s: 1000, ms: 1, us: 1e-3, μs: 1e-3, ns: 1e-6 }[m[2] ?? "s"];
  const ms = Number(m[1]) * per;
  if (!Number.isSafeInteger(Math.ceil(ms))) throw new Usage(`${what} is too long: ${text}`, "runtime-wasm run --help");
  return ms;
}

const MAX_BYTES = BigInt(Number.MAX_SAFE_INTEGER);

/** One `-W` word: `fuel=N,timeout=D,...`. */
function wasmOptions(text, limits) {
  for (const item of text.split(",")) {
    const eq = item.indexOf("=");
    const key = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? undefined : item.slice(eq + 1);
    if (key === "help") {
      limits.wasmHelp = true;
      continue;
    }
    if (!["fuel", "timeout", "max-memory-size"].includes(key)) {
      throw new Usage(`-W ${key || item} is not supported (runtime-wasm takes -W fuel=N, timeout=DURATION, max-memory-size=BYTES)`, "runtime-wasm run --help");
    }
    if (value === undefined || value === "") throw new Usage(`-W ${key} needs a value (-W ${key}=...)`, "runtime-wasm run --help");
    if (key === "fuel") limits.fuel = whole(value, "-W fuel");
    else if (key === "timeout") limits.timeoutMs = duration(value, "-W timeout");
    else limits.maxMemoryBytes = Number(whole(value, "-W max-memory-size", MAX_BYTES));
  }
}

/** `HOST[::GUEST]` as wasmtime splits it. */
function directory(text, flag) {
  const sep = text.indexOf("::");
  const host = sep < 0 ? text : text.slice(0, sep);
  const guest = sep < 0 ? text : text.slice(sep + 2);
  if (!host || !guest) throw new Usage(`${flag} takes HOST[::GUEST], got "${text}"`, "runtime-wasm run --help");
  return [host, guest];
}

/**
 * `run`'s command line: options up to FILE (parsed by parseArgs), then FILE,
 * then the guest's own words, untouched even when they look like options.
 */
function parseRun(argv) {
  // A lenient pass only to find where FILE is: the first positional word
  // (options that take a value consume theirs, `--` ends the options).
  const { tokens: scan } = parseArgs({ args: argv, options: RUN_OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const at = scan.find((t) => t.kind === "positional")?.index ?? argv.length;
  const { tokens } = parse(argv.slice(0, at), RUN_OPTIONS, "runtime-wasm run --help");
  const [file, ...args] = argv.slice(at);

  const preopens = new Map();
  const env = new Map();
  const limits = {};
  let invoke;
  let help = false;
  const cache = { dir: defaultCacheDir(), precompiled: false };
  for (const t of tokens) {
    if (t.kind !== "option") continue;
    const flag = t.rawName.startsWith("--") ? `--${t.name}` : t.rawName;
    const v = t.value;
    switch (t.name) {
      case "dir":
      case "ro-dir": {
        const [host, guest] = directory(v, flag);
        if (preopens.has(guest)) throw new Usage(`guest directory "${guest}" is preopened twice`, "runtime-wasm run --help");
        preopens.set(guest, { path: host, readonly: t.name === "ro-dir" });
        break;
      }
      case "env": {
        const eq = v.indexOf("=");
        const name = eq < 0 ? v : v.slice(0, eq);
        if (!name) throw new Usage(`--env takes NAME=VALUE or NAME, got "${v}"`, "runtime-wasm run --help");
        if (eq >= 0) env.set(name, v.slice(eq + 1));
        else if (Object.hasOwn(process.env, name)) env.set(name, process.env[name]);
        else env.delete(name); // like wasmtime: unset here, unset in the guest
        break;
      }
      case "wasm":
        wasmOptions(v, limits);
        break;
      case "fuel":
        limits.fuel = whole(v, "--fuel");
        break;
      case "timeout":
        limits.timeoutMs = Number(whole(v, "--timeout", MAX_BYTES));
        break;
      case "max-memory":
        limits.maxMemoryBytes = Number(whole(v, "--max-memory", MAX_BYTES));
        break;
      case "invoke":
        if (!v) throw new Usage("--invoke needs an export name", "runtime-wasm run --help");
        invoke = v;
        break;
      case "allow-precompiled":
        cache.precompiled = true;
        break;
      case "cache-dir":
        if (!v) throw new Usage("--cache-dir needs a directory", "runtime-wasm run --help");
        cache.dir = v;
        break;
      case "no-cache":
        cache.dir = undefined;
        break;
      case "help":
        help = true;
        break;
    }
  }
  const { wasmHelp, ...rest } = limits;
  if (help || wasmHelp) return { help: true };
  if (!file) throw new Usage("run needs a FILE", "runtime-wasm run --help");
  const opts = {
    preopens: Object.fromEntries(preopens),
    env: Object.fromEntries(env),
    inheritStdin: true,
    inheritStdout: true,
    inheritStderr: true,
    ...rest,
  };
  return { file, args, opts, invoke, cache };
}

const INT = /^[+-]?(?:[0-9]+|0x[0-9a-fA-F]+)$/;

/** A command-line word as an argument of wasm type `type`. */
function argument(text, type) {
  const bad = () => new Usage(`"${text}" is not ${type === "i32" || type === "i64" ? "an integer" : "a number"} (an ${type} argument)`, "runtime-wasm run --help");
  if (type === "i32" || type === "i64" || type === "v128") {
    if (!INT.test(text)) throw bad();
    const negative = text.startsWith("-");
    const n = BigInt(text.replace(/^[+-]/, ""));
    const signed = negative ? -n : n;
    if (type === "i32") {
      if (signed < -(2n ** 31n) || signed >= 2n ** 32n) throw new Usage(`"${text}" does not fit an i32`, "runtime-wasm run --help");
      return Number(signed);
    }
    return signed;
  }
  if (type === "f32" || type === "f64") {
    const special = { nan: NaN, inf: Infinity, "+inf": Infinity, "-inf": -Infinity, infinity: Infinity, "-infinity": -Infinity };
    if (Object.hasOwn(special, text.toLowerCase())) return special[text.toLowerCase()];
    const n = Number(text);
    if (text.trim() === "" || Number.isNaN(n)) throw bad();
    return n;
  }
  throw new Usage(`an argument of type ${type} cannot be given on the command line`, "runtime-wasm run --help");
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** Where WAT text begins, past whitespace and comments; -1 when the text has nothing but those. */
function watStart(text) {
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i])) i++;
    else if (text.startsWith(";;", i)) {
      const nl = text.indexOf("\n", i);
      i = nl < 0 ? text.length : nl + 1;
    } else if (text.startsWith("(;", i)) {
      let depth = 0;
      do {
        if (text.startsWith("(;", i)) { depth++; i += 2; }
        else if (text.startsWith(";)", i)) { depth--; i += 2; }
        else i++;
      } while (depth > 0 && i < text.length);
    } else return i;
  }
  return -1;
}

/** FILE's bytes, checked to be a wasm binary or WAT text before they reach the compiler. */
function load(file) {
  let bytes;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new wasm.WasmError(wasm.ErrorCode.IoError, `cannot read \`${file}\`: ${e.message}`);
  }
  if (bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d) return bytes;
  let text;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new wasm.WasmError(wasm.ErrorCode.CompileError,
      `${file} is neither a wasm binary (it does not start with the \\0asm magic) nor WAT text (it is not UTF-8)`, { offset: 0 });
  }
  const start = watStart(text);
  if (start >= 0 && text[start] !== "(") {
    const line = text.slice(0, start).split("\n").length;
    throw new wasm.WasmError(wasm.ErrorCode.CompileError,
      `${file} is neither a wasm binary (it does not start with the \\0asm magic) nor WAT text (line ${line} starts with ${JSON.stringify(text.slice(start, start + 12))}, not "(")`);
  }
  return text;
}

/** Compiles FILE; a WAT syntax error names FILE where the parser said `<anon>`. */
async function compile(file, rt = wasm.getDefaultRuntime()) {
  const source = load(file);
  try {
    return await rt.compile(source);
  } catch (e) {
    if (e instanceof wasm.WasmError && typeof source === "string") e.message = e.message.replaceAll("<anon>", file);
    throw e;
  }
}

async function run(argv) {
  const { help, file, args, opts, invoke, cache } = parseRun(argv);
  if (help) {
    console.log(RUN_HELP);
    return 0;
  }
  const rt = new wasm.Runtime({ cacheDir: cache.dir, allowPrecompiled: cache.precompiled });
  const id = isPrecompiled(file) ? await rt.compileFile(file) : await compile(file, rt);
  if (cache.dir !== undefined && rt.tier(id) === "baseline") fillCache(file, cache.dir);
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

/** True when FILE starts as native code does (a .cwasm), not as wasm or WAT. */
function isPrecompiled(file) {
  const head = Buffer.alloc(4);
  let fd;
  try {
    fd = openSync(file, "r");
    return readSync(fd, head, 0, 4, 0) === 4 && head.equals(Buffer.from("\x7fELF", "latin1"));
  } catch {
    return false; // compiling it reports why it cannot be read
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Builds FILE's optimized code into the cache in a detached process, so that
 * this run ends when its guest does and the next run starts optimized.
 */
function fillCache(file, dir) {
  const cli = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [cli, "compile", "--cache", "--cache-dir", dir, file], { detached: true, stdio: "ignore" });
  child.on("error", () => {}); // a cache not filled costs only a compile
  child.unref();
}

const COMPILE_OPTIONS = {
  output: { type: "string", short: "o" },
  cache: { type: "boolean" },
  "cache-dir": { type: "string" },
  help: { type: "boolean", short: "h" },
};

const COMPILE_HELP = `Usage: runtime-wasm compile [-o OUT] FILE
       runtime-wasm compile --cache [--cache-dir DIR] FILE

Compiles FILE (a .wasm binary or WAT text) to optimized native code. With -o
(default: FILE with the extension .cwasm) the code is written as an artifact
that runtime-wasm run --allow-precompiled, and compileFile on a runtime made
with allowPrecompiled, load without compiling. With --cache the code goes into
the cache (default $XDG_CACHE_HOME/runtime-wasm) instead.`;

async function compileCommand(argv) {
  const { values, positionals } = (() => {
    try {
      return parseArgs({ args: argv, options: COMPILE_OPTIONS, strict: true, allowPositionals: true });
    } catch (e) {
      throw new Usage(e.message.split(". ")[0], "runtime-wasm compile --help");
    }
  })();
  if (values.help) {
    console.log(COMPILE_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new Usage("compile takes one FILE", "runtime-wasm compile --help");
  const [file] = positionals;
  if (values.cache) {
    if (values.output !== undefined) throw new Usage("compile takes -o or --cache, not both", "runtime-wasm compile --help");
    const rt = new wasm.Runtime({ cacheDir: values["cache-dir"] ?? defaultCacheDir(), compiler: "optimized" });
    await compile(file, rt);
    return 0;
  }
  const out = values.output ?? `${file.replace(/\.(wasm|wat)$/, "")}.cwasm`;
  const bytes = await wasm.getDefaultRuntime().precompile(load(file));
  try {
    writeFileSync(out, bytes);
  } catch (e) {
    throw new wasm.WasmError(wasm.ErrorCode.IoError, `cannot write \`${out}\`: ${e.message}`);
  }
  return 0;
}

function describe(e) {
  const type = e.kind === "func" ? `(${e.params.join(", ")}) -> (${e.results.join(", ")})`
    : e.kind === "memory" ? `pages ${e.minimum}..${e.maximum ?? ""}${e.shared ? " shared" : ""}${e.memory64 ? " memory64" : ""}`
    : e.kind === "table" ? `${e.element} ${e.minimum}..${e.maximum ?? ""}${e.table64 ? " table64" : ""}`
    : e.kind === "global" ? `${e.mutable ? "mut " : ""}${e.type}`
    : `(${(e.params ?? []).join(", ")})`;
  return `${e.kind.padEnd(6)} ${e.module ? `${e.module}.` : ""}${e.name}: ${type}`;
}

function oneFile(command, rest) {
  if (rest.length === 1 && (rest[0] === "--help" || rest[0] === "-h")) return undefined;
  if (rest.length !== 1 || rest[0].startsWith("-")) throw new Usage(`${command} takes one FILE`);
  return rest[0];
}

async function inspect(rest) {
  const file = oneFile("inspect", rest);
  if (file === undefined) return help();
  const info = wasm.moduleInfo(await compile(file));
  console.log(`imports (${info.imports.length}):`);
  for (const i of info.imports) console.log(`  ${describe(i)}`);
  console.log(`exports (${info.exports.length}):`);
  for (const e of info.exports) console.log(`  ${describe(e)}`);
  return 0;
}

async function validate(rest) {
  const file = oneFile("validate", rest);
  if (file === undefined) return help();
  const source = load(file);
  if (wasm.validate(source)) {
    console.log(`${file}: valid`);
    return 0;
  }
  await compile(file); // throws the reason
  return 1;
}

function help() {
  console.log(HELP);
  return 0;
}

async function main(argv) {
  const [command, ...rest] = argv;
  if (command === undefined) {
    console.log(HELP);
    return 2;
  }
  if (command === "--help" || command === "-h") return help();
  if (command === "help") {
    if (rest[0] === "run") return run(["--help"]);
    if (rest[0] === "compile") return compileCommand(["--help"]);
    return help();
  }
  if (command === "--version" || command === "-V") {
    console.log(`runtime-wasm ${VERSION}`);
    return 0;
  }
  if (command === "run") return run(rest);
  if (command === "compile") return compileCommand(rest);
  if (command === "inspect") return inspect(rest);
  if (command === "validate") return validate(rest);
  if (command.startsWith("-")) throw new Usage(`unknown option ${command} (options of run go after "run")`);
  throw new Usage(`unknown command "${command}"`);
}

// wasmtime's rendering of a backtrace frame in an error message:
// "    0:   0x1d - <unknown>!<wasm function 0>".
const FRAME = /^\s*\d+:\s+0x[0-9a-f]+ - /;

/** The message without the backtrace wasmtime writes into it (the frames are printed from `wasmBacktrace`). */
function trapMessage(message) {
  const kept = message.split("\n").filter((line) =>
    !FRAME.test(line) && !/^\s*note: using the `WASMTIME_BACKTRACE_DETAILS=1`/.test(line) && line.trim() !== "");
  return kept.join(" ").replace(/error while executing at wasm backtrace:(: )?/g, "").replace(/\s+/g, " ").trim();
}

function frame(f, k) {
  const where = f.moduleOffset === undefined ? "" : `0x${f.moduleOffset.toString(16)}`;
  const func = f.funcName ?? `<wasm function ${f.funcIndex}>`;
  return `  ${String(k).padStart(3)}: ${where.padStart(8)} - ${f.module ? `${f.module}!` : ""}${func}`;
}

/** The lines an error prints as: one with its code, then the trap and its backtrace if the guest trapped. */
function report(e) {
  if (e.trap === undefined) return [`error ${e.code} ${e.codeName}: ${e.message}`];
  const lines = [`error ${e.code} ${e.codeName}: ${trapMessage(e.message) || e.trap}`, `trap: ${e.trap}`];
  const frames = e.wasmBacktrace ?? [];
  if (frames.length) lines.push("wasm backtrace:", ...frames.map(frame));
  return lines;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  if (e instanceof Usage) {
    console.error(`runtime-wasm: ${e.message} (see ${e.help})`);
    process.exitCode = 2;
  } else if (e instanceof wasm.WasmError) {
    const [first, ...more] = report(e);
    console.error([`runtime-wasm: ${first}`, ...more].join("\n"));
    process.exitCode = 1;
  } else {
    console.error(`runtime-wasm: ${e?.stack ?? e}`);
    process.exitCode = 1;
  }
}
