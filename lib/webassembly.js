// `runtime-wasm/webassembly`: an object with the WebAssembly JS API's shape,
// backed by Wasmtime through runtime-wasm, so toolchain glue written for
// `globalThis.WebAssembly` runs in the sandbox unchanged (`install()`).
import { Runtime, WasmError, ErrorCode } from "./index.js";
import { internals } from "./internals.js";

// Optimized code only: glue makes one instance and keeps it, and an
// instance keeps the code it was made with, so tiering would leave it on
// baseline code for its life.
const rt = new Runtime({ compiler: "optimized" });
/** Instance config from `configure`, applied to what the namespace creates. */
let limits = {};
const LIMIT_KEYS = ["fuel", "timeoutMs", "maxMemoryBytes", "maxTableElements"];
/** Lets the namespace's own code build objects around runtime-wasm ones. */
const INTERNAL = Symbol("internal");

class CompileError extends Error {}
class LinkError extends Error {}
class RuntimeError extends Error {}
for (const E of [CompileError, LinkError, RuntimeError]) {
  Object.defineProperty(E.prototype, "name", { value: E.name, configurable: true, writable: true });
}

/** A WasmError as the JS API's error class, keeping `code`, `trap` and the backtrace. */
function jsError(e) {
  if (!(e instanceof WasmError)) return e;
  const C = e.code === ErrorCode.CompileError ? CompileError
    : e.code === ErrorCode.InstantiateError ? LinkError
    : e.trap === "stack overflow" ? RangeError
    : e.code === ErrorCode.TypeError ? TypeError
    : e.code === ErrorCode.MemoryError ? RangeError
    : RuntimeError;
  const out = new C(e.message, { cause: e });
  for (const key of ["code", "codeName", "trap", "wasmBacktrace", "exitCode"]) {
    if (e[key] !== undefined) out[key] = e[key];
  }
  return out;
}

function mapped(fn) {
  try {
    return fn();
  } catch (e) {
    throw jsError(e);
  }
}

/** A copy of a BufferSource's bytes (the JS API copies at call time); anything else is a TypeError. */
function bufferSource(bytes, what) {
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes.slice(0));
  if (ArrayBuffer.isView(bytes)) {
    return new Uint8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  }
  throw new TypeError(`${what}: expected an ArrayBuffer or a typed array, got ${describe(bytes)}`);
}

function describe(v) {
  return v === null ? "null" : Array.isArray(v) ? "Array" : typeof v === "object" ? v.constructor?.name ?? "Object" : typeof v;
}

/** Only binaries: runtime-wasm's own API also takes WAT text, the JS API does not. */
const isBinary = (b) => b.length >= 4 && b[0] === 0 && b[1] === 0x61 && b[2] === 0x73 && b[3] === 0x6d;

function notBinary() {
  return new CompileError("not a WebAssembly binary (it does not start with \\0asm)");
}

/**
 * Lets go of a module's handle once its `Module` is collected; instances of
 * it (an exported function may outlive both) keep the compiled code until
 * they are gone too.
 */
const modules = new FinalizationRegistry((id) => {
  try {
    internals.forgetModule(rt, id);
  } catch {
    // already gone (runtime closed)
  }
});

let adoptModule, moduleId, funcIndex, moduleBytes, reexportsOf;

