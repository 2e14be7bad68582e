// How the CLI reports an error: one line with its code, then for a trap its
// kind and the wasm backtrace (from `wasmBacktrace`: messages carry no
// backtrace text). A usage error exits with status 2, any other with 1.
import * as wasm from "../index.js";
import { Usage } from "./args.js";

function frame(f, k) {
  const where = f.moduleOffset === undefined ? "" : `0x${f.moduleOffset.toString(16)}`;
  const func = f.funcName ?? `<wasm function ${f.funcIndex}>`;
  return `  ${String(k).padStart(3)}: ${where.padStart(8)} - ${f.module ? `${f.module}!` : ""}${func}`;
}

/** The lines an error prints as: one with its code, then the trap and its backtrace if the guest trapped. */
function report(e) {
  const lines = [`error ${e.code} ${e.codeName}: ${e.message || e.trap}`];
  if (e.trap === undefined) return lines;
  lines.push(`trap: ${e.trap}`);
  const frames = e.wasmBacktrace ?? [];
  if (frames.length) lines.push("wasm backtrace:", ...frames.map(frame));
  return lines;
}

/** Prints `e` on stderr as the CLI reports it; the exit status it gives. */
export function exitStatus(e) {
  if (e instanceof Usage) {
    console.error(`runtime-wasm: ${e.message} (see ${e.help})`);
    return 2;
  }
  if (e instanceof wasm.WasmError) {
    const [first, ...more] = report(e);
    console.error([`runtime-wasm: ${first}`, ...more].join("\n"));
    return 1;
  }
  console.error(`runtime-wasm: ${e?.stack ?? e}`);
  return 1;
}
