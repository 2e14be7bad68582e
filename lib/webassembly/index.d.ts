// Types of `runtime-wasm/webassembly`: the WebAssembly JS API's shape,
// backed by runtime-wasm (see README, "The WebAssembly namespace").

/** Limits applied to every instance the namespace creates from then on. */
export interface NamespaceLimits {
  fuel?: number | bigint;
  timeoutMs?: number;
  maxMemoryBytes?: number;
  maxTableElements?: number;
}

/** Value types a tag's payload may have. */
export type TagValueType = "i32" | "i64" | "f32" | "f64" | "v128" | "externref" | "anyfunc" | "funcref";

/** `WebAssembly.Tag`. */
export interface Tag {
  readonly [Symbol.toStringTag]: "WebAssembly.Tag";
}

/** `WebAssembly.Exception`: not an `Error`; `stack` only with `traceStack`. */
export interface Exception {
  is(tag: Tag): boolean;
  /** Payload value `index` (a TypeError for another tag, a RangeError past the end). */
  getArg(tag: Tag, index: number): unknown;
  readonly stack?: string;
}

/** The JS API's namespace, with `configure` for runtime-wasm's limits. */
export interface RuntimeWasmNamespace {
  readonly Module: typeof WebAssembly.Module;
  readonly Instance: typeof WebAssembly.Instance;
  readonly Memory: typeof WebAssembly.Memory;
  readonly Table: typeof WebAssembly.Table;
  readonly Global: typeof WebAssembly.Global;
  /** A tag made in JS (imported by instances), or exported by one. */
  readonly Tag: new (type: { parameters: TagValueType[] }) => Tag;
  /** An exception of a tag: made in JS and thrown into wasm, or thrown by wasm out to JS. */
  readonly Exception: new (tag: Tag, payload: Iterable<unknown>, options?: { traceStack?: boolean }) => Exception;
  /** The tag JS values thrown through wasm travel under (one externref: the value). */
  readonly JSTag: Tag;
  /** JSPI: an import whose Promise the guest waits on, in calls made through `promising`. */
  readonly Suspending: new (fn: (...args: any[]) => unknown) => object;
  /** Thrown when a Suspending import is called in a call not made through `promising`. */
  readonly SuspendError: new (message?: string) => Error;
  /** JSPI: an exported function as one returning a Promise of its result. */
  promising(fn: Function): (...args: any[]) => Promise<any>;
  readonly CompileError: typeof WebAssembly.CompileError;
  readonly LinkError: typeof WebAssembly.LinkError;
  readonly RuntimeError: typeof WebAssembly.RuntimeError;
  validate(bytes: BufferSource): boolean;
  compile(bytes: BufferSource): Promise<WebAssembly.Module>;
  instantiate(bytes: BufferSource, imports?: WebAssembly.Imports): Promise<WebAssembly.WebAssemblyInstantiatedSource>;
  instantiate(module: WebAssembly.Module, imports?: WebAssembly.Imports): Promise<WebAssembly.Instance>;
  compileStreaming(source: Response | PromiseLike<Response>): Promise<WebAssembly.Module>;
  instantiateStreaming(source: Response | PromiseLike<Response>, imports?: WebAssembly.Imports): Promise<WebAssembly.WebAssemblyInstantiatedSource>;
  /** Own properties only; unknown keys are a TypeError. */
  configure(limits: NamespaceLimits): void;
}

export declare const WebAssembly: RuntimeWasmNamespace;
/** Puts the namespace on `globalThis.WebAssembly` and returns it. */
export declare function install(): RuntimeWasmNamespace;
export default WebAssembly;
