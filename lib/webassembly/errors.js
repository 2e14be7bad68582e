// The JS API's error classes, and runtime-wasm's errors mapped onto them
// (a trap is a RuntimeError, stack exhaustion a RangeError, as in V8).
import { WasmError, ErrorCode } from "../index.js";
import { exceptionOf, wrapTag } from "./tag.js";

export class CompileError extends Error {}
export class LinkError extends Error {}
export class RuntimeError extends Error {}
for (const E of [CompileError, LinkError, RuntimeError]) {
  Object.defineProperty(E.prototype, "name", { value: E.name, configurable: true, writable: true });
}

/** A WasmError as the JS API's error class, keeping `code`, `trap` and the backtrace. */
export function jsError(e) {
  if (!(e instanceof WasmError)) return e;
  // A wasm exception nothing caught: a WebAssembly.Exception of its tag.
  if (e.exception !== undefined) return exceptionOf(wrapTag(e.exception.tag), e.exception.payload);
  const C = e.code === ErrorCode.CompileError ? CompileError
    // A trap while instantiating (a data segment out of bounds, a trapping
    // start function) is a RuntimeError, as the JS API says; 5001 without
    // a trap is a link failure.
    : e.code === ErrorCode.InstantiateError ? (e.trap === undefined ? LinkError : RuntimeError)
    : e.trap === "stack overflow" ? RangeError
    : e.code === ErrorCode.TypeError ? TypeError
    : e.code === ErrorCode.MemoryError ? RangeError
    : RuntimeError;
  const out = new C(e.message, { cause: e });
  for (const key of ["code", "codeName", "trap", "wasmBacktrace", "exitCode"]) {
    if (e[key] !== undefined) out[key] = e[key];
  }
  return out;
}

/** Runs `fn`, throwing its runtime-wasm error as the JS API's class. */
export function mapped(fn) {
  try {
    return fn();
  } catch (e) {
    throw jsError(e);
  }
}
