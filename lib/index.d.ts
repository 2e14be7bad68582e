// Types of the runtime-wasm package (`runtime:wasm` API).
/// <reference path="./runtime-wasm.d.ts" />

// Explicit resource management (`using`, ES2026), declared here as
// @types/node declares it, so a program compiled for es2022 without
// @types/node or an esnext lib can use these types; the declarations merge
// with TypeScript's own where those are present.
declare global {
  interface SymbolConstructor {
    /** The method `using` calls at the end of the scope. */
    readonly dispose: unique symbol;
    /** The method `await using` calls (and awaits) at the end of the scope. */
    readonly asyncDispose: unique symbol;
  }
  interface Disposable {
    [Symbol.dispose](): void;
  }
  interface AsyncDisposable {
    [Symbol.asyncDispose](): PromiseLike<void>;
  }
}

/** A module handle returned by `compile`. */
export type ModuleId = string;

/** A value a wasm function returns: i32/f32/f64 as number, i64 as bigint, v128 as 16 bytes, null references, and for an `externref` the very JS value it holds. */
export type Value = number | bigint | Uint8Array | null | HostValue;

/**
 * A JS value an `externref` holds, as given (any value: numbers, bigints,
 * arrays and `Uint8Array`s too, passed as `types.externref(x)`).
 */
export type HostValue = object | symbol | string | boolean | undefined;

/** An explicitly typed argument, made by `types.*`. */
export interface TypedValue {
  readonly wasmType: "i32" | "i64" | "f32" | "f64" | "v128" | "externref";
  readonly value: unknown;
}

/** What a function accepts as an argument; checked against its signature. */
export type Argument = number | bigint | Uint8Array | null | HostValue | TypedValue;

/**
 * The name of a value type, as signatures, globals and tables report it.
 * Reference types other than the four short names are spelled as Wasmtime
 * prints them, e.g. `"(ref func)"` or `"(ref null $t)"`.
 */
export type ValType =
  | "i32" | "i64" | "f32" | "f64" | "v128"
  | "funcref" | "externref" | "exnref" | "anyref"
  | `(ref ${string})`;

/** A function of `instance.exports`: called synchronously; returns undefined for no results, the value for one, an array for several. */
export type ExportFunction = (...args: Argument[]) => Value | Value[] | undefined;

/** One entry of `instance.exports`, by the export's kind. */
export type ExportValue = ExportFunction | Memory | Table | Global | Tag;

/**
 * A component value in jco's shapes: numbers (`bigint` for `u64`/`s64`),
 * strings (also `char` and enum cases), booleans, `Uint8Array` for
 * `list<u8>`, arrays for other lists and tuples, objects for records
 * (lowerCamelCase keys), variants and nested options / results (`{ tag, val }`)
 * and flags (booleans), `undefined` for an option's none, and resources
 * (`ComponentResource`).
 */
export type ComponentValue =
  | ComponentResource
  | undefined
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | ComponentValue[]
  | { [key: string]: ComponentValue };

/**
 * A resource a component instance gave the host: an object of its type's
 * class (with the methods the component exports for it), good for that
 * instance only, released by `Symbol.dispose` (or once collected).
 */
export interface ComponentResource {
  [Symbol.dispose](): void;
}

/** A component function on `instance.exports`: called synchronously, it returns its value. */
export type ComponentFunction = (...args: ComponentValue[]) => ComponentValue;

/** An exported interface on a component instance's `exports`: its functions by lowerCamelCase name. */
export type ComponentInterface = Readonly<Record<string, ComponentFunction>>;

/** The error value of a `result<T, E>` a component function returned, thrown (as jco throws it). */
export class ComponentError extends Error {
  constructor(payload: ComponentValue);
  readonly payload: ComponentValue;
}

export const types: {
  readonly i32: (value: number) => TypedValue;
  readonly i64: (value: bigint | number) => TypedValue;
  readonly f32: (value: number) => TypedValue;
  readonly f64: (value: number) => TypedValue;
  readonly v128: (value: Uint8Array) => TypedValue;
  /** Any JS value as an `externref` (for a number, bigint, array or bytes, which otherwise keep their own meaning). */
  readonly externref: (value: unknown) => TypedValue;
};

/** The type of a function import or export. */
export interface FuncType {
  kind: "func";
  params: ValType[];
  results: ValType[];
}

/** The type of a memory import or export; sizes in 64 KiB pages. */
export interface MemoryType {
  kind: "memory";
  minimum: number;
  maximum?: number;
  shared: boolean;
  memory64: boolean;
}

