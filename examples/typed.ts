// The API from TypeScript: typed results, config and errors.
// Run: node_modules/.bin/deno run -A examples/typed.ts (or bun examples/typed.ts)
import * as wasm from "../lib/index.js";

const id: wasm.ModuleId = await wasm.compile(`(module
  (import "env" "log" (func $log (param i32)))
  (func (export "add64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.add)
  (func (export "report") (param i32) local.get 0 call $log))`);

const logged: number[] = [];
const inst: wasm.Instance = await wasm.instantiate(id, {
  fuel: 1_000_000n,
  imports: { env: { log(this: wasm.Caller, n: number) { logged.push(n); } } },
});

// Results are an array (`[]`, `[x]`, `[x, y]`); the type argument names them.
const [sum] = await inst.call<[bigint]>("add64", 2n ** 40n, 2n);
if (typeof sum !== "bigint") throw new Error("i64 results are bigint");
const none: [] = await inst.call<[]>("report", 7);
if (none.length !== 0) throw new Error("no results is an empty array");
console.log(`add64 = ${sum}, logged = ${logged.join(",")}, fuel left = ${inst.fuelSync()}`);

try {
  await inst.call("add64", 1.5, 1n);
} catch (e) {
  if (e instanceof wasm.WasmError && e.code === wasm.ErrorCode.TypeError) console.log(`typed error: ${e.codeName}`);
  else throw e;
}
