// Type test: compiles under `tsc --strict`; each @ts-expect-error must fail.
import * as wasm from "../../lib/index.js";
import { ErrorCode, Runtime, WasmError, types } from "../../lib/index.js";

const rt = new Runtime({ maxInstances: 10, policy: { read: ["/tmp"], preopen: ["/tmp"] } });
const id: string = rt.compileSync(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
const inst = rt.instantiateSync(id, {
  preopens: { "/data": "/tmp", "/ro": { path: "/tmp", readonly: true } },
  env: { A: "1" },
  args: ["prog"],
  stdin: new Uint8Array(1),
  captureStdout: true,
  fuel: 5,
  timeoutMs: 10,
  maxMemoryBytes: 1 << 20,
  maxTableElements: 10,
  imports: { env: { f() { return [1, 2n]; }, async g(this: wasm.Caller) { return this.size(); } } },
});

const r: wasm.CallResult = inst.callSync("f", 1, 2n, types.i64(3n), new Uint8Array(16), null);
const p: Promise<wasm.CallResult> = inst.call("f");
const out: Promise<wasm.RunOutput> = inst.run();
const fuel: bigint = inst.fuelSync();
const g: wasm.GlobalInfo = inst.getGlobalSync("g");
const bytes: Uint8Array = inst.memory.readSync(0, 4);
const prev: number = inst.getMemory("m").growSync(1);
const fn: wasm.TableFunction | null = inst.getTable("t").getSync(0);
const exports: wasm.ExportInfo[] = inst.getExports();
const info: wasm.ModuleInfo = wasm.moduleInfo(id);
const kind: wasm.ExternKind = info.imports[0].kind;
const code: 5012 = ErrorCode.Timeout;
const err = new WasmError(ErrorCode.MemoryError, "oob", { trap: "out of bounds memory access" });
const name: wasm.ErrorCodeName = err.codeName;
const frames: wasm.Frame[] | undefined = err.wasmBacktrace;
void [r, p, out, fuel, g, bytes, prev, fn, exports, kind, code, name, frames];

// @ts-expect-error fuel is a number or bigint
rt.instantiateSync(id, { fuel: "lots" });
// @ts-expect-error host functions go under a module name
rt.instantiateSync(id, { imports: { log() {} } });
// @ts-expect-error strings are not call arguments
inst.callSync("f", "1");
// @ts-expect-error i64 results are bigint, not number
const n: number = inst.fuelSync();
// @ts-expect-error ErrorCode values are exact
const wrong: 5013 = ErrorCode.Timeout;
// @ts-expect-error memory offsets are numbers
inst.memory.readSync(0n, 1);
void [n, wrong];