class Module {
  #id;
  #bytes;
  constructor(bytes) {
    if (bytes === INTERNAL) return;
    const b = bufferSource(bytes, "WebAssembly.Module");
    if (!isBinary(b)) throw notBinary();
    Module.#adopt(this, mapped(() => rt.compileSync(b)), b);
  }
  /** Export name → function index, read when first needed. */
  #funcIndices;
  /** Export name → the import it passes on, read when first needed. */
  #reexports;
  static #adopt(m, id, bytes) {
    m.#id = id;
    m.#bytes = bytes;
    modules.register(m, id);
    return m;
  }
  static {
    adoptModule = (id, bytes) => Module.#adopt(new Module(INTERNAL), id, bytes);
    moduleId = (m) => {
      if (m === null || typeof m !== "object" || !(#id in m) || m.#id === undefined) {
        throw new TypeError(`expected a WebAssembly.Module, got ${describe(m)}`);
      }
      return m.#id;
    };
    funcIndex = (m, exportName) => (m.#funcIndices ??= exportedFuncIndices(m.#bytes)).get(exportName);
    moduleBytes = (m) => m.#bytes;
    internals.namespaceTier = (m) => rt.tier(moduleId(m));
    reexportsOf = (m) => (m.#reexports ??= reexports(m.#bytes));
  }
  static exports(m) {
    return rt.moduleInfo(moduleId(m)).exports.map(({ name, kind }) => ({ name, kind: kindName(kind) }));
  }
  static imports(m) {
    return rt.moduleInfo(moduleId(m)).imports.map(({ module, name, kind }) => ({ module, name, kind: kindName(kind) }));
  }
  static customSections(m, sectionName) {
    moduleId(m);
    if (sectionName === undefined) throw new TypeError("WebAssembly.Module.customSections: a section name is required");
    return customSections(moduleBytes(m), String(sectionName));
  }
}

const kindName = (kind) => (kind === "func" ? "function" : kind);

/** Reads an unsigned LEB128 at `at`: [value, next offset]. */
function leb(bytes, at) {
  let value = 0, shift = 0, b;
  do {
    b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return [value, at];
}

/** Each top-level section of a (validated) binary: [id, start, end]. */
function* sections(bytes) {
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, start] = leb(bytes, at + 1);
    yield [id, start, start + size];
    at = start + size;
  }
}

const utf8 = new TextDecoder();

/** A name at `at`: [text, next offset]. */
function name(bytes, at) {
  const [len, from] = leb(bytes, at);
  return [utf8.decode(bytes.subarray(from, from + len)), from + len];
}

/** The payloads of the custom sections named `wanted`, in order. */
function customSections(bytes, wanted) {
  const out = [];
  for (const [id, start, end] of sections(bytes)) {
    if (id !== 0) continue;
    const [n, at] = name(bytes, start);
    if (n === wanted) out.push(bytes.slice(at, end).buffer);
  }
  return out;
}

/** The imports of a (validated) binary in order: `[kind, module, name]`, kind as the binary's byte. */
function importList(bytes) {
  const out = [];
  const skipLimits = (at) => {
    const flags = bytes[at];
    [, at] = leb(bytes, at + 1);
    if (flags & 1) [, at] = leb(bytes, at);
    if (flags & 8) [, at] = leb(bytes, at);
    return at;
  };
  const skipValType = (at) => {
    const t = bytes[at];
    return t === 0x63 || t === 0x64 ? leb(bytes, at + 1)[1] : at + 1;
  };
  for (const [id, start] of sections(bytes)) {
    if (id !== 2) continue;
    let [count, at] = leb(bytes, start);
    while (count-- > 0) {
      let module, field;
      [module, at] = name(bytes, at);
      [field, at] = name(bytes, at);
      const kind = bytes[at++];
      if (kind === 0) [, at] = leb(bytes, at);
      else if (kind === 1) at = skipLimits(skipValType(at));
      else if (kind === 2) at = skipLimits(at);
      else if (kind === 3) at = skipValType(at) + 1;
      else if (kind === 4) [, at] = leb(bytes, at + 1);
      else return out; // an encoding this reader does not know: no re-exports found past it
      out.push([kind, module, field]);
    }
  }
  return out;
}

/**
 * Export name → `[module, name]` of the import it passes on, for exports of
 * imported items (the JS API gives back the very object imported).
 */
function reexports(bytes) {
  const imports = importList(bytes);
  const byKind = [0, 1, 2, 3, 4].map((k) => imports.filter(([kind]) => kind === k));
  const out = new Map();
  for (const [id, start] of sections(bytes)) {
    if (id !== 7) continue;
    let [count, at] = leb(bytes, start);
    while (count-- > 0) {
      let n;
      [n, at] = name(bytes, at);
      const kind = bytes[at];
      let index;
      [index, at] = leb(bytes, at + 1);
      const imported = byKind[kind]?.[index];
      if (imported !== undefined) out.set(n, [imported[1], imported[2]]);
    }
  }
  return out;
}

/** Exported function name → function index (the JS API names exported functions by index). */
function exportedFuncIndices(bytes) {
  const out = new Map();
  for (const [id, start] of sections(bytes)) {
    if (id !== 7) continue;
    let [count, at] = leb(bytes, start);
    while (count-- > 0) {
      let n;
      [n, at] = name(bytes, at);
      const kind = bytes[at];
      let index;
      [index, at] = leb(bytes, at + 1);
      if (kind === 0) out.set(n, index);
    }
  }
  return out;
}

const i64Slot = new BigInt64Array(1);

/** ToBigInt64 of the JS API, exactly: a BigInt64Array element is set by it (a Number is a TypeError). */
function toI64(v) {
  i64Slot[0] = v;
  return i64Slot[0];
}

/** ToWebAssemblyValue of the JS API for one value type. */
function converter(type) {
  switch (type) {
    case "i32": return (v) => v | 0;
    case "i64": return toI64;
    case "f32": return (v) => Math.fround(+v);
    case "f64": return (v) => +v;
    case "v128": return () => { throw new TypeError("a v128 value cannot cross into or out of JavaScript"); };
    case "externref": return (v) => (v === undefined ? null : v);
    default: return (v) => v;
  }
}

/** The results a host function returned, as the JS API converts them (an iterable for several). */
function resultConverter(types) {
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

/** Reads the import object as the JS API does (ordinary property access, prototype chain included). */
function readImports(module, importObject) {
  const wanted = rt.moduleInfo(moduleId(module)).imports;
  if (importObject !== undefined && (importObject === null || typeof importObject !== "object")) {
    throw new TypeError(`WebAssembly.Instance: the import object must be an object, got ${describe(importObject)}`);
  }
  if (wanted.length > 0 && importObject === undefined) {
    throw new TypeError("WebAssembly.Instance: the module has imports, but no import object was given");
  }
  const imports = Object.create(null);
  const given = new Map();
  for (const imp of wanted) {
    const { module: m, name: n } = imp;
    const ns = importObject[m];
    if (ns === null || (typeof ns !== "object" && typeof ns !== "function")) {
      throw new TypeError(`WebAssembly.Instance: import module "${m}" must be an object, got ${describe(ns)}`);
    }
    const value = ns[n];
    (imports[m] ??= Object.create(null))[n] = importValue(imp, value, `import ${m}.${n}`);
    given.set(`${m}\0${n}`, value);
  }
  importsGiven.set(imports, given);
  return imports;
}

/** The JS values each import object read by `readImports` held, by `module\0name`. */
const importsGiven = new WeakMap();

/** What runtime-wasm is given for one import, checked as the JS API checks it. */
function importValue(imp, value, label) {
  switch (imp.kind) {
    case "func": {
      if (typeof value !== "function") throw new LinkError(`${label} must be a function, got ${describe(value)}`);
      // A wasm function exported by another instance: runtime-wasm links it
      // directly when this instance joins its store, else calls it.
      const exported = wasmFunctions.get(value);
      return exported ?? hostFunction(value, resultConverter(imp.results));
    }
    case "global": {
      const type = imp.type;
      const described = globalType(value);
      if (described !== undefined) {
        const { type: given, mutable } = described;
        if (given !== type) throw new LinkError(`${label}: expected a global of type ${type}, got ${given}`);
        if (mutable !== imp.mutable) throw new LinkError(`${label}: expected a${imp.mutable ? " mutable" : "n immutable"} global`);
        // A mutable one is shared (the instance joins its store); an immutable one's value is all there is.
        return mutable ? coreOf(value) : value.value;
      }
      if (imp.mutable) throw new LinkError(`${label} is a mutable global: it needs a WebAssembly.Global, got ${describe(value)}`);
      if (type === "i64" ? typeof value !== "bigint" : typeof value !== "number" || type === "v128") {
        throw new LinkError(`${label} is a global of type ${type}, got ${describe(value)}`);
      }
      if (type !== "i32" && type !== "i64" && type !== "f32" && type !== "f64") {
        throw new LinkError(`${label}: importing a ${type} global is not supported yet by runtime-wasm/webassembly`);
      }
      return value;
    }
    case "memory":
    case "table": {
      const core = coreOf(value);
      const want = imp.kind === "memory" ? Memory : Table;
      if (core === undefined || !(value instanceof want)) {
        throw new LinkError(`${label} must be a WebAssembly.${want.name}, got ${describe(value)}`);
      }
      // The instance joins the store the memory or table lives in.
      return core;
    }
    default:
      throw new LinkError(`${label}: importing a ${imp.kind} is not supported yet by runtime-wasm/webassembly`);
  }
}

/** Calls `f` with `this` undefined and converts what it returns, as the JS API does. */
function hostFunction(f, convert) {
  return function (...args) {
    return convert(Reflect.apply(f, undefined, args));
  };
}

const instanceConfig = (imports) => (imports === undefined ? { ...limits } : { ...limits, imports });

/** TypeError unless `value` was made by the class `brand` checks for (WebIDL's branding). */
function branded(ok, what) {
  if (!ok) throw new TypeError(`${what} called on an object that is not one`);
}

let adoptInstance;

class Instance {
  #exports;
  /** Kept so the module's code (freed when it is collected) outlives its instances. */
  #module;
  constructor(module, importObject = undefined) {
    if (module === INTERNAL) return;
    const id = moduleId(module);
    const imports = readImports(module, importObject);
    const inst = mapped(() => rt.instantiateSync(id, instanceConfig(imports)));
    [this.#exports, this.#module] = [wrapExports(inst, module, importsGiven.get(imports)), module];
  }
  static {
    adoptInstance = (inst, module, given) => {
      const i = new Instance(INTERNAL);
      [i.#exports, i.#module] = [wrapExports(inst, module, given), module];
      return i;
    };
  }
  get exports() {
    branded(this !== null && typeof this === "object" && #exports in this, "WebAssembly.Instance.exports");
    return this.#exports;
  }
}

/** The exports object: functions map errors to the JS API's classes; memories, tables, globals wrap. */
function wrapExports(inst, module, given = new Map()) {
  const out = Object.create(null);
  const raw = inst.exports;
  const passedOn = reexportsOf(module);
  for (const info of inst.getExports()) {
    const value = raw[info.name];
    // An import passed on is the very object imported, when it is one of ours.
    const from = passedOn.get(info.name);
    const original = from === undefined ? undefined : given.get(`${from[0]}\0${from[1]}`);
    if (original !== undefined && (wasmFunctions.has(original) || coreOf(original) !== undefined)) {
      out[info.name] = original;
      continue;
    }
    if (info.kind === "func") {
      out[info.name] = exportedFunction(value, String(funcIndex(module, info.name)), info.params);
      wasmFunctions.set(out[info.name], value);
      remember(internals.exportKey(value), out[info.name]);
    }
    else if (info.kind === "memory") out[info.name] = wrapMemory(value, inst, info.memory64);
    else if (info.kind === "table") out[info.name] = wrapTable(value, inst, info.table64);
    else if (info.kind === "global") out[info.name] = wrapGlobal(value, inst, info);
  }
  return Object.freeze(out);
}

/**
 * An exported function with the JS API's argument rules: missing arguments
 * are undefined, extra ones ignored, each converted by its parameter type;
 * errors become the JS API's classes.
 */
/** The runtime-wasm export function behind each exported function of the namespace. */
const wasmFunctions = new WeakMap();

/** The namespace's function for each wasm function (`instanceId:handle`), while it lives. */
const functionsByKey = new Map();
const forget = new FinalizationRegistry((key) => {
  if (functionsByKey.get(key)?.deref() === undefined) functionsByKey.delete(key);
});

function remember(key, fn) {
  if (key === undefined) return;
  functionsByKey.set(key, new WeakRef(fn));
  forget.register(fn, key);
}

function exportedFunction(f, name, params) {
  const [c0, c1, c2] = params.map(converter);
  const each = params.map(converter);
  const fail = (e) => jsError(e);
  let wrapped;
  switch (params.length) {
    case 0: wrapped = function () { try { return f(); } catch (e) { throw fail(e); } }; break;
    case 1: wrapped = function (a) { const x = c0(a); try { return f(x); } catch (e) { throw fail(e); } }; break;
    case 2: wrapped = function (a, b) { const x = c0(a), y = c1(b); try { return f(x, y); } catch (e) { throw fail(e); } }; break;
    case 3: wrapped = function (a, b, c) { const x = c0(a), y = c1(b), z = c2(c); try { return f(x, y, z); } catch (e) { throw fail(e); } }; break;
    default: wrapped = function (...args) {
      const xs = each.map((conv, i) => conv(args[i]));
      try { return f(...xs); } catch (e) { throw fail(e); }
    };
  }
  Object.defineProperty(wrapped, "name", { value: name });
  Object.defineProperty(wrapped, "length", { value: params.length });
  return wrapped;
}

/** A descriptor field as an integer in [0, max], as the JS API's [EnforceRange] does. */
function enforceRange(v, what, max = 2 ** 32 - 1) {
  const n = Number(v);
  if (!Number.isFinite(n) || Math.trunc(n) < 0 || Math.trunc(n) > max) {
    throw new TypeError(`${what} must be an integer in [0, ${max}], got ${String(v)}`);
  }
  return Math.trunc(n);
}

function descriptor(d, what) {
  if (d === null || (typeof d !== "object" && typeof d !== "function")) {
    throw new TypeError(`${what}: the descriptor must be an object, got ${describe(d)}`);
  }
  return d;
}

/** `address` of a Memory or Table descriptor: true for "i64". */
function address(d, what) {
  const given = d.address;
  if (given === undefined) return false;
  const a = String(given);
  if (a !== "i32" && a !== "i64") throw new TypeError(`${what}: address must be "i32" or "i64", got ${a}`);
  return a === "i64";
}

/** ToBigInt: a BigInt, or a string or boolean converted; a Number is a TypeError. */
function toBigInt(v) {
  const p = v !== null && typeof v === "object" ? v.valueOf() : v;
  if (typeof p === "bigint") return p;
  if (typeof p === "string" || typeof p === "boolean") return BigInt(p);
  throw new TypeError(`expected a BigInt, got ${describe(p)}`);
}

/** An address value: an [EnforceRange] integer for 32-bit, a BigInt in [0, 2^64) for 64-bit. */
function addressValue(v, what, is64) {
  if (!is64) return enforceRange(v, what);
  const b = toBigInt(v);
  if (b < 0n || b >= 1n << 64n) throw new TypeError(`${what} must be in [0, 2^64), got ${b}`);
  return b;
}

/** An address value as the core takes it (a JS number); past 2^53 nothing could fit anyway. */
function coreCount(v, what) {
  if (typeof v === "bigint" && v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${what} ${v} is too large`);
  return Number(v);
}

/** Limits `{ initial, maximum }`, read in the descriptor's member order. */
function sizes(d, what, max, is64 = false) {
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

/** Modules made for standalone objects, by their text: each is compiled once. */
const holders = new Map();

/** The module of `wat`, compiled once. */
function holder(wat) {
  let id = holders.get(wat);
  if (id === undefined) holders.set(wat, (id = mapped(() => rt.compileSync(wat))));
  return id;
}

/** One export `x` of a module made for a standalone Memory, Table or Global. */
function standalone(wat) {
  const inst = mapped(() => rt.instantiateSync(holder(wat), instanceConfig(undefined)));
  return { inst, value: inst.exports.x };
}

let wrapMemory;
/** The runtime-wasm object behind a namespace Memory, Table or Global (undefined for anything else). */
let coreOf = () => undefined;

class Memory {
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

let wrapTable;

class Table {
  #t;
  #inst;
  /** A 64-bit table: indices and sizes are BigInts. */
  #is64 = false;
  constructor(d, value = undefined) {
    if (d === INTERNAL) return;
    descriptor(d, "WebAssembly.Table");
    // The JS API reads `element` first, then `address`, `initial`, `maximum`.
    const given = String(d.element);
    const element = TABLE_ELEMENTS[given];
    if (element === undefined) throw new TypeError(`WebAssembly.Table: element must be "anyfunc" or "externref", got ${given}`);
    const is64 = address(d, "WebAssembly.Table");
    const { initial, maximum } = sizes(d, "WebAssembly.Table", 10_000_000, is64);
    const init = tableEntry(value, "WebAssembly.Table", arguments.length > 1);
    const made = standalone(`(module (table (export "x") ${is64 ? "i64 " : ""}${initial} ${maximum ?? ""} ${element}))`);
    [this.#t, this.#inst, this.#is64] = [made.value, made.inst, is64];
    if (init !== null && initial > 0) {
      mapped(() => internals.tableFill(this.#t, 0, Number(initial), init));
      remember(internals.functionKey(mapped(() => this.#t.getSync(0))), value);
    }
  }
  static {
    const next = coreOf;
    coreOf = (v) => (v !== null && typeof v === "object" && #t in v ? v.#t : next(v));
    wrapTable = (t, inst, is64 = false) => {
      const out = new Table(INTERNAL);
      [out.#t, out.#inst, out.#is64] = [t, inst, is64];
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
    if (f === null) return null;
    // One JS function per wasm function, as the JS API says.
    const key = internals.functionKey(f);
    const known = functionsByKey.get(key)?.deref();
    if (known !== undefined) return known;
    const made = exportedFunction((...args) => {
      const results = f.callSync(...args);
      return results.length === 0 ? undefined : results.length === 1 ? results[0] : results;
    }, String(i), f.params);
    remember(key, made);
    return made;
  }
  grow(delta, value = undefined) {
    Table.#check(this, "grow");
    const what = "WebAssembly.Table.grow: delta";
    const n = coreCount(addressValue(delta, what, this.#is64), what);
    const init = tableEntry(value, "WebAssembly.Table.grow", arguments.length > 1);
    const old = mapped(() => this.#t.growSync(n, init));
    if (init !== null && n > 0) remember(internals.functionKey(mapped(() => this.#t.getSync(old))), value);
    return this.#is64 ? BigInt(old) : old;
  }
  set(index, value = undefined) {
    Table.#check(this, "set");
    const i = this.#index(index, "WebAssembly.Table.set: index");
    const entry = tableEntry(value, "WebAssembly.Table.set", arguments.length > 1);
    mapped(() => this.#t.setSync(i, entry));
    // What was stored gives back the function it came from.
    if (entry !== null) remember(internals.functionKey(mapped(() => this.#t.getSync(i))), value);
  }
}

const GLOBAL_TYPES = new Set(["i32", "i64", "f32", "f64"]);
/** Value types as the JS API names them. */
const VALUE_TYPES = new Set(["i32", "i64", "f32", "f64", "v128", "externref", "anyfunc", "funcref", "anyref", "eqref", "i31ref", "structref", "arrayref", "nullref", "nullfuncref", "nullexternref", "exnref"]);

let wrapGlobal, globalType;

class Global {
  #g;
  #inst;
  #mutable;
  #type;
  constructor(d, v = undefined) {
    if (d === INTERNAL) return;
    descriptor(d, "WebAssembly.Global");
    const mutable = Boolean(d.mutable);
    const type = String(d.value);
    if (!GLOBAL_TYPES.has(type)) throw new TypeError(`WebAssembly.Global: value type must be i32, i64, f32 or f64, got ${type}`);
    const value = v === undefined ? (type === "i64" ? 0n : 0) : converter(type)(v);
    const made = standalone(`(module (global (export "x") (mut ${type}) (${type}.const 0)))`);
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

let tagArity;

class Tag {
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

class Exception {
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

function validate(bytes) {
  const b = bufferSource(bytes, "WebAssembly.validate");
  return isBinary(b) && rt.validate(b);
}

async function compileBytes(b) {
  if (!isBinary(b)) throw notBinary();
  try {
    return adoptModule(await rt.compile(b), b);
  } catch (e) {
    throw jsError(e);
  }
}

async function compile(bytes) {
  return compileBytes(bufferSource(bytes, "WebAssembly.compile"));
}

async function instantiateModule(module, importObject) {
  const id = moduleId(module);
  const imports = readImports(module, importObject);
  try {
    return adoptInstance(await rt.instantiate(id, instanceConfig(imports)), module, importsGiven.get(imports));
  } catch (e) {
    throw jsError(e);
  }
}

async function instantiate(source, importObject = undefined) {
  if (source instanceof Module) return instantiateModule(source, importObject);
  const module = await compileBytes(bufferSource(source, "WebAssembly.instantiate"));
  return { module, instance: await instantiateModule(module, importObject) };
}

/** The bytes of a `Response` (or a Promise of one) served as `application/wasm`. */
async function responseBytes(source, what) {
  const response = await source;
  if (typeof Response === "undefined" || !(response instanceof Response)) {
    throw new TypeError(`${what}: expected a Response, got ${describe(response)}`);
  }
  const type = response.headers.get("Content-Type");
  if (type === null || type.split(";")[0].trim().toLowerCase() !== "application/wasm") {
    throw new TypeError(`${what}: the response's Content-Type must be application/wasm, got ${type}`);
  }
  if (!response.ok) throw new TypeError(`${what}: the response failed with status ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function compileStreaming(source) {
  return compileBytes(await responseBytes(source, "WebAssembly.compileStreaming"));
}

async function instantiateStreaming(source, importObject = undefined) {
  const module = await compileStreaming(source);
  return { module, instance: await instantiateModule(module, importObject) };
}

/** Limits for every instance the namespace creates from now on (own properties only). */
function configure(options) {
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
}

export const WebAssembly = {};
for (const [key, value] of Object.entries({
  Module, Instance, Memory, Table, Global, Tag, Exception, CompileError, LinkError, RuntimeError,
})) {
  Object.defineProperty(WebAssembly, key, { value, writable: true, configurable: true, enumerable: false });
}
for (const [key, value] of Object.entries({
  validate, compile, instantiate, compileStreaming, instantiateStreaming, configure,
})) {
  Object.defineProperty(WebAssembly, key, { value, writable: true, configurable: true, enumerable: true });
}
Object.defineProperty(WebAssembly, Symbol.toStringTag, { value: "WebAssembly", configurable: true });
// WebIDL: operations and attributes are enumerable; each interface names itself.
for (const C of [Module, Instance, Memory, Table, Global, Tag, Exception]) {
  for (const [target, skip] of [[C, ["length", "name", "prototype"]], [C.prototype, ["constructor"]]]) {
    for (const key of Object.getOwnPropertyNames(target)) {
      if (skip.includes(key)) continue;
      Object.defineProperty(target, key, { ...Object.getOwnPropertyDescriptor(target, key), enumerable: true });
    }
  }
  Object.defineProperty(C.prototype, Symbol.toStringTag, { value: `WebAssembly.${C.name}`, configurable: true });
}

/** Puts the namespace on `globalThis.WebAssembly` (as the built-in is: writable, configurable, not enumerable). */
export function install() {
  Object.defineProperty(globalThis, "WebAssembly", { value: WebAssembly, writable: true, configurable: true, enumerable: false });
  return WebAssembly;
}

export default WebAssembly;
