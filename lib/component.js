// A component instance's calls and `instance.exports` in jco's shape: each
// exported function returns its value (an interface's on an object named
// after it), and the error of a `result` a function returned is thrown as a
// ComponentError carrying it.
import { async, sync, typeError } from "./errors.js";

/**
 * The error value of a `result<T, E>` a component function returned, thrown
 * as jco throws it: a string payload is the message, any other is named.
 */
export class ComponentError extends Error {
  constructor(payload) {
    const named = typeof payload !== "string";
    super(named ? `${String(payload)} (see error.payload)` : payload);
    Object.defineProperty(this, "payload", { value: payload, enumerable: named });
  }
}
Object.defineProperty(ComponentError.prototype, "name", { value: "ComponentError", configurable: true, writable: true });

/** The results of an answer `{ ok, value }` from the addon, or its error thrown. */
function results(answer) {
  if (!answer.ok) throw new ComponentError(answer.value);
  return answer.value;
}

function named(name) {
  if (typeof name !== "string") throw typeError(`function name must be a string, got ${name === null ? "null" : typeof name}`);
  return name;
}

/** Calls component function `name` of `n` (the native instance); resolves to its results. */
export function callComponent(n, name, args) {
  return async(() => n.call(named(name), args, false)).then(results);
}

export function callComponentSync(n, name, args) {
  return results(sync(() => n.call(named(name), args, true)));
}

/**
 * The frozen exports object of a component instance: top-level functions
 * by their lowerCamelCase names; an exported interface's functions on an
 * object under the interface's short name (also under its full name, which
 * alone names it where two interfaces share a short name).
 */
export function componentExports(n) {
  const out = Object.create(null);
  const owners = new Map(); // short name → the full interface name it stands for
  for (const f of n.functions()) {
    if (f.kind !== "func") continue;
    const fn = (...args) => callComponentSync(n, f.name, args)[0];
    const key = f.path.at(-1);
    Object.defineProperty(fn, "name", { value: key });
    const hash = f.name.indexOf("#");
    if (hash < 0) {
      out[key] = fn;
      continue;
    }
    const full = f.name.slice(0, hash);
    const object = (out[full] ??= Object.create(null));
    object[key] = fn;
    const short = f.path[0];
    if (!owners.has(short) && !(short in out)) owners.set(short, full);
    if (owners.get(short) === full) out[short] = object;
  }
  for (const value of Object.values(out)) if (typeof value === "object") Object.freeze(value);
  return Object.freeze(out);
}