/** The type of a table import or export; sizes in elements. */
export interface TableType {
  kind: "table";
  /** The element type, e.g. "funcref". */
  element: ValType;
  minimum: number;
  maximum?: number;
  /** Indexed by i64 (the memory64 proposal's 64-bit tables). */
  table64: boolean;
}

/** The type of a global import or export. */
export interface GlobalType {
  kind: "global";
  type: ValType;
  mutable: boolean;
}

/** The type of an exception tag import or export. */
export interface TagType {
  kind: "tag";
  params: ValType[];
}

/** Any extern's type, discriminated by `kind`. */
export type ExternType = FuncType | MemoryType | TableType | GlobalType | TagType;

export type ExternKind = ExternType["kind"];

/** One export and its type; narrow on `kind` to reach the kind's fields (`params` after `kind === "func"`). */
export type ExportInfo = ExternType & {
  name: string;
  /** The item's index among the module's items of its kind, imported ones first (a function's is its name in the JS API). */
  index: number;
  /** For an export of an imported item: the position of that import in `ModuleInfo.imports`. */
  reexport?: number;
};

/** One import and its type, like `ExportInfo` with the importing `module`. */
export type ImportInfo = ExternType & { module: string; name: string };

export interface ModuleInfo {
  kind: "module";
  imports: ImportInfo[];
  exports: ExportInfo[];
}

/** One top-level import or export of a component, as the component names it (`"add"`, `"ns:pkg/iface@1.0.0"`). */
export interface ComponentItem {
  name: string;
  kind: "func" | "instance" | "resource" | "type" | "module" | "component" | "core func";
}

/** One exported function of a component. */
export interface ComponentFunctionInfo {
  /** The name `call` takes: `"add"`, `"ns:pkg/iface@1.0.0#fn"`, `"ns:pkg/iface@1.0.0#[method]res.fn"`. */
  name: string;
  /** Where `instance.exports` puts it: `["add"]`, `["iface", "fn"]`, `["iface", "Res", "fn"]`. */
  path: string[];
  kind: "func" | "constructor" | "method" | "static";
}

/** What a component imports and exports; `wit` is its world as WIT text (with the packages it uses). */
export interface ComponentInfo {
  kind: "component";
  wit: string;
  imports: ComponentItem[];
  exports: ComponentItem[];
  functions: ComponentFunctionInfo[];
  /** Its exports as TypeScript declarations in jco's shapes (what `runtime-wasm inspect --dts` prints); empty without a WIT world. */
  dts: string;
}

export type Source = Uint8Array | ArrayBuffer | ArrayBufferView | string;

export interface Preopen {
  path: string;
  readonly?: boolean;
}

/** `this` inside a host function: the calling instance's memory while the call lasts. */
export class Caller {
  private constructor();
  read(offset: number, length: number, memory?: string | null): Uint8Array;
  write(offset: number, bytes: Uint8Array, memory?: string | null): void;
  readString(offset: number, length: number, memory?: string | null): string;
  writeString(offset: number, text: string, memory?: string | null): number;
  /** Size in 64 KiB pages. */
  size(memory?: string | null): number;
}

/** A JS function a guest imports. Arguments follow the import's parameter types (i64 as bigint); return nothing, a value, or an array for several results. In async calls it may return a Promise. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- argument types come from the module at run time
export type HostFunction = (this: Caller, ...args: any[]) => Argument | Argument[] | void | Promise<Argument | Argument[] | void>;

export interface InstanceConfig {
  /** Host functions by module and name: `{ env: { log(ptr, len) { … } } }`. */
  /**
   * Host functions; another instance's `Memory`, `Table` or `Global` (the new
   * instance joins that instance's store: same memory, one queue, one set of
   * limits); or a number / bigint for an immutable global import.
   */
  imports?: Record<string, Record<string, HostFunction | Memory | Table | Global | Tag | number | bigint>>;
  preopens?: Record<string, string | Preopen>;
  env?: Record<string, string>;
  /** The full argv; args[0] is the program name. */
  args?: string[];
  inheritStdin?: boolean;
  inheritStdout?: boolean;
  inheritStderr?: boolean;
  stdin?: string | Uint8Array;
  captureStdout?: boolean;
  captureStderr?: boolean;
  /** Bytes each captured stream may hold over the instance's life (default 16 MiB). */
  captureLimit?: number;
  /** Fuel units the instance may burn; running out is 5011. Without it, code runs unmetered. */
  fuel?: number | bigint;
  /** Wall-clock budget of every call (and of instantiation), in ms; passing it is 5012. */
  timeoutMs?: number;
  /** Bytes all linear memories of the instance may hold together. */
  maxMemoryBytes?: number;
  /** Elements any one table may hold. */
  maxTableElements?: number;
  /**
   * Bytes the host may allocate for one value a component's guest hands it
   * (default 64 MiB); a bigger string or list fails the call with 5013.
   */
  maxValueBytes?: number;
}

