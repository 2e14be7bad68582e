// Type test: compiles under `tsc --strict`; each @ts-expect-error must fail.
import * as wasm from "../../lib/index.js";
import { ErrorCode, Global, Memory, Runtime, Table, WasmError, types } from "../../lib/index.js";
// The specifier `node --import runtime-wasm/register` (or an import map) provides.
import * as specifier from "runtime:wasm";

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

// Results are always an array; the generic form names their types.
const r: wasm.Value[] = inst.callSync("f", 1, 2n, types.i64(3n), new Uint8Array(16), null);
const p: Promise<wasm.Value[]> = inst.call("f");
async function arrays(): Promise<number> {
  const [n] = await inst.call<[number]>("add", 1, 2);
  const [big, v] = inst.callSync<[bigint, Uint8Array]>("pair");
  const [a, b] = await inst.call("two");
  const many: [number][] = await inst.callMany<[number]>("add", [[1, 2], [3, 4]]);
  const manySync: wasm.Value[][] = inst.callManySync("add", [[1, 2]]);
  const fn = inst.getTable("t").getSync(0);
  const [t] = fn === null ? [0] : await fn.call<[number]>(1);
  const tSync: wasm.Value[] = fn === null ? [] : fn.callSync(1);
  void [big, v, a, b, many, manySync, tSync];
  return n + t + many[0][0];
}

// instance.exports: functions, Memory, Table, Global.
const ex = inst.exports;
const add = ex.add;
if (typeof add === "function") {
  const one: wasm.Value | wasm.Value[] | undefined = add(1, 2);
  void one;
}
const mem = ex.memory;
if (mem instanceof Memory) void mem.readSync(0, 4);
const tab = ex.table;
if (tab instanceof Table) void tab.sizeSync();
const glob = ex.counter;
if (glob instanceof Global) {
  const ty: wasm.ValType = glob.type;
  const mutable: boolean = glob.mutable;
  const value: wasm.Value = glob.value;
  if (mutable) glob.value = types.i64(5n);
  void [ty, value];
}

// ExportInfo / ImportInfo narrow by kind.
function describe(e: wasm.ExportInfo): string {
  switch (e.kind) {
    case "func": return `${e.name}(${e.params.join(", ")}) -> ${e.results.join(", ")}`;
    case "memory": return `${e.minimum}..${e.maximum ?? "∞"} pages${e.shared ? " shared" : ""}${e.memory64 ? " 64" : ""}`;
    case "table": return `${e.element}[${e.minimum}..${e.maximum ?? "∞"}]`;
    case "global": return `${e.mutable ? "mut " : ""}${e.type}`;
    case "tag": return `tag(${e.params.join(", ")})`;
  }
}
const described = wasm.moduleInfo(id);
if (described.kind === "component") throw new Error(described.wit);
const imp: wasm.ImportInfo = described.imports[0];
const impModule: string = imp.module;
const impParams: wasm.ValType[] = imp.kind === "func" ? imp.params : [];

// Value type names are a union.
const vt: wasm.ValType = "externref";
const refType: wasm.ValType = "(ref null $t)";

// `using` drops an instance (and closes a runtime) at the end of the scope.
async function scoped(): Promise<void> {
  using sync = rt.instantiateSync(id);
  await using later = await rt.instantiate(id);
  using own = new Runtime();
  await using ownAsync = new specifier.Runtime();
  void [sync, later, own, ownAsync];
}

// The `runtime:wasm` specifier has the package's types.
const sameRuntime: wasm.Runtime = new specifier.Runtime();
const specInstance: specifier.Instance = inst;
const specCode: 5000 = specifier.ErrorCode.CompileError;

const out: Promise<wasm.RunOutput> = inst.run();
const fuel: bigint = inst.fuelSync();
const g: wasm.GlobalInfo = inst.getGlobalSync("g");
const bytes: Uint8Array = inst.memory.readSync(0, 4);
const intoF64: number = inst.memory.readIntoSync(0, new Float64Array(2));
const prev: number = inst.getMemory("m").growSync(1);
const fn: wasm.TableFunction | null = inst.getTable("t").getSync(0);
const exports: wasm.ExportInfo[] = inst.getExports();
const info: wasm.ModuleInfo | wasm.ComponentInfo = wasm.moduleInfo(id);
const kind: wasm.ExternKind | wasm.ComponentItem["kind"] = info.imports[0].kind;
const wit: string = info.kind === "component" ? info.wit : "";
const code: 5012 = ErrorCode.Timeout;
const err = new WasmError(ErrorCode.MemoryError, "oob", { trap: "out of bounds memory access" });
const name: wasm.ErrorCodeName = err.codeName;
const frames: wasm.Frame[] | undefined = err.wasmBacktrace;
void [r, p, arrays, describe, impModule, impParams, vt, refType, scoped, sameRuntime, specInstance, specCode];
void [out, fuel, g, bytes, intoF64, prev, fn, exports, kind, code, name, frames];

// @ts-expect-error fuel is a number or bigint
rt.instantiateSync(id, { fuel: "lots" });
// @ts-expect-error host functions go under a module name
rt.instantiateSync(id, { imports: { log() {} } });
// @ts-expect-error types.i32 takes a number
inst.callSync("f", types.i32("1"));
// A string is an argument: an externref holds it; any value, typed.
void inst.callSync("f", "1", types.externref(5), Symbol("s"), { a: 1 });
// @ts-expect-error i64 results are bigint, not number
const n: number = inst.fuelSync();
// @ts-expect-error ErrorCode values are exact
const wrong: 5013 = ErrorCode.Timeout;
// @ts-expect-error memory offsets are numbers
inst.memory.readSync(0n, 1);
// @ts-expect-error a call gives an array of results, not the bare value
const bare: number = inst.callSync("add", 1, 2);
// @ts-expect-error result types are values
inst.callSync<[unknown]>("add", 1, 2);
// @ts-expect-error params exist only on func (and tag) entries: narrow on kind first
void inst.getExports()[0].params;
// @ts-expect-error value type names are a closed union
const notAType: wasm.ValType = "int";
// @ts-expect-error exports is frozen
inst.exports.add = () => undefined;
// @ts-expect-error an export is not callable before narrowing to a function
inst.exports.sub(1, 2);
// @ts-expect-error a Global's type is read-only
if (glob instanceof Global) glob.type = "i32";
void [n, wrong, bare, notAType];
