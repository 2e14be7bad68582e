// Tag and Exception: tags made in JS or exported by an instance, and
// exceptions carrying their payload to and from wasm.
import native from "../native.js";
import { internals } from "../internals.js";
import { converter, describe, descriptor, enforceRange } from "./convert.js";
import { INTERNAL } from "./runtime.js";

/** Value types as the JS API names them. */
const VALUE_TYPES = new Set(["i32", "i64", "f32", "f64", "v128", "externref", "anyfunc", "funcref", "anyref", "eqref", "i31ref", "structref", "arrayref", "nullref", "nullfuncref", "nullexternref", "exnref"]);
/** The core's names where the JS API's differ. */
const CORE_NAMES = { anyfunc: "funcref" };

/** Numbers for tags made in JS (`{ host: true, id }`). */
let nextId = 1;
/** The namespace Tag of each runtime-wasm Tag (an export's, or one met in an exception). */
const ofCore = new WeakMap();

let parametersOf, refOf;
/** What an instance importing `tag` is given. */
export let tagImport;
/** The namespace Tag of a runtime-wasm Tag. */
export let wrapTag;
/** A WebAssembly.Exception of `tag` carrying `payload` (values as JS has them). */
export let exceptionOf;
/** `WebAssembly.JSTag`: the tag JS values thrown through wasm travel under. */
export let JSTag;

export class Tag {
  #parameters;
  /** runtime-wasm's Tag, for one an instance exports; else undefined. */
  #core;
  /** The number of one made in JS. */
  #id;
  constructor(type) {
    if (type === INTERNAL) return;
    descriptor(type, "WebAssembly.Tag");
    if (!Array.isArray(type.parameters)) throw new TypeError("WebAssembly.Tag: type.parameters must be an array");
    const parameters = [...type.parameters].map(String);
    for (const p of parameters) {
      if (!VALUE_TYPES.has(p)) throw new TypeError(`WebAssembly.Tag: ${p} is not a value type`);
    }
    [this.#parameters, this.#id] = [parameters.map((p) => CORE_NAMES[p] ?? p), nextId++];
    internals.rememberTag({ host: true, id: this.#id }, this);
  }
  static {
    parametersOf = (tag) => {
      if (tag === null || typeof tag !== "object" || !(#parameters in tag) || tag.#parameters === undefined) {
        throw new TypeError(`expected a WebAssembly.Tag, got ${describe(tag)}`);
      }
      return tag.#parameters;
    };
    tagImport = (tag) => (tag === JSTag ? native.valueTagImport() : tag.#core ?? native.tagImport(tag.#id, tag.#parameters));
    JSTag = new Tag(INTERNAL);
    JSTag.#parameters = ["externref"];
    wrapTag = (core) => {
      if (core instanceof Tag) return core;
      let tag = ofCore.get(core);
      if (tag === undefined) {
        tag = new Tag(INTERNAL);
        [tag.#core, tag.#parameters] = [core, [...core.parameters]];
        ofCore.set(core, tag);
      }
      return tag;
    };
    // The tag's name for the addon.
    refOf = (tag) => (tag.#core === undefined ? { host: true, id: tag.#id } : internals.tagRef(tag.#core));
  }
}

export class Exception {
  #tag;
  /** The payload as wasm takes it (ToWebAssemblyValue of each value). */
  #args;
  /** The payload as JS reads it back. */
  #values;
  constructor(tag, payload, options = undefined) {
    if (tag === INTERNAL) return;
    const params = parametersOf(tag);
    if (tag === JSTag) throw new TypeError("WebAssembly.Exception: an exception of WebAssembly.JSTag is the thrown value itself; it cannot be made");
    if (payload === null || typeof payload !== "object" || typeof payload[Symbol.iterator] !== "function") {
      throw new TypeError("WebAssembly.Exception: the payload must be iterable");
    }
    const values = [...payload];
    if (values.length !== params.length) throw new TypeError(`WebAssembly.Exception: the tag takes ${params.length} value(s), got ${values.length}`);
    const args = values.map((v, i) => converter(params[i])(v));
    // Read back as the JS API's ToJSValue: the converted number, the very value for externref.
    this.#values = args.map((a, i) => (params[i] === "externref" ? values[i] : a));
    [this.#tag, this.#args] = [tag, args];
    if (options !== undefined && options !== null && options.traceStack) Error.captureStackTrace(this);
  }
  static {
    exceptionOf = (tag, payload) => {
      const e = new Exception(INTERNAL);
      [e.#tag, e.#values] = [tag, payload];
      // Thrown again from JS, it carries the same values (v128 bytes as they came).
      const params = parametersOf(tag);
      e.#args = payload.map((v, i) => (params[i] === "v128" ? v : converter(params[i])(v)));
      return e;
    };
    internals.taggedThrow = (e) => (e !== null && typeof e === "object" && #tag in e && e.#tag !== undefined ? { tag: refOf(e.#tag), payload: e.#args } : undefined);
  }
  static #check(e, what) {
    if (e === null || typeof e !== "object" || !(#tag in e) || e.#tag === undefined) throw new TypeError(`WebAssembly.Exception.${what} called on an object that is not one`);
  }
  is(tag) {
    Exception.#check(this, "is");
    parametersOf(tag);
    return tag === this.#tag;
  }
  getArg(tag, index) {
    Exception.#check(this, "getArg");
    parametersOf(tag);
    if (tag !== this.#tag) throw new TypeError("WebAssembly.Exception.getArg: not this exception's tag");
    const i = enforceRange(index, "WebAssembly.Exception.getArg: index");
    if (i >= this.#values.length) throw new RangeError(`WebAssembly.Exception.getArg: index ${i} is out of range`);
    if (parametersOf(tag)[i] === "v128") throw new TypeError("WebAssembly.Exception.getArg: a v128 value cannot cross into JavaScript");
    return this.#values[i];
  }
}
