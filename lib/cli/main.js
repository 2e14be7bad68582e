// The runtime-wasm command line, built on the library: run WASI commands or
// single exports in the sandbox, compile, inspect and validate modules. `run`
// takes wasmtime's spelling of the flags wasmtime has (`--dir`, `--env`,
// `-W fuel=…`, `-W timeout=…`, `-W max-memory-size=…`, `--invoke`).
import { readFileSync } from "node:fs";
import { help, HELP, Usage } from "./args.js";
import { compileCommand } from "./compile.js";
import { inspect, validate } from "./inspect.js";
import { exitStatus } from "./report.js";
import { run } from "./run.js";

const VERSION = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version;

/** Runs the command line `argv` (without node and the script); its exit status. */
export async function main(argv) {
  try {
    return await command(argv);
  } catch (e) {
    return exitStatus(e);
  }
}

async function command(argv) {
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

