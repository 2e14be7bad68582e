#!/usr/bin/env node
// The runtime-wasm command line, built on the library: run WASI commands or
// single exports in the sandbox, inspect and validate modules.
import { readFileSync } from "node:fs";
import * as wasm from "../lib/index.js";

const HELP = `Usage: runtime-wasm <command> [options]

Commands:
  run [options] FILE [ARGS...]   run a WASI command (or --invoke an export) and exit with its exit code
  inspect FILE                   print imports and exports with their types
  validate FILE                  check that FILE compiles; exit 0 if it does, 1 if not
  help                           print this text

Options for run (as wasmtime spells them):
  --dir HOST[::GUEST]       preopen a host directory read-write (GUEST defaults to HOST)
  --ro-dir HOST[::GUEST]    preopen a host directory read-only
  --env NAME=VALUE          set a guest environment variable (repeatable)
  --fuel N                  stop the guest after N units of fuel (error 5011)
  --timeout MS              stop the guest after MS milliseconds (error 5012)
  --max-memory BYTES        cap the guest's linear memory
  --invoke NAME             call export NAME with ARGS (converted by its signature) and print the result

FILE is a .wasm binary or .wat text. Errors print as one line with their code:
  runtime-wasm: error 5000 CompileError: ...
and exit with status 1; a usage error exits with status 2.`;

class Usage extends Error {}

function parseRun(argv) {
  const opts = { preopens: {}, env: {}, inheritStdin: true, inheritStdout: true, inheritStderr: true };
  let i = 0;
  const value = (flag) => {
    if (i + 1 >= argv.length) throw new Usage(`${flag} needs a value`);
    return argv[++i];
  };
  const number = (flag) => {
    const text = value(flag);
    if (!/^\d+(\.\d+)?$/.test(text)) throw new Usage(`${flag} takes a non-negative number, got "${text}"`);
    return flag === "--fuel" ? BigInt(text.split(".")[0]) : Number(text);
  };
  let invoke;
  for (; i < argv.length && argv[i].startsWith("--"); i++) {
    const flag = argv[i];
    if (flag === "--dir" || flag === "--ro-dir") {
      const [host, guest = host] = value(flag).split("::");
      opts.preopens[guest] = { path: host, readonly: flag === "--ro-dir" };
    } else if (flag === "--env") {
      const pair = value(flag);
      const eq = pair.indexOf("=");
      if (eq <= 0) throw new Usage(`--env takes NAME=VALUE, got "${pair}"`);
      opts.env[pair.slice(0, eq)] = pair.slice(eq + 1);
    } else if (flag === "--fuel") opts.fuel = number(flag);
    else if (flag === "--timeout") opts.timeoutMs = number(flag);
    else if (flag === "--max-memory") opts.maxMemoryBytes = number(flag);
    else if (flag === "--invoke") invoke = value(flag);
    else throw new Usage(`unknown option ${flag}`);
  }
  const [file, ...args] = argv.slice(i);
  if (!file) throw new Usage("run needs a FILE");
  return { file, args, opts, invoke };
}

/** A command-line word as an argument of wasm type `type`. */
function argument(text, type) {
  if (type === "i64") {
    try {
      return BigInt(text);
    } catch {
      throw new Usage(`"${text}" is not an integer`);
    }
  }
  const n = Number(text);
  if (text.trim() === "" || Number.isNaN(n)) throw new Usage(`"${text}" is not a number`);
  return n;
}

async function run(argv) {
  const { file, args, opts, invoke } = parseRun(argv);
  const id = await wasm.compileFile(file);
  const inst = await wasm.instantiate(id, { ...opts, args: [file, ...(invoke ? [] : args)] });
  if (invoke) {
    const fn = inst.getExports().find((e) => e.name === invoke && e.kind === "func");
    const params = fn?.params ?? args.map(() => "f64");
    if (fn && params.length !== args.length) throw new Usage(`${invoke} takes ${params.length} argument(s), got ${args.length}`);
    const result = await inst.call(invoke, ...args.map((a, k) => argument(a, params[k])));
    for (const v of [result].flat()) if (v !== undefined) console.log(String(v));
    return 0;
  }
  return (await inst.run()).exitCode;
}

function describe(e) {
  const type = e.kind === "func" ? `(${e.params.join(", ")}) -> (${e.results.join(", ")})`
    : e.kind === "memory" ? `pages ${e.minimum}..${e.maximum ?? ""}${e.shared ? " shared" : ""}${e.memory64 ? " memory64" : ""}`
    : e.kind === "table" ? `${e.element} ${e.minimum}..${e.maximum ?? ""}`
    : e.kind === "global" ? `${e.mutable ? "mut " : ""}${e.type}`
    : `(${(e.params ?? []).join(", ")})`;
  return `${e.kind.padEnd(6)} ${e.module ? `${e.module}.` : ""}${e.name}: ${type}`;
}

async function inspect([file, ...rest]) {
  if (!file || rest.length) throw new Usage("inspect takes one FILE");
  const info = wasm.moduleInfo(await wasm.compileFile(file));
  console.log(`imports (${info.imports.length}):`);
  for (const i of info.imports) console.log(`  ${describe(i)}`);
  console.log(`exports (${info.exports.length}):`);
  for (const e of info.exports) console.log(`  ${describe(e)}`);
  return 0;
}

async function validate([file, ...rest]) {
  if (!file || rest.length) throw new Usage("validate takes one FILE");
  let bytes;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new wasm.WasmError(wasm.ErrorCode.IoError, `cannot read \`${file}\`: ${e.message}`);
  }
  if (wasm.validate(bytes)) {
    console.log(`${file}: valid`);
    return 0;
  }
  await wasm.compile(bytes); // throws the reason
  return 1;
}

async function main(argv) {
  const [command, ...rest] = argv;
  if (!command || command === "help" || command === "--help" || command === "-h") {
    console.log(HELP);
    return command ? 0 : 2;
  }
  if (command === "run") return run(rest);
  if (command === "inspect") return inspect(rest);
  if (command === "validate") return validate(rest);
  throw new Usage(`unknown command "${command}"`);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  if (e instanceof Usage) {
    console.error(`runtime-wasm: ${e.message} (see runtime-wasm --help)`);
    process.exitCode = 2;
  } else if (e instanceof wasm.WasmError) {
    const extra = e.trap ? ` (trap: ${e.trap})` : "";
    console.error(`runtime-wasm: error ${e.code} ${e.codeName}: ${e.message.split("\n")[0]}${extra}`);
    process.exitCode = 1;
  } else {
    console.error(`runtime-wasm: ${e?.stack ?? e}`);
    process.exitCode = 1;
  }
}