export interface Policy {
  /** Directories `compileFile` may read below. */
  read?: string[];
  /** Directories WASI may preopen (or below). */
  preopen?: string[];
}

export interface RuntimeOptions {
  policy?: Policy;
  /** Live instances allowed at once; one more is 5013. */
  maxInstances?: number;
  /** A trusted directory where compiled code persists across processes. */
  cacheDir?: string;
  /** Instance slots kept ready per engine (default 1000); beyond them instances are allocated on demand; 0 turns pooling off. */
  pool?: number;
  /** Largest module `compileFile` reads, in bytes (default 1 GiB). */
  maxModuleBytes?: number;
  /**
   * `"tiered"` (default): baseline code (Winch) first, optimized code (Cranelift)
   * built in the background for instances made once it is ready; a module
   * with at most 64 KiB of code is compiled optimized at once.
   * `"optimized"`: Cranelift only. `"baseline"`: Winch only (Cranelift where Winch cannot).
   */
  compiler?: Compiler;
  /** Let `compileFile` load `.cwasm` artifacts from `precompile` (native code: trust them as the program). Otherwise 5009. */
  allowPrecompiled?: boolean;
}

export type Compiler = "tiered" | "optimized" | "baseline";
export type Tier = "baseline" | "optimized";

export interface RunOutput {
  exitCode: number;
  stdout?: Uint8Array;
  stderr?: Uint8Array;
}

export interface Frame {
  module?: string;
  funcIndex: number;
  funcName?: string;
  moduleOffset?: number;
}

// <error-codes> generated by scripts/gen-error-codes.mjs from the Rust ErrorCode (npm run build, then node scripts/gen-error-codes.mjs); do not edit by hand
export const ErrorCode: {
  readonly CompileError: 5000;
  readonly InstantiateError: 5001;
  readonly CallError: 5002;
  readonly ExportNotFound: 5003;
  readonly InvalidModuleHandle: 5004;
  readonly InvalidInstanceHandle: 5005;
  readonly MemoryError: 5006;
  readonly TypeError: 5007;
  readonly IoError: 5008;
  readonly PermissionDenied: 5009;
  readonly WasiError: 5010;
  readonly FuelExhausted: 5011;
  readonly Timeout: 5012;
  readonly LimitExceeded: 5013;
};
// </error-codes>
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
export type ErrorCodeName = keyof typeof ErrorCode;

/** Options of an asynchronous compile. */
export interface CompileOptions {
  /**
   * Gives up on the compile: the Promise rejects at once with the signal's
   * reason. Wasmtime cannot stop a compile midway: it runs to its end on its
   * worker and its result is dropped — no handle, no cache entry, no
   * background build of optimized code.
   */
  signal?: AbortSignalLike;
}

/** The part of the platform's `AbortSignal` these types rely on (an `AbortSignal` is required at run time). */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

export class WasmError extends Error {
  constructor(code: ErrorCode, message: string, extra?: { trap?: string; wasmBacktrace?: Frame[]; exitCode?: number; offset?: number; cause?: unknown });
  readonly code: ErrorCode;
  readonly codeName: ErrorCodeName;
  /** Short name of the trap, e.g. "unreachable", "out of bounds memory access", "stack overflow". */
  readonly trap?: string;
  readonly wasmBacktrace?: Frame[];
  /** The guest's exit status when it called proc_exit inside a call. */
  readonly exitCode?: number;
  /** Byte offset of a compile error, when known. */
  readonly offset?: number;
  /**
   * A wasm exception no guest caught (code 5002): its tag (the `Tag` of
   * `instance.exports` when the tag is exported) and its payload.
   */
  readonly exception?: { tag: Tag; payload: Value[] };
}

/**
 * An exported tag (in `instance.exports`); given as an import, the
 * importing instance joins the exporter's store.
 */
export class Tag {
  private constructor();
  /** The value types of the payload of its exceptions. */
  readonly parameters: readonly ValType[];
}

