// Types of the runtime-wasm package (`runtime:wasm` API).

/** A module handle returned by `compile`. */
export type ModuleId = string;

/** A value a wasm function returns: i32/f32/f64 as number, i64 as bigint, v128 as 16 bytes, null references. */
export type Value = number | bigint | Uint8Array | null;

/** An explicitly typed argument, made by `types.*`. */
export interface TypedValue {
  readonly wasmType: "i32" | "i64" | "f32" | "f64" | "v128";
  readonly value: number | bigint | Uint8Array;
}

/** What a function accepts as an argument; checked against its signature. */
export type Argument = number | bigint | Uint8Array | null | TypedValue;

/** A call's result: undefined for none, the value for one, an array for several. */
export type CallResult = Value | Value[] | undefined;

export const types: {
  readonly i32: (value: number) => TypedValue;
  readonly i64: (value: bigint | number) => TypedValue;
  readonly f32: (value: number) => TypedValue;
  readonly f64: (value: number) => TypedValue;
  readonly v128: (value: Uint8Array) => TypedValue;
};

export type ExternKind = "func" | "memory" | "table" | "global" | "tag";

export interface ExportInfo {
  name: string;
  kind: ExternKind;
  /** func, tag */
  params?: string[];
  /** func */
  results?: string[];
  /** memory (pages), table (elements) */
  minimum?: number;
  maximum?: number;
  /** memory */
  shared?: boolean;
  memory64?: boolean;
  /** table element type, e.g. "funcref" */
  element?: string;
  /** global value type */
  type?: string;
  mutable?: boolean;
}

export interface ImportInfo extends ExportInfo {
  module: string;
}

export interface ModuleInfo {
  imports: ImportInfo[];
  exports: ExportInfo[];
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
  imports?: Record<string, Record<string, HostFunction>>;
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
}

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
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
export type ErrorCodeName = keyof typeof ErrorCode;

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
}

export function toWasmError(e: unknown): unknown;

export class Memory {
  private constructor();
  read(offset: number, length: number): Promise<Uint8Array>;
  readSync(offset: number, length: number): Uint8Array;
  write(offset: number, bytes: Uint8Array | ArrayBuffer | ArrayBufferView): Promise<void>;
  writeSync(offset: number, bytes: Uint8Array | ArrayBuffer | ArrayBufferView): void;
  /** Fills `target` from `offset`; returns the number of bytes read. */
  readInto(offset: number, target: Uint8Array): Promise<number>;
  readIntoSync(offset: number, target: Uint8Array): number;
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
  type: string;
  mutable: boolean;
  value: Value;
}

/** A function taken out of a table. */
export class TableFunction {
  private constructor();
  readonly params: string[];
  readonly results: string[];
  call(...args: Argument[]): Promise<CallResult>;
  callSync(...args: Argument[]): CallResult;
}

export class Table {
  private constructor();
  size(): Promise<number>;
  sizeSync(): number;
  /** Grows by `delta` null entries; returns the previous size. */
  grow(delta: number): Promise<number>;
  growSync(delta: number): number;
  /** The function at `index`, or null for an empty entry. */
  get(index: number): Promise<TableFunction | null>;
  getSync(index: number): TableFunction | null;
}

export class Instance {
  private constructor();
  readonly id: string;
  readonly moduleId: ModuleId;
  getExports(): ExportInfo[];
  call(name: string, ...args: Argument[]): Promise<CallResult>;
  callSync(name: string, ...args: Argument[]): CallResult;
  /** One call per argument list, in order, in one crossing. */
  callMany(name: string, argsList: Argument[][]): Promise<CallResult[]>;
  callManySync(name: string, argsList: Argument[][]): CallResult[];
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
}

export class Runtime {
  constructor(options?: RuntimeOptions);
  compile(source: Source): Promise<ModuleId>;
  compileSync(source: Source): ModuleId;
  compileFile(path: string): Promise<ModuleId>;
  compileFileSync(path: string): ModuleId;
  validate(source: Source): boolean;
  wat2wasm(source: Source): Uint8Array;
  moduleInfo(id: ModuleId): ModuleInfo;
  dropModule(id: ModuleId): void;
  instantiate(id: ModuleId, config?: InstanceConfig): Promise<Instance>;
  instantiateSync(id: ModuleId, config?: InstanceConfig): Instance;
  readonly instanceCount: number;
}

export function getDefaultRuntime(): Runtime;
export function compile(source: Source): Promise<ModuleId>;
export function compileSync(source: Source): ModuleId;
export function compileFile(path: string): Promise<ModuleId>;
export function compileFileSync(path: string): ModuleId;
export function validate(source: Source): boolean;
/** The wasm binary of WAT text (5000 on a syntax error); binaries pass through. */
export function wat2wasm(source: Source): Uint8Array;
export function moduleInfo(id: ModuleId): ModuleInfo;
export function dropModule(id: ModuleId): void;
export function instantiate(id: ModuleId, config?: InstanceConfig): Promise<Instance>;
export function instantiateSync(id: ModuleId, config?: InstanceConfig): Instance;
