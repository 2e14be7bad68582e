// `node --import runtime-wasm/register app.mjs` makes
// `import * as wasm from "runtime:wasm"` resolve to this package.
import { register } from "node:module";

register("./hooks.js", import.meta.url);
