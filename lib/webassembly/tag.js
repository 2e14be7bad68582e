// Tag and Exception: tags made in JS and exceptions carrying their payload.
import { describe, descriptor, enforceRange } from "./convert.js";

/** Value types as the JS API names them. */
const VALUE_TYPES = new Set(["i32", "i64", "f32", "f64", "v128", "externref", "anyfunc", "funcref", "anyref", "eqref", "i31ref", "structref", "arrayref", "nullref", "nullfuncref", "nullexternref", "exnref"]);

let tagArity;

export class Tag {
  #parameters;
  constructor(type) {
    descriptor(type, "WebAssembly.Tag");
    if (!Array.isArray(type.parameters)) throw new TypeError("WebAssembly.Tag: type.parameters must be an array");
    const parameters = [...type.parameters].map(String);
    for (const p of parameters) {
      if (!VALUE_TYPES.has(p)) throw new TypeError(`WebAssembly.Tag: ${p} is not a value type`);
    }
    this.#parameters = parameters;
  }
  static {
    tagArity = (tag) => {
      if (tag === null || typeof tag !== "object" || !(#parameters in tag)) throw new TypeError(`expected a WebAssembly.Tag, got ${describe(tag)}`);
      return tag.#parameters.length;
    };
  }
}

export class Exception {
  #tag;
  #payload;
  constructor(tag, payload, options) {
    const n = tagArity(tag);
    if (payload === null || typeof payload !== "object" || typeof payload[Symbol.iterator] !== "function") {
      throw new TypeError("WebAssembly.Exception: the payload must be iterable");
    }
    const values = [...payload];
    if (values.length !== n) throw new TypeError(`WebAssembly.Exception: the tag takes ${n} value(s), got ${values.length}`);
    [this.#tag, this.#payload] = [tag, values];
    if (options?.traceStack) Error.captureStackTrace(this);
  }
  is(tag) {
    tagArity(tag);
    return tag === this.#tag;
  }
  getArg(tag, index) {
    if (!this.is(tag)) throw new TypeError("WebAssembly.Exception.getArg: not this exception's tag");
    const i = enforceRange(index, "WebAssembly.Exception.getArg: index");
    if (i >= this.#payload.length) throw new RangeError(`WebAssembly.Exception.getArg: index ${i} is out of range`);
    return this.#payload[i];
  }
}
