// Functions crossing the namespace: one JS function per wasm function
// (exported, or read from a table), with the JS API's argument rules, and
// JS functions as host functions.
import { converter } from "./convert.js";
import { jsError } from "./errors.js";

/** The runtime-wasm export function behind each exported function of the namespace. */
export const wasmFunctions = new WeakMap();

/** The parameter types of each exported function of the namespace. */
export const wasmParams = new WeakMap();

/** The namespace's function for each wasm function (`instanceId:handle`), while it lives. */
const functionsByKey = new Map();
const forget = new FinalizationRegistry((key) => {
  if (functionsByKey.get(key)?.deref() === undefined) functionsByKey.delete(key);
});

/** The namespace's function for wasm function `key`, if one lives. */
export const knownFunction = (key) => functionsByKey.get(key)?.deref();

/** Makes `fn` the namespace's function for wasm function `key` (while it lives). */
export function remember(key, fn) {
  if (key === undefined) return;
  functionsByKey.set(key, new WeakRef(fn));
  forget.register(fn, key);
}

/**
 * An exported function with the JS API's argument rules: missing arguments
 * are undefined, extra ones ignored, each converted by its parameter type;
 * errors become the JS API's classes. One whose type has a `v128` (among
 * its `params` or `results`) throws a TypeError when called, before it runs.
 */
export function exportedFunction(f, name, params, results) {
  const [c0, c1, c2] = params.map(converter);
  const each = params.map(converter);
  const fail = (e) => jsError(e);
  let wrapped;
  if (params.includes("v128") || results.includes("v128")) {
    wrapped = function () { throw new TypeError(`function ${name}: a v128 value cannot cross into or out of JavaScript`); };
  } else switch (params.length) {
    case 0: wrapped = function () { try { return f(); } catch (e) { throw fail(e); } }; break;
    case 1: wrapped = function (a) { const x = c0(a); try { return f(x); } catch (e) { throw fail(e); } }; break;
    case 2: wrapped = function (a, b) { const x = c0(a), y = c1(b); try { return f(x, y); } catch (e) { throw fail(e); } }; break;
    case 3: wrapped = function (a, b, c) { const x = c0(a), y = c1(b), z = c2(c); try { return f(x, y, z); } catch (e) { throw fail(e); } }; break;
    default: wrapped = function (...args) {
      const xs = each.map((conv, i) => conv(args[i]));
      try { return f(...xs); } catch (e) { throw fail(e); }
    };
  }
  Object.defineProperty(wrapped, "name", { value: name });
  Object.defineProperty(wrapped, "length", { value: params.length });
  wasmParams.set(wrapped, params);
  return wrapped;
}


/** Calls `f` with `this` undefined and converts what it returns, as the JS API does. */
export function hostFunction(f, convert) {
  return function (...args) {
    return convert(Reflect.apply(f, undefined, args));
  };
}
