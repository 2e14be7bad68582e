// The `runtime:wasm` API: compile, instantiate and call WebAssembly in a
// Wasmtime sandbox. Every operation that touches the engine has a Promise form
// (run on runtime-wasm's own threads) and a `…Sync` form.
import native from "./native.js";
import { ErrorCode, WasmError, async, sync, typeError } from "./errors.js";
import { Caller, dispatch } from "./host.js";
import { buildExports, exportedFunctions } from "./exports.js";
import { ComponentError, callComponent, callComponentMany, callComponentManySync, callComponentSync, componentExports } from "./component.js";
import { internals } from "./internals.js";
import { callNumbers, callNumbersMany, numbers, resultList } from "./numbers.js";
import { types } from "./types.js";

export { Caller, ComponentError, ErrorCode, WasmError, types };

/**
 * A Uint8Array over `buffer` (a view's range when given); a detached buffer
 * is 5007 in the API's words, not the engine's TypeError.
 */
function over(buffer, offset = 0, length = undefined) {
  try {
    return new Uint8Array(buffer, offset, length);
  } catch {
    throw typeError("the bytes given are in a detached ArrayBuffer");
  }
}

/** Module source as the addon takes it: a Uint8Array view or WAT text. */
function source(input) {
  if (typeof input === "string" || input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return over(input);
  if (ArrayBuffer.isView(input)) return over(input.buffer, input.byteOffset, input.byteLength);
  throw typeError(`module source must be a Uint8Array, ArrayBuffer, Buffer or WAT string, got ${describe(input)}`);
}

function bytes(input) {
  if (typeof input === "string") throw typeError("expected bytes, got a string (use writeString)");
  return source(input);
}

function describe(v) {
  return v === null ? "null" : Array.isArray(v) ? "an array" : typeof v;
}

/** A number argument as the addon takes it; its range is checked there. */
function num(v, what) {
  if (typeof v !== "number") throw typeError(`${what} must be a number, got ${describe(v)}`);
  return v;
}

function str(v, what) {
  if (typeof v !== "string") throw typeError(`${what} must be a string, got ${describe(v)}`);
  return v;
}

/** An argument list of a batch: an array of argument arrays. */
function list(argsList) {
  if (!Array.isArray(argsList)) throw typeError(`argsList must be an array of argument arrays, got ${describe(argsList)}`);
  argsList.forEach((args, i) => {
    if (!Array.isArray(args)) throw typeError(`argsList[${i}] must be an array of arguments, got ${describe(args)}`);
  });
  return argsList;
}

/** The bytes of `target` (any ArrayBufferView) as a Uint8Array over the same memory. */
function target8(target) {
  if (target instanceof Uint8Array) return target;
  if (ArrayBuffer.isView(target)) return over(target.buffer, target.byteOffset, target.byteLength);
  throw typeError(`readInto target must be an ArrayBufferView (a typed array, Buffer or DataView), got ${describe(target)}`);
}

function object(value, what) {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw typeError(`${what} must be an object, got ${describe(value)}`);
  }
  return value;
}

/**
 * The instance config with every Memory, Table and Global among its imports
 * replaced by a link to that export (the new instance then joins the store
 * they live in), and so are exported functions of that same store (called
 * directly, not through JS). Exported functions of other stores become
 * linkables: the new instance joins their store where the core allows it
 * (nothing else links it elsewhere, the limits match), and calls them as JS
 * functions where not.
 * A shallow snapshot of plain values, each property read once; the addon
 * checks the rest.
 */
