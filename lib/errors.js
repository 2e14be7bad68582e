// WasmError and the numeric error codes; the native layer's errors become
// WasmError here without losing any of their fields.

import native from "./native.js";
import { asHostCode } from "./inside.js";
import { internals } from "./internals.js";

/** Numeric codes of every WasmError, by name: the Rust `ErrorCode` enum's table, read from the addon. */
export const ErrorCode = Object.freeze({ ...native.errorCodes() });

const names = new Map(Object.entries(ErrorCode).map(([name, code]) => [code, name]));

export class WasmError extends Error {
  /**
   * @param {number} code one of ErrorCode
   * @param {string} message
   * @param {object} [extra] trap, wasmBacktrace, exitCode, offset, cause
   */
  constructor(code, message, extra = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.code = code;
    this.codeName = names.get(code) ?? "Unknown";
    for (const key of ["trap", "wasmBacktrace", "exitCode", "offset", "exception"]) {
      if (extra[key] !== undefined) this[key] = extra[key];
    }
  }
}
Object.defineProperty(WasmError.prototype, "name", { value: "WasmError", configurable: true, writable: true });

// Status names the addon's argument conversion fails with (wrong JS types).
const conversionFailures = new Set([
  "InvalidArg", "ObjectExpected", "StringExpected", "NameExpected", "FunctionExpected",
  "NumberExpected", "BooleanExpected", "ArrayExpected", "BigintExpected", "DateExpected",
  "ArrayBufferExpected", "DetachableArraybufferExpected",
]);

/** Turns anything the addon threw into the error users see; others pass unchanged. */
export function toWasmError(e) {
  // What a host function threw (or a guest threw as a JS value), boxed by
  // the addon: the very value, unchanged.
  if (e instanceof Error && Object.hasOwn(e, "runtimeWasmThrown")) return e.runtimeWasmThrown;
  if (e instanceof WasmError) return e;
  if (e instanceof Error && names.has(e.code)) {
    // An uncaught wasm exception: its tag as an object (the export's Tag).
    if (e.exception !== undefined) {
      const { tag, params, payload } = e.exception;
      e.exception = { tag: internals.tagObject(tag, params), payload };
    }
    return Object.setPrototypeOf(e, WasmError.prototype);
  }
  if (e instanceof Error && conversionFailures.has(e.code)) {
    return new WasmError(ErrorCode.TypeError, e.message, { cause: e });
  }
  return e;
}

/**
 * Runs a synchronous native operation (from a host function's code, inside
 * its call: see inside.js), rethrowing its error as a WasmError.
 */
export function sync(fn) {
  try {
    return asHostCode(fn);
  } catch (e) {
    throw toWasmError(e);
  }
}

/**
 * Starts an asynchronous native operation (from a host function's code,
 * inside its call); both a synchronous throw and a rejection become
 * WasmError rejections.
 */
export function async(fn) {
  let p;
  try {
    p = asHostCode(fn);
  } catch (e) {
    return Promise.reject(toWasmError(e));
  }
  return p.then(undefined, (e) => { throw toWasmError(e); });
}

export function typeError(message) {
  return new WasmError(ErrorCode.TypeError, message);
}
