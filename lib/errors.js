// WasmError and the numeric error codes; the native layer's errors become
// WasmError here without losing any of their fields.

/** Numeric codes of every WasmError, by name. */
export const ErrorCode = Object.freeze({
  CompileError: 5000,
  InstantiateError: 5001,
  CallError: 5002,
  ExportNotFound: 5003,
  InvalidModuleHandle: 5004,
  InvalidInstanceHandle: 5005,
  MemoryError: 5006,
  TypeError: 5007,
  IoError: 5008,
  PermissionDenied: 5009,
  WasiError: 5010,
  FuelExhausted: 5011,
  Timeout: 5012,
  LimitExceeded: 5013,
});

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

/** Values host functions threw: they reach the caller untouched, whatever their shape. */
export const thrownByHost = new WeakSet();

/** A non-object value a host function threw, boxed for its trip through the addon. */
export class Thrown {
  constructor(value) {
    this.value = value;
  }
}

/** Turns anything the addon threw into the error users see; others pass unchanged. */
export function toWasmError(e) {
  if (e instanceof Thrown) return e.value;
  if (thrownByHost.has(e)) return e;
  if (e instanceof WasmError) return e;
  if (e instanceof Error && names.has(e.code)) return Object.setPrototypeOf(e, WasmError.prototype);
  if (e instanceof Error && conversionFailures.has(e.code)) {
    return new WasmError(ErrorCode.TypeError, e.message, { cause: e });
  }
  return e;
}

/** Runs a synchronous native operation, rethrowing its error as a WasmError. */
export function sync(fn) {
  try {
    return fn();
  } catch (e) {
    throw toWasmError(e);
  }
}

/** Starts an asynchronous native operation; both a synchronous throw and a rejection become WasmError rejections. */
export function async(fn) {
  let p;
  try {
    p = fn();
  } catch (e) {
    return Promise.reject(toWasmError(e));
  }
  return p.then(undefined, (e) => { throw toWasmError(e); });
}

export function typeError(message) {
  return new WasmError(ErrorCode.TypeError, message);
}