function withLinks(config) {
  if (config === null || typeof config !== "object" || !Object.hasOwn(config, "imports")) return config;
  const snapshot = { ...config };
  const imports = snapshot.imports;
  // Anything but a plain object the addon reports in its own words.
  if (imports === null || typeof imports !== "object" || Array.isArray(imports)) return snapshot;
  const copy = {};
  const stores = new Set();
  for (const [module, names] of Object.entries(imports)) {
    if (names === null || typeof names !== "object" || Array.isArray(names)) {
      copy[module] = names;
      continue;
    }
    const entries = {};
    for (const [name, value] of Object.entries(names)) {
      const link = linkOf(value);
      if (link !== undefined) stores.add(link.storeId);
      entries[name] = link?.link ?? value;
    }
    copy[module] = entries;
  }
  for (const entries of Object.values(copy)) {
    if (entries === null || typeof entries !== "object" || Array.isArray(entries)) continue;
    for (const [name, value] of Object.entries(entries)) {
      const f = typeof value === "function" ? exportedFunctions.get(value) : undefined;
      if (f === undefined) continue;
      // Of the store being joined: linked. Of another: linked if the new
      // instance can join that store (the core decides), else called as JS.
      entries[name] = stores.has(f.n.storeId) ? f.n.exportLink(f.name) : f.n.linkable(f.name, value);
    }
  }
  // The snapshot is what the addon reads: every property was read once, here.
  return { ...snapshot, imports: copy };
}

/** Export links of Memory, Table and Global objects, for another instance's imports. */
let linkOf;

