// Conversions the JS API defines: BufferSource copies, ToWebAssemblyValue
// by value type, [EnforceRange] integers, address values of 32- and 64-bit
// memories and tables, descriptors read in the API's member order.
import { types } from "../types.js";

export function describe(v) {
  return v === null ? "null" : Array.isArray(v) ? "Array" : typeof v === "object" ? v.constructor?.name ?? "Object" : typeof v;
}


/** A copy of a BufferSource's bytes (the JS API copies at call time); anything else is a TypeError. */
export function bufferSource(bytes, what) {
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes.slice(0));
  if (ArrayBuffer.isView(bytes)) {
    return new Uint8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  }
  throw new TypeError(`${what}: expected an ArrayBuffer or a typed array, got ${describe(bytes)}`);
}

const i64Slot = new BigInt64Array(1);

/** ToBigInt64 of the JS API, exactly: a BigInt64Array element is set by it (a Number is a TypeError). */
export function toI64(v) {
  i64Slot[0] = v;
  return i64Slot[0];
}

/** ToWebAssemblyValue of the JS API for one value type. */
export function converter(type) {
  switch (type) {
    case "i32": return (v) => v | 0;
    case "i64": return toI64;
    case "f32": return (v) => Math.fround(+v);
    case "f64": return (v) => +v;
    case "v128": return () => { throw new TypeError("a v128 value cannot cross into or out of JavaScript"); };
    // Any value, `undefined` included, is a non-null externref; `null` is null.
    case "externref": return (v) => (v === null ? null : types.externref(v));
    default: return (v) => v;
  }
}

/** The results a host function returned, as the JS API converts them (an iterable for several). */
export function resultConverter(types) {
  if (types.length === 0) return () => undefined;
  if (types.length === 1) return converter(types[0]);
  const each = types.map(converter);
  return (ret) => {
    const method = ret === null || (typeof ret !== "object" && typeof ret !== "function") ? undefined : ret[Symbol.iterator];
    if (typeof method !== "function") {
      throw new TypeError(`a host function with ${types.length} results must return an iterable, got ${describe(ret)}`);
    }
    const values = [...{ [Symbol.iterator]: () => Reflect.apply(method, ret, []) }];
    if (values.length !== types.length) throw new TypeError(`a host function with ${types.length} results returned ${values.length}`);
    return values.map((v, i) => each[i](v));
  };
}


/** A descriptor field as an integer in [0, max], as the JS API's [EnforceRange] does. */
export function enforceRange(v, what, max = 2 ** 32 - 1) {
  const n = Number(v);
  if (!Number.isFinite(n) || Math.trunc(n) < 0 || Math.trunc(n) > max) {
    throw new TypeError(`${what} must be an integer in [0, ${max}], got ${String(v)}`);
  }
  return Math.trunc(n);
}

export function descriptor(d, what) {
  if (d === null || (typeof d !== "object" && typeof d !== "function")) {
    throw new TypeError(`${what}: the descriptor must be an object, got ${describe(d)}`);
  }
  return d;
}

/** `address` of a Memory or Table descriptor: true for "i64". */
export function address(d, what) {
  const given = d.address;
  if (given === undefined) return false;
  const a = String(given);
  if (a !== "i32" && a !== "i64") throw new TypeError(`${what}: address must be "i32" or "i64", got ${a}`);
  return a === "i64";
}

/** ToBigInt: a BigInt, or a string or boolean converted; a Number is a TypeError. */
export function toBigInt(v) {
  const p = v !== null && typeof v === "object" ? v.valueOf() : v;
  if (typeof p === "bigint") return p;
  if (typeof p === "string" || typeof p === "boolean") return BigInt(p);
  throw new TypeError(`expected a BigInt, got ${describe(p)}`);
}

/** An address value: an [EnforceRange] integer for 32-bit, a BigInt in [0, 2^64) for 64-bit. */
export function addressValue(v, what, is64) {
  if (!is64) return enforceRange(v, what);
  const b = toBigInt(v);
  if (b < 0n || b >= 1n << 64n) throw new TypeError(`${what} must be in [0, 2^64), got ${b}`);
  return b;
}

/** An address value as the core takes it (a JS number); past 2^53 nothing could fit anyway. */
export function coreCount(v, what) {
  if (typeof v === "bigint" && v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${what} ${v} is too large`);
  return Number(v);
}

/** Limits `{ initial, maximum }`, read in the descriptor's member order. */
export function sizes(d, what, max, is64 = false) {
  const initialValue = d.initial;
  if (initialValue === undefined) throw new TypeError(`${what}: descriptor.initial is required`);
  const initial = addressValue(initialValue, `${what}: initial`, is64);
  const maximumValue = d.maximum;
  const maximum = maximumValue === undefined ? undefined : addressValue(maximumValue, `${what}: maximum`, is64);
  const limit = is64 ? BigInt(max) : max;
  if (initial > limit) throw new RangeError(`${what}: initial ${initial} is above ${max}`);
  if (maximum !== undefined && maximum > limit && !is64) throw new RangeError(`${what}: maximum ${maximum} is above ${max}`);
  if (maximum !== undefined && maximum < initial) throw new RangeError(`${what}: maximum ${maximum} is below initial ${initial}`);
  return { initial, maximum };
}


/** TypeError unless `value` was made by the class `brand` checks for (WebIDL's branding). */
export function branded(ok, what) {
  if (!ok) throw new TypeError(`${what} called on an object that is not one`);
}
