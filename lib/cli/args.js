// The command line read as wasmtime reads its flags: `run`'s options up to
// FILE (the guest's words after it untouched), whole numbers and durations
// in wasmtime's spelling, and --invoke's arguments by the export's signature.
import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

export const HELP = `Usage: runtime-wasm <command> [options]

Commands:
  run [options] FILE [ARGS...]   run a WASI command (or --invoke an export) and exit with its exit code
  compile FILE [-o OUT]          write FILE's optimized native code to OUT (default: FILE as .cwasm)
  compile --cache FILE           put FILE's optimized code into the cache (what run does after a first run)
  inspect FILE                   print imports and exports with their types
  inspect --dts COMPONENT        print a component's exports as TypeScript declarations
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
  -q, --quiet                    no status line while a long compile runs (shown on a terminal only)

FILE is a .wasm binary or WAT text. Errors print with their code:
  runtime-wasm: error 5000 CompileError: ...
and exit with status 1; a usage error exits with status 2.`;

/** Prints the usage text. */
export function help() {
  console.log(HELP);
  return 0;
}

export class Usage extends Error {
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
  quiet: { type: "boolean", short: "q" },
  help: { type: "boolean", short: "h" },
};

/** The cache directory the CLI uses unless told otherwise. */
export function defaultCacheDir() {
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
export function parseRun(argv) {
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
  let quiet = false;
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
      case "quiet":
        quiet = true;
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
  return { file, args, opts, invoke, cache, quiet };
}

const INT = /^[+-]?(?:[0-9]+|0x[0-9a-fA-F]+)$/;

/** A command-line word as an argument of wasm type `type`. */
export function argument(text, type) {
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

