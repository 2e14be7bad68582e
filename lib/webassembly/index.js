// `runtime-wasm/webassembly`: an object with the WebAssembly JS API's shape,
// backed by Wasmtime through runtime-wasm, so toolchain glue written for
// `globalThis.WebAssembly` runs in the sandbox unchanged (`install()`).
import { describe } from "./convert.js";
import { CompileError, LinkError, RuntimeError } from "./errors.js";
import { Instance, instantiate, instantiateModule } from "./instance.js";
import { compile, compileBytes, Module, validate } from "./module.js";
import { Global, Memory, Table } from "./objects.js";
import { configure } from "./runtime.js";
import { Exception, JSTag, Tag } from "./tag.js";
import { promising, SuspendError, Suspending } from "./jspi.js";

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


export const WebAssembly = {};
for (const [key, value] of Object.entries({
  Module, Instance, Memory, Table, Global, Tag, Exception, CompileError, LinkError, RuntimeError,
  Suspending, SuspendError,
})) {
  Object.defineProperty(WebAssembly, key, { value, writable: true, configurable: true, enumerable: false });
}
for (const [key, value] of Object.entries({
  validate, compile, instantiate, compileStreaming, instantiateStreaming, configure, promising,
})) {
  Object.defineProperty(WebAssembly, key, { value, writable: true, configurable: true, enumerable: true });
}
// A namespace attribute in WebIDL: an enumerable getter.
Object.defineProperty(WebAssembly, "JSTag", { get: () => JSTag, configurable: true, enumerable: true });
Object.defineProperty(WebAssembly, Symbol.toStringTag, { value: "WebAssembly", configurable: true });
// WebIDL: operations and attributes are enumerable; each interface names itself.
for (const C of [Module, Instance, Memory, Table, Global, Tag, Exception, Suspending]) {
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
