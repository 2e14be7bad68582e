// `node --import runtime-wasm/webassembly/install app.mjs`: the program's
// `WebAssembly` is runtime-wasm's namespace, so its glue runs sandboxed.
import { install } from "./index.js";

install();