export class Memory {
  private constructor();
  /**
   * The linear memory itself (zero-copy): the same ArrayBuffer until the
   * memory grows or its instance is dropped, when it is detached (length 0).
   * While an async call runs the guest on another thread, a view sees its
   * writes as they happen, unordered, as with a shared buffer; it covers the
   * memory as it was when JS last ran beside the guest (a call's end, a host
   * call). Holding a buffer keeps the memory's bytes allocated until it is
   * collected, even after `drop()`.
   */
  readonly buffer: ArrayBuffer;
  read(offset: number, length: number): Promise<Uint8Array>;
  readSync(offset: number, length: number): Uint8Array;
  write(offset: number, bytes: Uint8Array | ArrayBuffer | ArrayBufferView): Promise<void>;
  writeSync(offset: number, bytes: Uint8Array | ArrayBuffer | ArrayBufferView): void;
  /** Fills `target` (any typed array, Buffer or DataView) from `offset`; returns the number of bytes read. */
  readInto(offset: number, target: ArrayBufferView): Promise<number>;
  readIntoSync(offset: number, target: ArrayBufferView): number;
  readString(offset: number, length: number): Promise<string>;
  readStringSync(offset: number, length: number): string;
  /** Returns the number of bytes written (UTF-8). */
  writeString(offset: number, text: string): Promise<number>;
  writeStringSync(offset: number, text: string): number;
  /** Size in 64 KiB pages. */
  size(): Promise<number>;
  sizeSync(): number;
  /** Returns the previous size in pages. */
  grow(deltaPages: number): Promise<number>;
  growSync(deltaPages: number): number;
}

export interface GlobalInfo {
  type: ValType;
  mutable: boolean;
  value: Value;
}

/** An exported global as `instance.exports` gives it: `value` reads and writes it synchronously. */
export class Global {
  private constructor();
  readonly type: ValType;
  readonly mutable: boolean;
  /** The current value; setting it converts by `type` (immutable: 5007). */
  get value(): Value;
  set value(value: Argument);
}

/** A function taken out of a table. */
export class TableFunction {
  private constructor();
  readonly params: ValType[];
  readonly results: ValType[];
  /** Resolves to the array of results (`[]`, `[x]`, `[x, y]`); `call<[number]>(…)` names their types. */
  call<R extends Value[] = Value[]>(...args: Argument[]): Promise<R>;
  callSync<R extends Value[] = Value[]>(...args: Argument[]): R;
}

export class Table {
  private constructor();
  size(): Promise<number>;
  sizeSync(): number;
  /** Grows by `delta` entries of `init` (null by default: a function from `instance.exports` of this store); returns the previous size. */
  grow(delta: number, init?: ExportFunction | null): Promise<number>;
  growSync(delta: number, init?: ExportFunction | null): number;
  /** Sets entry `index` to null or a function from `instance.exports` of an instance in this table's store (5007 otherwise). */
  set(index: number, value: ExportFunction | null): Promise<void>;
  setSync(index: number, value: ExportFunction | null): void;
  /** The function at `index`, or null for an empty entry. */
  get(index: number): Promise<TableFunction | null>;
  getSync(index: number): TableFunction | null;
}

/**
 * An instance; `E` types its `exports` (for a component, the declarations
 * `runtime-wasm inspect --dts` prints: `instantiate<typeof import("./types")>(id)`).
 */
