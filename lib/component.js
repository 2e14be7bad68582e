// A component instance's calls and `instance.exports` in jco's shape: each
// exported function returns its value (an interface's on an object named
// after it), resources are objects of a class per resource type (methods,
// static functions, a constructor, `Symbol.dispose`), and the error of a
// `result` a function returned is thrown as a ComponentError carrying it.
import native from "./native.js";
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

/**
 * The results of an answer from the addon: a results array, or `{ ok,
 * value, handles }` (its resources given their classes, or its error
 * thrown).
 */
function results(n, answer) {
  if (Array.isArray(answer)) return answer;
  if (answer.handles) adopt(n, answer.value);
  if (!answer.ok) throw new ComponentError(answer.value);
  return answer.value;
}

/** The resource handles the addon made, once given their classes. */
const handles = new WeakSet();

/** Gives each resource handle in `value` (as the addon made it) the class of its type. */
function adopt(n, value) {
  if (value instanceof native.ResourceHandle) {
    Object.setPrototypeOf(value, classOf(n, value.className).prototype);
    handles.add(value);
  } else if (Array.isArray(value)) {
    for (const item of value) adopt(n, item);
  } else if (value !== null && typeof value === "object" && !(value instanceof Uint8Array)) {
    for (const item of Object.values(value)) adopt(n, item);
  }
}

/** The resource classes of each native component instance, by qualified type name. */
const classesOf = new WeakMap();

/**
 * The class of resource type `className` (`"ns:pkg/iface@1.0.0#counter"`)
 * of `n`: its constructor, static functions and methods as the component
 * exports them (jco's shape), and `Symbol.dispose`.
 */
function classOf(n, className) {
  const classes = resourceClasses(n);
  let C = classes.get(className);
  if (C === undefined) classes.set(className, (C = resourceClass(n, className.slice(className.indexOf("#") + 1))));
  return C;
}

function resourceClasses(n) {
  let classes = classesOf.get(n);
  if (classes !== undefined) return classes;
  classes = new Map();
  classesOf.set(n, classes);
  for (const f of n.functions()) {
    if (f.kind === "func") continue;
    const className = classNameOf(f);
    const C = classes.get(className) ?? resourceClass(n, f.path[f.kind === "constructor" ? f.path.length - 1 : f.path.length - 2]);
    classes.set(className, C);
    const key = f.path.at(-1);
    if (f.kind === "method") {
      Object.defineProperty(C.prototype, key, {
        value: { [key](...args) { return callComponentSync(n, f.name, [this, ...args])[0]; } }[key],
        writable: true, configurable: true,
      });
    } else if (f.kind === "static") {
      C[key] = { [key]: (...args) => callComponentSync(n, f.name, args)[0] }[key];
    } else {
      constructors.set(C, f.name);
    }
  }
  return classes;
}

/** The qualified type name of a resource function's resource: `"ns:pkg/iface@1.0.0#counter"`. */
function classNameOf(f) {
  const hash = f.name.indexOf("#");
  const item = f.name.slice(hash + 1);
  const type = item.slice(item.indexOf("]") + 1).split(".")[0];
  return hash < 0 ? type : `${f.name.slice(0, hash)}#${type}`;
}

/** Each resource class's constructor function name, when it has one. */
const constructors = new WeakMap();

/** A resource class named `name` (its members are added by `resourceClasses`). */
function resourceClass(n, name) {
  const C = class {
    constructor(...args) {
      const f = constructors.get(C);
      if (f === undefined) throw typeError(`resource ${name} has no constructor`);
      return callComponentSync(n, f, args)[0];
    }
    [Symbol.dispose]() {
      if (!handles.has(this)) throw typeError(`${name}[Symbol.dispose] needs a resource a component gave`);
      sync(() => n.dropResource(this, true));
    }
  };
  Object.defineProperty(C, "name", { value: name });
  return C;
}

function named(name) {
  if (typeof name !== "string") throw typeError(`function name must be a string, got ${name === null ? "null" : typeof name}`);
  return name;
}

/** Calls component function `name` of `n` (the native instance); resolves to its results. */
export function callComponent(n, name, args) {
  return async(() => n.call(named(name), args, false)).then((a) => results(n, a));
}

export function callComponentSync(n, name, args) {
  return results(n, sync(() => n.call(named(name), args, true)));
}

/** Calls component function `name` once per argument list; resolves to each call's results (the first error thrown). */
export function callComponentMany(n, name, argsList) {
  return async(() => n.callMany(named(name), argsList, false)).then((answers) => answers.map((a) => results(n, a)));
}

export function callComponentManySync(n, name, argsList) {
  return sync(() => n.callMany(named(name), argsList, true)).map((a) => results(n, a));
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
  const classes = resourceClasses(n);
  for (const f of n.functions()) {
    // A function by its name; a resource's function puts its class there.
    const [key, value] = f.kind === "func"
      ? [f.path.at(-1), { [f.path.at(-1)]: (...args) => callComponentSync(n, f.name, args)[0] }[f.path.at(-1)]]
      : [f.path[f.path.length - (f.kind === "constructor" ? 1 : 2)], classes.get(classNameOf(f))];
    const hash = f.name.indexOf("#");
    if (hash < 0) {
      out[key] = value;
      continue;
    }
    const full = f.name.slice(0, hash);
    const object = (out[full] ??= Object.create(null));
    object[key] = value;
    const short = f.path[0];
    if (!owners.has(short) && !(short in out)) owners.set(short, full);
    if (owners.get(short) === full) out[short] = object;
  }
  for (const value of Object.values(out)) if (typeof value === "object") Object.freeze(value);
  return Object.freeze(out);
}
