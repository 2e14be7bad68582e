// The `runtime:wasm` specifier (`node --import runtime-wasm/register`, or a
// Deno/Bun import map entry) names this package: same module, same types.
// Included by index.d.ts; a program that only imports "runtime:wasm" adds
// `"types": ["runtime-wasm"]` to its tsconfig (or `/// <reference types="runtime-wasm" />`).
declare module "runtime:wasm" {
  export * from "runtime-wasm";
}
