// `node --import runtime-wasm/register app.mjs` makes
// `import * as wasm from "runtime:wasm"` resolve to this package.
// `module.registerHooks` (synchronous, in-thread hooks; Node >= 22.15 / 23.5)
// where Node has it, since later Nodes deprecate `module.register` (DEP0205);
// `module.register` (off-thread hooks) on the Nodes without it (Node 20).
import module from "node:module";
import { resolve } from "./hooks.js";

/** Which of the two registered the hook: "registerHooks" or "register". */
export const mechanism = typeof module.registerHooks === "function" ? "registerHooks" : "register";

if (mechanism === "registerHooks") module.registerHooks({ resolve });
else module.register("./hooks.js", import.meta.url);
