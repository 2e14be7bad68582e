// `instance.exports`: the WebAssembly JS API's shape over one instance. Each
// exported function is a plain function called synchronously; all-number
// signatures go straight to the number path.
import { sync } from "./errors.js";
import { callNumbers, numbers } from "./numbers.js";

/** What a call gives in the JS API's shape: undefined, the value, or an array for several. */
function unwrap(results) {
  return results.length === 0 ? undefined : results.length === 1 ? results[0] : results;
}

/**
 * A JS function calling export `name` of `n` (the native instance). Its
 * handle is resolved on the first call, so building the object never waits
 * for a busy instance.
 */
function exportFunction(n, name, slotOf) {
  let f;
  const general = (args) => unwrap(sync(() => n.callRef(f.id, args, true)));
  return function (...args) {
    f ??= sync(() => n.exportFuncSync(name));
    if (f.numeric && numbers(args, f.params.length)) return callNumbers(slotOf(), f.id, args);
    return general(args);
  };
}

/** Exported functions made here, with their native instance and export name (for linking). */
export const exportedFunctions = new WeakMap();

/**
 * Builds the frozen, prototype-less exports object from the instance's
 * export list; `make` gives the Memory, Table and Global objects for an
 * entry of that list.
 */
export function buildExports(n, exportList, make) {
  const out = Object.create(null);
  let slot = -1;
  const slotOf = () => (slot >= 0 ? slot : (slot = n.slot()));
  for (const entry of exportList) {
    const { name, kind } = entry;
    if (kind === "func") {
      const fn = exportFunction(n, name, slotOf);
      exportedFunctions.set(fn, { n, name });
      Object.defineProperty(fn, "name", { value: name });
      out[name] = fn;
    } else if (kind === "memory" || kind === "table" || kind === "global" || kind === "tag") {
      out[name] = make(entry);
    }
  }
  return Object.freeze(out);
}
