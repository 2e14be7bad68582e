// Memory, Table and Global: standalone ones made from JS (each the export of
// a small module of its own) and ones an instance exports, around
// runtime-wasm's objects.
import { internals } from "../internals.js";
import { address, addressValue, branded, converter, coreCount, describe, descriptor, sizes } from "./convert.js";
import { mapped } from "./errors.js";
import { exportedFunction, knownFunction, remember, wasmFunctions } from "./functions.js";
import { INTERNAL, standalone } from "./runtime.js";

export let wrapMemory;
/** The runtime-wasm object behind a namespace Memory, Table or Global (undefined for anything else). */
export let coreOf = () => undefined;

export class Memory {
  #m;
  #inst;
  /** A 64-bit memory: sizes are BigInts. */
  #is64 = false;
  constructor(d) {
    if (d === INTERNAL) return;
    descriptor(d, "WebAssembly.Memory");
    const is64 = address(d, "WebAssembly.Memory");
    const { initial, maximum } = sizes(d, "WebAssembly.Memory", 65536, is64);
    if (d.shared) throw new TypeError("WebAssembly.Memory: shared memories are not supported by runtime-wasm/webassembly");
    const made = standalone(`(module (memory (export "x") ${is64 ? "i64 " : ""}${initial} ${maximum ?? ""}))`);
    [this.#m, this.#inst, this.#is64] = [made.value, made.inst, is64];
  }
  static {
    const next = coreOf;
    coreOf = (v) => (v !== null && typeof v === "object" && #m in v ? v.#m : next(v));
    wrapMemory = (m, inst, is64 = false) => {
      const out = new Memory(INTERNAL);
      [out.#m, out.#inst, out.#is64] = [m, inst, is64];
      return out;
    };
  }
  static #check(m, what) {
    branded(m !== null && typeof m === "object" && #m in m && m.#m !== undefined, `WebAssembly.Memory.${what}`);
  }
  get buffer() {
    Memory.#check(this, "buffer");
    return mapped(() => this.#m.buffer);
  }
  grow(delta) {
    Memory.#check(this, "grow");
    const what = "WebAssembly.Memory.grow: delta";
    const pages = coreCount(addressValue(delta, what, this.#is64), what);
    const old = mapped(() => this.#m.growSync(pages));
    return this.#is64 ? BigInt(old) : old;
  }
}

const TABLE_ELEMENTS = { anyfunc: "funcref", funcref: "funcref", externref: "externref" };

/**
 * A table entry from JS: null, or a function exported by an instance (as
 * runtime-wasm's); a missing value (`given` false) is null, the default.
 */
function tableEntry(value, what, given = value !== undefined) {
  if (!given || value === null) return null;
  const f = typeof value === "function" ? wasmFunctions.get(value) : undefined;
  if (f === undefined) {
    throw new TypeError(`${what}: the value must be null or an exported WebAssembly function, got ${describe(value)}`);
  }
  return f;
}

export let wrapTable;

export class Table {
  #t;
  #inst;
  /** A 64-bit table: indices and sizes are BigInts. */
  #is64 = false;
  /** An externref table: its entries are JS values. */
  #values = false;
  constructor(d, value = undefined) {
    if (d === INTERNAL) return;
    descriptor(d, "WebAssembly.Table");
    // The JS API reads `element` first, then `address`, `initial`, `maximum`.
    const given = String(d.element);
    const element = TABLE_ELEMENTS[given];
    if (element === undefined) throw new TypeError(`WebAssembly.Table: element must be "anyfunc" or "externref", got ${given}`);
    const is64 = address(d, "WebAssembly.Table");
    const { initial, maximum } = sizes(d, "WebAssembly.Table", 10_000_000, is64);
    // An externref table holds any value; made without one, `undefined`
    // (the JS API's default), not null.
    const values = element === "externref";
    const init = values ? value : tableEntry(value, "WebAssembly.Table", arguments.length > 1);
    const made = standalone(`(module (table (export "x") ${is64 ? "i64 " : ""}${initial} ${maximum ?? ""} ${element}))`);
    [this.#t, this.#inst, this.#is64, this.#values] = [made.value, made.inst, is64, values];
    if (values) {
      if (init !== null && initial > 0) mapped(() => internals.tableFill(this.#t, 0, Number(initial), init));
    } else if (init !== null && initial > 0) {
      mapped(() => internals.tableFill(this.#t, 0, Number(initial), init));
      remember(internals.functionKey(mapped(() => this.#t.getSync(0))), value);
    }
  }
  static {
    const next = coreOf;
    coreOf = (v) => (v !== null && typeof v === "object" && #t in v ? v.#t : next(v));
    wrapTable = (t, inst, is64 = false, element = "funcref") => {
      const out = new Table(INTERNAL);
      [out.#t, out.#inst, out.#is64, out.#values] = [t, inst, is64, element === "externref"];
      return out;
    };
  }
  static #check(t, what) {
    branded(t !== null && typeof t === "object" && #t in t && t.#t !== undefined, `WebAssembly.Table.${what}`);
  }
  get length() {
    Table.#check(this, "length");
    const n = mapped(() => this.#t.sizeSync());
    return this.#is64 ? BigInt(n) : n;
  }
  #index(v, what) {
    // Past 2^53 it is past the table's size either way: RangeError.
    return coreCount(addressValue(v, what, this.#is64), what);
  }
  get(index) {
    Table.#check(this, "get");
    const i = this.#index(index, "WebAssembly.Table.get: index");
    const f = mapped(() => this.#t.getSync(i));
    if (f === null || this.#values) return f;
    // One JS function per wasm function, as the JS API says.
    const key = internals.functionKey(f);
    const known = knownFunction(key);
    if (known !== undefined) return known;
    const made = exportedFunction((...args) => {
      const results = f.callSync(...args);
      return results.length === 0 ? undefined : results.length === 1 ? results[0] : results;
    }, String(i), f.params, f.results);
    remember(key, made);
    return made;
  }
  grow(delta, value = undefined) {
    Table.#check(this, "grow");
    const what = "WebAssembly.Table.grow: delta";
    const n = coreCount(addressValue(delta, what, this.#is64), what);
    if (this.#values) {
      const old = mapped(() => this.#t.growSync(n, value));
      return this.#is64 ? BigInt(old) : old;
    }
    const init = tableEntry(value, "WebAssembly.Table.grow", arguments.length > 1);
    const old = mapped(() => this.#t.growSync(n, init));
    if (init !== null && n > 0) remember(internals.functionKey(mapped(() => this.#t.getSync(old))), value);
    return this.#is64 ? BigInt(old) : old;
  }
  set(index, value = undefined) {
    Table.#check(this, "set");
    const i = this.#index(index, "WebAssembly.Table.set: index");
    if (this.#values) {
      mapped(() => this.#t.setSync(i, value));
      return;
    }
    const entry = tableEntry(value, "WebAssembly.Table.set", arguments.length > 1);
    mapped(() => this.#t.setSync(i, entry));
    // What was stored gives back the function it came from.
    if (entry !== null) remember(internals.functionKey(mapped(() => this.#t.getSync(i))), value);
  }
}

const GLOBAL_TYPES = new Set(["i32", "i64", "f32", "f64", "externref"]);

/** A global's initial value in WAT, before the constructor sets the given one. */
const ZERO = { i32: "(i32.const 0)", i64: "(i64.const 0)", f32: "(f32.const 0)", f64: "(f64.const 0)", externref: "(ref.null extern)" };

export let wrapGlobal, globalType;

export class Global {
  #g;
  #inst;
  #mutable;
  #type;
  constructor(d, v = undefined) {
    if (d === INTERNAL) return;
    descriptor(d, "WebAssembly.Global");
    const mutable = Boolean(d.mutable);
    const type = String(d.value);
    if (!GLOBAL_TYPES.has(type)) throw new TypeError(`WebAssembly.Global: value type must be i32, i64, f32, f64 or externref, got ${type}`);
    // A missing value is the type's default: 0, or for externref `undefined`.
    const value = v === undefined && type !== "externref" ? (type === "i64" ? 0n : 0) : converter(type)(v);
    const made = standalone(`(module (global (export "x") (mut ${type}) ${ZERO[type]}))`);
    [this.#g, this.#inst, this.#mutable, this.#type] = [made.value, made.inst, mutable, type];
    mapped(() => { made.inst.setGlobalSync("x", value); });
  }
  static {
    const next = coreOf;
    coreOf = (v) => (v !== null && typeof v === "object" && #g in v ? v.#g : next(v));
    wrapGlobal = (g, inst, info) => {
      const out = new Global(INTERNAL);
      [out.#g, out.#inst, out.#mutable, out.#type] = [g, inst, info.mutable, info.type];
      return out;
    };
    /** The type of a Global (undefined for anything else, however it was made). */
    globalType = (g) => (g !== null && typeof g === "object" && #g in g && g.#g !== undefined ? { type: g.#type, mutable: g.#mutable } : undefined);
  }
  static #check(g, what) {
    branded(g !== null && typeof g === "object" && #g in g && g.#g !== undefined, `WebAssembly.Global.${what}`);
  }
  get value() {
    Global.#check(this, "value");
    if (this.#type === "v128") throw new TypeError("WebAssembly.Global.value: a v128 value cannot cross into JavaScript");
    return mapped(() => this.#g.value);
  }
  set value(v) {
    Global.#check(this, "value");
    if (!this.#mutable) throw new TypeError("WebAssembly.Global: the global is immutable");
    const value = converter(this.#type)(v);
    mapped(() => { this.#g.value = value; });
  }
  valueOf() {
    Global.#check(this, "valueOf");
    return this.value;
  }
}
