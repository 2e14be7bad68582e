// Loads the Node-API addon built by `npm run build` (scripts/build.mjs).
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const path = process.env.RUNTIME_WASM_ADDON ??
  fileURLToPath(new URL("./runtime-wasm.node", import.meta.url));

let native;
try {
  native = createRequire(import.meta.url)(path);
} catch (e) {
  throw new Error(`runtime-wasm: cannot load the native addon at ${path}; run \`npm run build\` first (${e.message})`, { cause: e });
}

export default native;