/** One linear memory of an instance (`instance.memory`, `instance.getMemory(name)`). */
export class Memory {
  #n;
  #name;
  #buffer;
  /** @internal */
  constructor(nativeInstance, name) {
    this.#n = nativeInstance;
    this.#name = name;
  }
  static {
    linkOf = (v) => {
      if (v === null || typeof v !== "object") return undefined;
      if (#n in v) return { link: v.#n.memoryLink(v.#name), storeId: v.#n.storeId };
      return linkOfTable(v) ?? linkOfGlobal(v) ?? linkOfTag(v);
    };
  }
  /**
   * The linear memory itself as an ArrayBuffer (no copy). The same object
   * until the memory grows or its instance goes away; then it is detached
   * (length 0) and the next read of `buffer` gives the new one.
   */
  get buffer() {
    const b = this.#buffer;
    // A stale buffer is detached natively, so a live non-empty one is current.
    if (b !== undefined && b.byteLength !== 0) return b;
    return (this.#buffer = sync(() => this.#n.buffer(this.#name)));
  }
  read(offset, length) { return async(() => this.#n.read(this.#name, num(offset, "offset"), num(length, "length"), false)); }
  readSync(offset, length) { return sync(() => this.#n.read(this.#name, num(offset, "offset"), num(length, "length"), true)); }
  write(offset, data) { return async(() => this.#n.write(this.#name, num(offset, "offset"), bytes(data), false)); }
  writeSync(offset, data) { return sync(() => this.#n.write(this.#name, num(offset, "offset"), bytes(data), true)); }
  /** Fills `target` (any ArrayBufferView) from `offset`; resolves to the byte count. */
  readInto(offset, target) {
    return async(() => {
      const view = target8(target);
      return this.#n.read(this.#name, num(offset, "offset"), view.length, false).then((b) => { view.set(b); return b.length; });
    });
  }
  /** Copies straight into `target` (any ArrayBufferView) with no intermediate buffer. */
  readIntoSync(offset, target) { return sync(() => this.#n.readIntoSync(this.#name, num(offset, "offset"), target8(target))); }
  readString(offset, length) { return async(() => this.#n.readString(this.#name, num(offset, "offset"), num(length, "length"), false)); }
  readStringSync(offset, length) { return sync(() => this.#n.readString(this.#name, num(offset, "offset"), num(length, "length"), true)); }
  writeString(offset, text) { return async(() => this.#n.writeString(this.#name, num(offset, "offset"), str(text, "text"), false)); }
  writeStringSync(offset, text) { return sync(() => this.#n.writeString(this.#name, num(offset, "offset"), str(text, "text"), true)); }
  size() { return async(() => this.#n.size(this.#name, false)); }
  sizeSync() { return sync(() => this.#n.size(this.#name, true)); }
  grow(deltaPages) { return async(() => this.#n.grow(this.#name, num(deltaPages, "deltaPages"), false)); }
  growSync(deltaPages) { return sync(() => this.#n.grow(this.#name, num(deltaPages, "deltaPages"), true)); }
}

/** A function taken out of a table; calls go through its instance's queue like any other. */
export class TableFunction {
  #n;
  #id;
  static {
    internals.functionKey = (f) => (f !== null && typeof f === "object" && #id in f ? `${f.#n.id}:${f.#id}` : undefined);
  }
  /** Whether its signature takes the all-number path. */
  #numeric;
  #slot;
  /** @internal */
  constructor(nativeInstance, { id, params, results, numeric }) {
    this.#n = nativeInstance;
    this.#id = id;
    this.params = params;
    this.results = results;
    this.#numeric = numeric;
  }
  call(...args) { return async(() => this.#n.callRef(this.#id, args, false)); }
  callSync(...args) {
    if (this.#numeric && numbers(args, this.params.length)) {
      return resultList(this, callNumbers((this.#slot ??= this.#n.slot()), this.#id, args));
    }
    return sync(() => this.#n.callRef(this.#id, args, true));
  }
}

/** Export links of Table, Global and Tag objects (see `linkOf`). */
let linkOfTable, linkOfGlobal, linkOfTag, tagExport;

internals.exportKey = (fn) => {
  const f = typeof fn === "function" ? exportedFunctions.get(fn) : undefined;
  return f === undefined ? undefined : `${f.n.id}:${sync(() => f.n.exportFuncSync(f.name)).id}`;
};

/**
 * A table entry as the addon takes it: null; a link to an exported function
 * of the table's store; or, for one of another store, the function itself
 * with its signature (called through JS, as an import of it would be).
 */
function entry(value, storeId) {
  if (value === null || value === undefined) return null;
  const f = typeof value === "function" ? exportedFunctions.get(value) : undefined;
  if (f === undefined) {
    throw new WasmError(ErrorCode.TypeError, `a table entry must be null or a function from instance.exports, got ${describe(value)}`);
  }
  if (f.n.storeId === storeId) return f.n.exportLink(f.name);
  const { params, results } = f.n.getExports().find((e) => e.name === f.name);
  return { host: value, params, results };
}

/** An exported table; function entries come out as `TableFunction`s, null entries as null; an `externref` table's entries are the values put in. */
export class Table {
  #n;
  #name;
  /** Whether it holds `externref`s (read from the exports once). */
  #values;
  /** @internal */
  constructor(nativeInstance, name) {
    this.#n = nativeInstance;
    this.#name = name;
  }
  #holdsValues() {
    return (this.#values ??= sync(() => this.#n.getExports()).some((e) => e.kind === "table" && e.name === this.#name && e.element === "externref"));
  }
  /** What the addon takes for `value`: a function entry, or any value for an `externref` table. */
  #entry(value) {
    if (value !== null && this.#holdsValues()) return types.externref(value);
    return entry(value, this.#n.storeId);
  }
  static {
    linkOfTable = (v) => (#n in v ? { link: v.#n.exportLink(v.#name), storeId: v.#n.storeId } : undefined);
    internals.tableFill = (t, start, len, value) =>
      sync(() => t.#n.tableFill(t.#name, start, len, t.#entry(value), true));
  }
  size() { return async(() => this.#n.tableSize(this.#name, false)); }
  sizeSync() { return sync(() => this.#n.tableSize(this.#name, true)); }
  /** Grows by `delta` entries of `init` (null when not given); returns the previous size. */
  grow(delta, ...init) { return async(() => this.#n.tableGrow(this.#name, num(delta, "delta"), this.#entry(init.length ? init[0] : null), false)); }
  growSync(delta, ...init) { return sync(() => this.#n.tableGrow(this.#name, num(delta, "delta"), this.#entry(init.length ? init[0] : null), true)); }
  /** Sets entry `index` to `value`: null, or a function from `instance.exports` (of another store: called through JS); for an `externref` table, any value. */
  set(index, value) { return async(() => this.#n.tableFill(this.#name, num(index, "index"), 1, this.#entry(value), false)); }
  setSync(index, value) { return sync(() => this.#n.tableFill(this.#name, num(index, "index"), 1, this.#entry(value), true)); }
  get(index) {
    if (this.#holdsValues()) return async(() => this.#n.tableGetValue(this.#name, num(index, "index"), false));
    return async(() => this.#n.tableGet(this.#name, num(index, "index"), false)).then((f) => this.#wrap(f));
  }
  getSync(index) {
    if (this.#holdsValues()) return sync(() => this.#n.tableGetValue(this.#name, num(index, "index"), true));
    return this.#wrap(sync(() => this.#n.tableGet(this.#name, num(index, "index"), true)));
  }
  #wrap(f) { return f == null ? null : new TableFunction(this.#n, f); }
}

/** An exported global (in `instance.exports`): `value` reads and writes it synchronously. */
export class Global {
  #n;
  #name;
  /** @internal */
  constructor(nativeInstance, name, { type, mutable }) {
    this.#n = nativeInstance;
    this.#name = name;
    this.type = type;
    this.mutable = mutable;
    Object.freeze(this);
  }
  static {
    linkOfGlobal = (v) => (#n in v ? { link: v.#n.exportLink(v.#name), storeId: v.#n.storeId } : undefined);
  }
  get value() { return sync(() => this.#n.global(this.#name, true)).value; }
  set value(v) { sync(() => this.#n.setGlobal(this.#name, v, true)); }
}

/**
 * An exported tag (in `instance.exports`): the parameter types of the
 * exceptions it makes. An uncaught wasm exception is a 5002 WasmError whose
 * `exception` is `{ tag, payload }`, `tag` this object when the tag is
 * exported (else a Tag made for it); given as an import, the importing
 * instance joins this one's store.
 */
export class Tag {
  #n;
  #name;
  #ref;
  /** @internal */
  constructor(nativeInstance, name, ref = undefined, params = undefined) {
    // A tag known only from an exception (not exported): no instance.
    if (nativeInstance !== null) ({ tag: ref, params } = sync(() => nativeInstance.tag(name)));
    this.#n = nativeInstance;
    this.#name = name;
    this.#ref = ref;
    this.parameters = Object.freeze([...params]);
    Object.freeze(this);
    // The object already standing for it (a namespace tag made in JS) stays.
    if (tagsByKey.get(tagKey(ref))?.deref() === undefined) rememberTag(ref, this);
  }
  static {
    internals.tagRef = (t) => (t !== null && typeof t === "object" && #ref in t ? t.#ref : undefined);
    linkOfTag = (v) => (#n in v && v.#n !== null ? { link: v.#n.exportLink(v.#name), storeId: v.#n.storeId } : undefined);
    /** Tag export `name`: the object already standing for the tag (met in an exception first), else a new one. */
    tagExport = (n, name) => {
      const { tag, params } = sync(() => n.tag(name));
      const known = tagsByKey.get(tagKey(tag))?.deref();
      if (!(known instanceof Tag)) return new Tag(n, name);
      if (known.#n === null) [known.#n, known.#name] = [n, name];
      return known;
    };
  }
}

/** The object standing for each tag name (`{ host, id }`) seen, while it lives. */
const tagsByKey = new Map();
const tagKey = (tag) => `${tag.host ? "h" : "g"}${tag.id}`;
const forgetTag = new FinalizationRegistry((key) => {
  if (tagsByKey.get(key)?.deref() === undefined) tagsByKey.delete(key);
});
function rememberTag(tag, obj) {
  const key = tagKey(tag);
  tagsByKey.set(key, new WeakRef(obj));
  forgetTag.register(obj, key);
}
internals.rememberTag = rememberTag;
internals.tagObject = (tag, params) => tagsByKey.get(tagKey(tag))?.deref() ?? new Tag(null, undefined, tag, params);

/** A live instance with its own store; calls into it run one at a time, in order. */
export class Instance {
  #n;
  #memory;
  /** Exported functions resolved so far: name → `{ id, params, results }` if all-number, else null. */
  #numeric = new Map();
  /** The last name looked up there, and what it gave: the common case of one hot export. */
  #lastName;
  #lastFunc = null;
  #slot = -1;
  /** Whether it is a component's instance (read once: `call` is a hot path). */
  #component;
  /** @internal */
  constructor(nativeInstance) {
    this.#n = nativeInstance;
    this.#component = nativeInstance.isComponent;
  }
  get id() { return this.#n.id; }
  get moduleId() { return this.#n.moduleId; }
  /** `"baseline"` or `"optimized"`: the code this instance runs, for its whole life. */
  get tier() { return this.#n.tier; }
  #exports;
  /** Exported functions, memories, tables and globals with their types. */
  getExports() { return this.#n.getExports(); }
  /**
   * The exports in the WebAssembly JS API's shape: functions called
   * synchronously (undefined, the value, or an array for several results),
   * and `Memory`, `Table` and `Global` objects.
   */
  get exports() {
    if (this.#component) return (this.#exports ??= componentExports(this.#n));
    return (this.#exports ??= buildExports(this.#n, this.#n.getExports(), (e) => {
      if (e.kind === "memory") return new Memory(this.#n, e.name);
      if (e.kind === "table") return new Table(this.#n, e.name);
      if (e.kind === "tag") return tagExport(this.#n, e.name);
      return new Global(this.#n, e.name, e);
    }));
  }
  /** Calls an export; resolves to its result (undefined, a value, or an array for several). */
  call(name, ...args) {
    if (this.#component) return callComponent(this.#n, name, args);
    return async(() => this.#n.call(str(name, "export name"), args, false));
  }
  callSync(name, ...args) {
    if (this.#component) return callComponentSync(this.#n, name, args);
    const f = this.#numericFunc(name);
    if (f !== null && numbers(args, f.params.length)) return resultList(f, callNumbers(this.#slot, f.id, args));
    return sync(() => this.#n.call(str(name, "export name"), args, true));
  }
  /** Calls an export once per argument list in one crossing; resolves to the results in order. */
  callMany(name, argsList) {
    if (this.#component) {
      try {
        return callComponentMany(this.#n, name, list(argsList));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return async(() => this.#n.callMany(str(name, "export name"), list(argsList), false));
  }
  callManySync(name, argsList) {
    if (this.#component) return callComponentManySync(this.#n, name, list(argsList));
    const f = this.#numericFunc(name);
    return (f !== null ? callNumbersMany(this.#slot, f, argsList) : undefined) ??
      sync(() => this.#n.callMany(str(name, "export name"), list(argsList), true));
  }
  /** Export `name` as an all-number function handle, or null (the general path applies). */
  #numericFunc(name) {
    if (name === this.#lastName) return this.#lastFunc;
    let f = this.#numeric.get(name);
    if (f === undefined) f = this.#resolve(name);
    if (this.#numeric.has(name)) [this.#lastName, this.#lastFunc] = [name, f];
    return f;
  }
  #resolve(name) {
    if (typeof name !== "string") return null;
    let f;
    try {
      f = this.#n.exportFuncSync(name);
    } catch {
      return null; // not a function export, or busy: the general path reports it
    }
    if (!f.numeric) f = null;
    if (f !== null && this.#slot < 0) this.#slot = this.#n.slot();
    this.#numeric.set(name, f);
    return f;
  }
  /** Runs the WASI command (`_start`); resolves to `{ exitCode, stdout?, stderr? }`. */
  run() { return async(() => this.#n.run(false)); }
  runSync() { return sync(() => this.#n.run(true)); }
  /** Drains captured stdout / stderr collected since the last take. */
  takeStdout() { return sync(() => this.#n.takeStdout()); }
  takeStderr() { return sync(() => this.#n.takeStderr()); }
  /** The export named `memory`, else the first exported memory. */
  get memory() { return (this.#memory ??= new Memory(this.#n, null)); }
  getMemory(name) {
    if (typeof name !== "string") throw typeError(`memory name must be a string, got ${describe(name)}`);
    return new Memory(this.#n, name);
  }
  /** `{ type, mutable, value }` of an exported global. */
  getGlobal(name) { return async(() => this.#n.global(str(name, "global name"), false)); }
  getGlobalSync(name) { return sync(() => this.#n.global(str(name, "global name"), true)); }
  /** Sets a mutable global, converting `value` by its type; immutable: 5007. */
  setGlobal(name, value) { return async(() => this.#n.setGlobal(str(name, "global name"), value, false)); }
  setGlobalSync(name, value) { return sync(() => this.#n.setGlobal(str(name, "global name"), value, true)); }
  getTable(name) {
    if (typeof name !== "string") throw typeError(`table name must be a string, got ${describe(name)}`);
    return new Table(this.#n, name);
  }
  /** Fuel left (bigint); 5007 when the instance was not given `fuel`. */
  fuel() { return async(() => this.#n.fuel(false)); }
  fuelSync() { return sync(() => this.#n.fuel(true)); }
  /** Sets the fuel left (number or bigint); a guest stopped by 5011 can then go on. */
  setFuel(amount) { return async(() => this.#n.setFuel(amount, false)); }
  setFuelSync(amount) { return sync(() => this.#n.setFuel(amount, true)); }
  /** Frees the store after the calls already queued; later use fails with 5005. */
  drop() { return async(() => this.#n.drop(false)); }
  /** Frees the store now; queued calls fail with 5005. */
  dropSync() { return sync(() => this.#n.drop(true)); }
  /** `using inst = …`: dropped at the end of the scope (a dropped instance is left as it is). */
  [Symbol.dispose]() { if (!this.#n.isDropped) this.dropSync(); }
  /** `await using inst = …`: dropped after its queued calls at the end of the scope. */
  async [Symbol.asyncDispose]() { if (!this.#n.isDropped) await this.drop(); }
}

/** `options.signal` of a compile: own property only, an AbortSignal or absent. */
function signalOf(options, what) {
  if (options === undefined) return undefined;
  object(options, `${what} options`);
  for (const key of Object.keys(options)) {
    if (key !== "signal") throw typeError(`${what}: unknown option \`${key}\` (known: signal)`);
  }
  const d = Object.getOwnPropertyDescriptor(options, "signal");
  if (d === undefined || d.value === undefined) return undefined;
  if (!("value" in d) || !(d.value instanceof AbortSignal)) {
    throw typeError(`${what}: signal must be an AbortSignal, got ${describe(d.value ?? d.get)}`);
  }
  return d.value;
}

/**
 * Runs a compile `start(handle)` that `signal` may give up: on abort the
 * Promise rejects at once with the signal's reason, and the compile, which
 * Wasmtime cannot stop midway, runs to its end and is dropped (nothing
 * cached; a handle made just before the abort is dropped too).
 */
function abortable(rt, signal, start) {
  if (signal === undefined) return async(() => start(undefined));
  if (signal.aborted) return Promise.reject(signal.reason);
  const handle = new native.CompileAbort();
  const compiling = async(() => start(handle));
  return new Promise((resolve, reject) => {
    let given = false;
    const onAbort = () => {
      given = true;
      handle.abort();
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    compiling.then((id) => {
      signal.removeEventListener("abort", onAbort);
      if (!given) return resolve(id);
      try {
        rt.dropModule(id);
      } catch {
        // The runtime was closed meanwhile: the handle is gone with it.
      }
    }, (e) => {
      signal.removeEventListener("abort", onAbort);
      if (!given) reject(e);
    });
  });
}

/** An isolated engine, policy and set of handles. */
export class Runtime {
  #n;
  constructor(options = {}) {
    object(options, "Runtime options");
    this.#n = sync(() => new native.Runtime(options, dispatch));
  }
  static {
    internals.forgetModule = (rt, id) => rt.#n.forgetModule(id);
  }
  /** `options.signal`: an AbortSignal that gives up on the compile (see `abortable`). */
  compile(src, options = undefined) {
    let signal, bytes;
    try {
      [signal, bytes] = [signalOf(options, "compile"), source(src)];
    } catch (e) {
      return Promise.reject(e);
    }
    return abortable(this, signal, (handle) => this.#n.compile(bytes, false, handle));
  }
  compileSync(src) { return sync(() => this.#n.compile(source(src), true)); }
  compileFile(path, options = undefined) {
    let signal, file;
    try {
      [signal, file] = [signalOf(options, "compileFile"), str(path, "path")];
    } catch (e) {
      return Promise.reject(e);
    }
    return abortable(this, signal, (handle) => this.#n.compileFile(file, false, handle));
  }
  compileFileSync(path) { return sync(() => this.#n.compileFile(str(path, "path"), true)); }
  validate(src) { return this.#n.validate(source(src)); }
  /** The wasm binary of WAT text (5000 on a syntax error); binaries pass through. */
  wat2wasm(src) { return sync(() => this.#n.wat2wasm(source(src))); }
  moduleInfo(id) { return sync(() => this.#n.moduleInfo(str(id, "module id"))); }
  /** The payloads of the module's custom sections named `name`, in order. */
  customSections(id, name) { return sync(() => this.#n.customSections(str(id, "module id"), str(name, "section name"))); }
  dropModule(id) { return sync(() => this.#n.dropModule(str(id, "module id"))); }
  /** A `.cwasm` artifact (native code and the module's bytes) for `compileFile` with `allowPrecompiled`. */
  precompile(src) { return async(() => this.#n.precompile(source(src), false)); }
  precompileSync(src) { return sync(() => this.#n.precompile(source(src), true)); }
  /** `precompile` of a file, read as `compileFile` reads it (policy-checked). */
  precompileFile(path) { return async(() => this.#n.precompileFile(str(path, "path"), false)); }
  precompileFileSync(path) { return sync(() => this.#n.precompileFile(str(path, "path"), true)); }
  /** `"baseline"` or `"optimized"`: the code new instances of the module get now. */
  tier(id) { return sync(() => this.#n.tier(str(id, "module id"))); }
  /** Settles once the module's optimized code, built in the background, is ready. */
  tierUp(id) { return async(() => this.#n.tierUp(str(id, "module id"), false)); }
  tierUpSync(id) { return sync(() => this.#n.tierUp(str(id, "module id"), true)); }
  instantiate(moduleId, config) {
    return async(() => this.#n.instantiate(str(moduleId, "module id"), withLinks(object(config, "instance config")), false))
      .then((n) => new Instance(n));
  }
  instantiateSync(moduleId, config) {
    return new Instance(sync(() => this.#n.instantiate(str(moduleId, "module id"), withLinks(object(config, "instance config")), true)));
  }
  /** Number of live instances. */
  get instanceCount() { return this.#n.instanceCount; }
  /** Frees every module and instance of this runtime; it stays usable. */
  close() { this.#n.close(); }
  /** `using rt = new Runtime()`: everything it holds is freed at the end of the scope. */
  [Symbol.dispose]() { this.close(); }
  async [Symbol.asyncDispose]() { this.close(); }
}

let defaultRuntime;
/** The runtime behind the module-level functions. */
export function getDefaultRuntime() {
  return (defaultRuntime ??= new Runtime());
}

export const compile = (src, options) => getDefaultRuntime().compile(src, options);
export const compileSync = (src) => getDefaultRuntime().compileSync(src);
export const compileFile = (path, options) => getDefaultRuntime().compileFile(path, options);
export const compileFileSync = (path) => getDefaultRuntime().compileFileSync(path);
export const validate = (src) => getDefaultRuntime().validate(src);
export const wat2wasm = (src) => getDefaultRuntime().wat2wasm(src);
export const moduleInfo = (id) => getDefaultRuntime().moduleInfo(id);
export const customSections = (id, name) => getDefaultRuntime().customSections(id, name);
export const dropModule = (id) => getDefaultRuntime().dropModule(id);
export const precompile = (src) => getDefaultRuntime().precompile(src);
export const precompileSync = (src) => getDefaultRuntime().precompileSync(src);
export const precompileFile = (path) => getDefaultRuntime().precompileFile(path);
export const precompileFileSync = (path) => getDefaultRuntime().precompileFileSync(path);
export const tier = (id) => getDefaultRuntime().tier(id);
export const tierUp = (id) => getDefaultRuntime().tierUp(id);
export const tierUpSync = (id) => getDefaultRuntime().tierUpSync(id);
export const instantiate = (id, config) => getDefaultRuntime().instantiate(id, config);
export const instantiateSync = (id, config) => getDefaultRuntime().instantiateSync(id, config);

