// The namespace's one Runtime, the limits `configure` sets for everything
// it creates, and the modules behind standalone Memory, Table and Global
// objects.
import { Runtime } from "../index.js";
import { mapped } from "./errors.js";
import { describe } from "./convert.js";

// Optimized code only: glue makes one instance and keeps it, and an
// instance keeps the code it was made with, so tiering would leave it on
// baseline code for its life.
export const rt = new Runtime({ compiler: "optimized" });
/** Instance config from `configure`, applied to what the namespace creates. */
let limits = {};
const LIMIT_KEYS = ["fuel", "timeoutMs", "maxMemoryBytes", "maxTableElements"];
/** Lets the namespace's own code build objects around runtime-wasm ones. */
export const INTERNAL = Symbol("internal");

/** The instance config of everything the namespace instantiates: the limits, and `imports` when given. */
export const instanceConfig = (imports) => (imports === undefined ? { ...limits } : { ...limits, imports });

/** Modules made for standalone objects, by their text: each is compiled once. */
const holders = new Map();

/** The module of `wat`, compiled once. */
function holder(wat) {
  let id = holders.get(wat);
  if (id === undefined) holders.set(wat, (id = mapped(() => rt.compileSync(wat))));
  return id;
}

/**
 * The group standalone objects made in this synchronous turn join: an
 * instance whose store they share, so one instance can import several of
 * them (an instance joins one store). Forgotten at the turn's end, so a
 * store holds only the objects made together (a store frees its instances
 * only all at once).
 */
let group;

/** A new group for this turn's standalone objects. */
function newGroup() {
  const anchor = mapped(() => rt.instantiateSync(holder('(module (global (export "anchor") i32 (i32.const 0)))'), instanceConfig(undefined)));
  if (group === undefined) queueMicrotask(() => { group = undefined; });
  group = anchor.exports.anchor;
}

/** One export `x` of a module made for a standalone Memory, Table or Global. */
export function standalone(wat) {
  if (group === undefined) newGroup();
  const joined = holder(`(module (import "group" "anchor" (global i32)) ${wat.slice("(module".length)}`);
  let inst;
  try {
    inst = rt.instantiateSync(joined, instanceConfig({ group: { anchor: group } }));
  } catch {
    // The group's store is busy (an instance joining it asynchronously):
    // a new group, whose failure, if any, is the real one.
    newGroup();
    inst = mapped(() => rt.instantiateSync(joined, instanceConfig({ group: { anchor: group } })));
  }
  return { inst, value: inst.exports.x };
}


/** Limits for every instance the namespace creates from now on (own properties only). */
export function configure(options) {
  if (options === null || typeof options !== "object") throw new TypeError(`WebAssembly.configure: expected an object, got ${describe(options)}`);
  const next = {};
  for (const key of Object.keys(options)) {
    if (!LIMIT_KEYS.includes(key)) throw new TypeError(`WebAssembly.configure: unknown option \`${key}\` (known: ${LIMIT_KEYS.join(", ")})`);
    const d = Object.getOwnPropertyDescriptor(options, key);
    if (!("value" in d)) throw new TypeError(`WebAssembly.configure: option \`${key}\` must be a plain value, not an accessor`);
    if (d.value !== undefined) next[key] = d.value;
  }
  // Checked now, by an instance made with them, rather than at the next instantiation.
  mapped(() => rt.instantiateSync(holder("(module)"), next).dropSync());
  limits = next;
  // Objects made from now on have the new limits: a store of their own.
  group = undefined;
}
