// The smallest program: compile WAT, instantiate, call. Run: node examples/hello.mjs
import * as wasm from "../lib/index.js";

const id = await wasm.compile(`(module
  (func (export "add") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.add))`);
const instance = await wasm.instantiate(id);
// `call` resolves to the array of results: [5] here.
const [sum] = await instance.call("add", 2, 3);
console.log("add(2, 3) =", sum);
