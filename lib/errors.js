// WasmError and the numeric error codes; the native layer's errors become
// WasmError here without losing any of their fields.

import native from "./native.js";
import { asHostCode } from "./inside.js";

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
    for (const key of ["trap", "wasmBacktrace", "exitCode", "offset"]) {
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

/**
 * A value a host function threw, boxed for its trip through the addon and
 * unboxed before the caller sees it, so any value (an Error or not) reaches
 * the caller unchanged.
 */
export class Thrown extends Error {
  constructor(value) {
    super("a host function threw");
    this.value = value;
  }
}

/** Turns anything the addon threw into the error users see; others pass unchanged. */
export function toWasmError(e) {
  if (e instanceof Thrown) return e.value;
  if (e instanceof WasmError) return e;
  if (e instanceof Error && names.has(e.code)) return Object.setPrototypeOf(e, WasmError.prototype);
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
