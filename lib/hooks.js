// Module-resolution hook: the `runtime:wasm` specifier names this package.
const target = new URL("./index.js", import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === "runtime:wasm") return { url: target, shortCircuit: true };
  return nextResolve(specifier, context);
}
