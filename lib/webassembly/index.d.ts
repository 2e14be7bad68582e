// Types of `runtime-wasm/webassembly`: the WebAssembly JS API's shape,
// backed by runtime-wasm (see README, "The WebAssembly namespace").

/** Limits applied to every instance the namespace creates from then on. */
export interface NamespaceLimits {
  fuel?: number | bigint;
  timeoutMs?: number;
  maxMemoryBytes?: number;
  maxTableElements?: number;
}

/** The JS API's namespace, with `configure` for runtime-wasm's limits. */
export interface RuntimeWasmNamespace {
  readonly Module: typeof WebAssembly.Module;
  readonly Instance: typeof WebAssembly.Instance;
  readonly Memory: typeof WebAssembly.Memory;
  readonly Table: typeof WebAssembly.Table;
  readonly Global: typeof WebAssembly.Global;
  readonly Tag: new (type: { parameters: string[] }) => object;
  readonly Exception: new (tag: object, payload: Iterable<unknown>, options?: { traceStack?: boolean }) => {
    is(tag: object): boolean;
    getArg(tag: object, index: number): unknown;
  };
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
