// The all-number call path: functions the core marks `numeric` (number
// parameters, at most one number result) are called with the numbers
// themselves, skipping the general argument conversion. Anything else takes
// the general path and its errors.
import native from "./native.js";
import { toWasmError } from "./errors.js";
import { asHostCode, outsideHost } from "./inside.js";

/** Whether `args` are exactly `n` JS numbers. */
export function numbers(args, n) {
  if (args.length !== n) return false;
  for (let i = 0; i < n; i++) if (typeof args[i] !== "number") return false;
  return true;
}

/** Calls function handle `id` of the instance in `slot` with numbers `args`. */
export function callNumbers(slot, id, args) {
  try {
    if (outsideHost()) return native.callNumbers(slot, id, ...args);
    return asHostCode(() => native.callNumbers(slot, id, ...args));
  } catch (e) {
    throw toWasmError(e);
  }
}

/**
 * Calls `f` once per entry of `argsList` in one crossing when every entry is
 * `f.params.length` numbers; undefined when the batch must take the general path.
 */
export function callNumbersMany(slot, f, argsList) {
  const arity = f.params.length;
  if (arity === 0 || !Array.isArray(argsList)) return undefined;
  const count = argsList.length;
  const flat = new Float64Array(count * arity);
  for (let i = 0, k = 0; i < count; i++) {
    const args = argsList[i];
    if (!Array.isArray(args) || args.length !== arity) return undefined;
    for (let j = 0; j < arity; j++, k++) {
      const n = args[j];
      if (typeof n !== "number") return undefined;
      flat[k] = n;
    }
  }
  let out;
  try {
    out = asHostCode(() => native.callNumbersMany(slot, f.id, arity, flat));
  } catch (e) {
    throw toWasmError(e);
  }
  const results = new Array(count);
  if (f.results.length === 0) for (let i = 0; i < count; i++) results[i] = [];
  else for (let i = 0; i < count; i++) results[i] = [out[i]];
  return results;
}

/** The result array of an all-number call of `f` that returned `value`. */
export function resultList(f, value) {
  return f.results.length === 0 ? [] : [value];
}
