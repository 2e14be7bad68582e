// The all-number call path: functions whose parameters and result are plain
// numbers are called with the numbers themselves, skipping the general
// argument conversion. Anything else takes the general path and its errors.
import native from "./native.js";
import { toWasmError } from "./errors.js";

const NUMBER_TYPES = new Set(["i32", "i64", "f32", "f64"]);
/** Most parameters the addon's `callNumbers` takes (the core's `MAX_NUMBERS`). */
const MAX_PARAMS = 16;

/** Whether a function `{ params, results }` can take the all-number path. */
export function numeric({ params, results }) {
  return params.length <= MAX_PARAMS && results.length <= 1 &&
    params.every((t) => NUMBER_TYPES.has(t)) && results.every((t) => NUMBER_TYPES.has(t));
}

/** Whether `args` are exactly `n` JS numbers. */
export function numbers(args, n) {
  if (args.length !== n) return false;
  for (let i = 0; i < n; i++) if (typeof args[i] !== "number") return false;
  return true;
}

/** Calls function handle `id` of the instance in `slot` with numbers `args`. */
export function callNumbers(slot, id, args) {
  try {
    return native.callNumbers(slot, id, ...args);
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
    out = native.callNumbersMany(slot, f.id, arity, flat);
  } catch (e) {
    throw toWasmError(e);
  }
  const results = new Array(count);
  if (f.results.length === 0) results.fill(undefined);
  else for (let i = 0; i < count; i++) results[i] = out[i];
  return results;
}
