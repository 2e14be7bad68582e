// JSPI (JavaScript Promise Integration): an import wrapped in `Suspending`
// may return a Promise, which the guest waits on — holding no thread — when
// its call came through a `promising` export; runtime-wasm's async calls do
// the waiting, so this works on every runtime, whatever its own engine has.
import { exportedFunctions } from "../exports.js";
import { async } from "../errors.js";
import { inAsyncHostCall } from "../host.js";
import { converter, describe } from "./convert.js";
import { jsError } from "./errors.js";
import { wasmFunctions, wasmParams } from "./functions.js";

/** A Suspending import returned a Promise in a call that cannot wait for it. */
export class SuspendError extends Error {}
Object.defineProperty(SuspendError.prototype, "name", { value: "SuspendError", configurable: true, writable: true });

/** The function a `Suspending` wraps, if `v` is one. */
export let suspendingFunction;

/** Marks an import whose Promise the guest waits on (`new WebAssembly.Suspending(fn)`). */
export class Suspending {
  #fn;
  constructor(fn) {
    if (new.target === undefined) throw new TypeError("WebAssembly.Suspending must be called with new");
    if (typeof fn !== "function") throw new TypeError(`WebAssembly.Suspending: expected a function, got ${describe(fn)}`);
    this.#fn = fn;
  }
  static {
    suspendingFunction = (v) => (v !== null && typeof v === "object" && #fn in v ? v.#fn : undefined);
  }
}

/**
 * The host function of a Suspending import: in an async call (one made
 * through `promising`) `fn` is called with `this` undefined, and a Promise
 * it returns is awaited, its value converted by `convert`; in a synchronous
 * call it is a SuspendError, `fn` not called (as V8 does).
 */
export function suspendingHost(fn, convert) {
  return function (...args) {
    if (!inAsyncHostCall()) {
      throw new SuspendError("a WebAssembly.Suspending import was called in a call not made through WebAssembly.promising");
    }
    const ret = Reflect.apply(fn, undefined, args);
    if (ret === null || typeof ret?.then !== "function") return convert(ret);
    return Promise.resolve(ret).then(convert);
  };
}

/**
 * `WebAssembly.promising(f)`: `f`, an exported WebAssembly function, as a
 * function returning a Promise of its result; the call runs the guest on
 * runtime-wasm's workers, where Suspending imports may wait.
 */
export function promising(f) {
  if (typeof f !== "function") throw new TypeError(`WebAssembly.promising: expected a function, got ${describe(f)}`);
  const exported = wasmFunctions.get(f);
  const target = exported === undefined ? undefined : exportedFunctions.get(exported);
  if (target === undefined) throw new TypeError("WebAssembly.promising: expected an exported WebAssembly function");
  const { n, name } = target;
  const each = wasmParams.get(f).map(converter);
  return async function (...args) {
    const xs = each.map((conv, i) => conv(args[i]));
    let results;
    try {
      results = await async(() => n.call(name, xs, false));
    } catch (e) {
      throw jsError(e);
    }
    return results.length === 0 ? undefined : results.length === 1 ? results[0] : results;
  };
}
