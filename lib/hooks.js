// Module-resolution hook: the `runtime:wasm` specifier names this package.
// Synchronous, so the same function serves `module.registerHooks` (in-thread,
// where `nextResolve` returns the result) and `module.register` (off-thread,
// where `nextResolve` may return a Promise, passed on as it is).
const target = new URL("./index.js", import.meta.url).href;

export function resolve(specifier, context, nextResolve) {
  if (specifier === "runtime:wasm") return { url: target, shortCircuit: true };
  return nextResolve(specifier, context);
}
