// Runs the namespace's JSPI, exception and externref scenarios (the ones
// compared with Node's own WebAssembly) under whatever runtime runs this
// file — Node, Deno, Bun — and prints their outcomes as one JSON line.
import { wat2wasm } from "../../lib/index.js";
import WebAssembly from "../../lib/webassembly/index.js";
import * as jspi from "./jspi-scenarios.mjs";
import * as exceptions from "./exception-scenarios.mjs";
import * as externref from "./externref-scenarios.mjs";

const out = {
  jspi: await jspi.scenarios(WebAssembly, wat2wasm(jspi.WAT)),
  exceptions: await exceptions.scenarios(WebAssembly, wat2wasm(exceptions.WAT)),
  externref: {
    values: await externref.values(WebAssembly, wat2wasm(externref.VALUES_WAT)),
    table: await externref.table(WebAssembly, wat2wasm(externref.TABLE_WAT)),
  },
};
console.log(JSON.stringify(out));