export class Instance<E extends object = Readonly<Record<string, ExportValue>>> {
  private constructor();
  readonly id: string;
  readonly moduleId: ModuleId;
  /** The code this instance runs, for its whole life. */
  readonly tier: Tier;
  getExports(): ExportInfo[];
  /**
   * The exports in the WebAssembly JS API's shape (frozen): functions called
   * synchronously, and `Memory`, `Table` and `Global` objects. (A component
   * instance's are in jco's shape: its functions, and an object per exported
   * interface under its short and its full name — see `ComponentInterface`;
   * typed per component in a later release.)
   */
  readonly exports: E;
  /**
   * Calls an export; resolves to the array of its results (`[]`, `[x]`,
   * `[x, y]`): `const [n] = await inst.call<[number]>("add", 1, 2)`. (A
   * component's functions take and give `ComponentValue`s; the error of a
   * `result` one returns is thrown as a `ComponentError`.)
   */
  call<R extends Value[] = Value[]>(name: string, ...args: Argument[]): Promise<R>;
  callSync<R extends Value[] = Value[]>(name: string, ...args: Argument[]): R;
  /** One call per argument list, in order, in one crossing; one result array per call. */
  callMany<R extends Value[] = Value[]>(name: string, argsList: Argument[][]): Promise<R[]>;
  callManySync<R extends Value[] = Value[]>(name: string, argsList: Argument[][]): R[];
  /** Runs a WASI command: a module's `_start`, or a component's `wasi:cli/run`. */
  run(): Promise<RunOutput>;
  runSync(): RunOutput;
  takeStdout(): Uint8Array;
  takeStderr(): Uint8Array;
  readonly memory: Memory;
  getMemory(name: string): Memory;
  getGlobal(name: string): Promise<GlobalInfo>;
  getGlobalSync(name: string): GlobalInfo;
  setGlobal(name: string, value: Argument): Promise<void>;
  setGlobalSync(name: string, value: Argument): void;
  getTable(name: string): Table;
  fuel(): Promise<bigint>;
  fuelSync(): bigint;
  setFuel(amount: number | bigint): Promise<void>;
  setFuelSync(amount: number | bigint): void;
  drop(): Promise<void>;
  dropSync(): void;
  /** `using inst = …`: dropped (`dropSync`) at the end of the scope. */
  [Symbol.dispose](): void;
  /** `await using inst = …`: dropped (`drop`, after its queued calls) at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void>;
}

export class Runtime {
  constructor(options?: RuntimeOptions);
  /** `signal` gives up on the compile: the Promise rejects with its reason; nothing is cached. */
  compile(source: Source, options?: CompileOptions): Promise<ModuleId>;
  compileSync(source: Source): ModuleId;
  compileFile(path: string, options?: CompileOptions): Promise<ModuleId>;
  compileFileSync(path: string): ModuleId;
  validate(source: Source): boolean;
  wat2wasm(source: Source): Uint8Array;
  /** A module's imports and exports, or a component's world; narrow on `kind`. */
  moduleInfo(id: ModuleId): ModuleInfo | ComponentInfo;
  /** The payloads of the module's custom sections named `name`, in order. */
  customSections(id: ModuleId, name: string): Uint8Array[];
  dropModule(id: ModuleId): void;
  precompile(source: Source): Promise<Uint8Array>;
  precompileSync(source: Source): Uint8Array;
  /** `precompile` of a file, read as `compileFile` reads it (policy-checked). */
  precompileFile(path: string): Promise<Uint8Array>;
  precompileFileSync(path: string): Uint8Array;
  tier(id: ModuleId): Tier;
  tierUp(id: ModuleId): Promise<void>;
  tierUpSync(id: ModuleId): void;
  instantiate<E extends object = Readonly<Record<string, ExportValue>>>(id: ModuleId, config?: InstanceConfig): Promise<Instance<E>>;
  instantiateSync<E extends object = Readonly<Record<string, ExportValue>>>(id: ModuleId, config?: InstanceConfig): Instance<E>;
  readonly instanceCount: number;
  /** Frees every module and instance this runtime holds; it stays usable. */
  close(): void;
  /** `using rt = new Runtime()`: `close()` at the end of the scope. */
  [Symbol.dispose](): void;
  [Symbol.asyncDispose](): Promise<void>;
}

export function getDefaultRuntime(): Runtime;
export function compile(source: Source, options?: CompileOptions): Promise<ModuleId>;
export function compileSync(source: Source): ModuleId;
export function compileFile(path: string, options?: CompileOptions): Promise<ModuleId>;
export function compileFileSync(path: string): ModuleId;
export function validate(source: Source): boolean;
/** The wasm binary of WAT text (5000 on a syntax error); binaries pass through. */
export function wat2wasm(source: Source): Uint8Array;
export function moduleInfo(id: ModuleId): ModuleInfo | ComponentInfo;
export function customSections(id: ModuleId, name: string): Uint8Array[];
export function dropModule(id: ModuleId): void;
/** A `.cwasm` artifact for `compileFile` on a runtime with `allowPrecompiled`. */
export function precompile(source: Source): Promise<Uint8Array>;
export function precompileSync(source: Source): Uint8Array;
export function precompileFile(path: string): Promise<Uint8Array>;
export function precompileFileSync(path: string): Uint8Array;
/** The code new instances of the module get now. */
export function tier(id: ModuleId): Tier;
/** Settles once the module's optimized code is ready. */
export function tierUp(id: ModuleId): Promise<void>;
export function tierUpSync(id: ModuleId): void;
export function instantiate<E extends object = Readonly<Record<string, ExportValue>>>(id: ModuleId, config?: InstanceConfig): Promise<Instance<E>>;
export function instantiateSync<E extends object = Readonly<Record<string, ExportValue>>>(id: ModuleId, config?: InstanceConfig): Instance<E>;
