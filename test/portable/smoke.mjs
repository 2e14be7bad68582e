// A representative slice of the API that must behave the same under Node,
// Deno and Bun. Plain script: prints "N passed, N failed" and exits non-zero
// on failure. The module comes from `runtime:wasm` when the host maps it
// (register hook, import map), else from the path given as argv[2]/env.
const specifier = globalThis.process?.env?.RUNTIME_WASM_SPECIFIER ?? "../../lib/index.js";
const wasm = await import(specifier);
const { ErrorCode: E } = wasm;
const read = async (name) => {
  const url = new URL(`../../fixtures/${name}`, import.meta.url);
  if (globalThis.Deno) return Deno.readTextFile(url);
  const { readFile } = await import("node:fs/promises");
  return readFile(url, "utf8");
};

let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed++;
  } catch (e) {
    failed++;
    console.error(`FAIL ${name}: ${e?.stack ?? e}`);
  }
}
function eq(actual, expected, what) {
  const a = JSON.stringify(actual, (_, v) => (typeof v === "bigint" ? `${v}n` : v));
  const b = JSON.stringify(expected, (_, v) => (typeof v === "bigint" ? `${v}n` : v));
  if (a !== b) throw new Error(`${what}: expected ${b}, got ${a}`);
}
async function code(fn, c) {
  try {
    await fn();
  } catch (e) {
    if (e?.code !== c) throw new Error(`expected code ${c}, got ${e?.code}: ${e?.message}`);
    if (!(e instanceof wasm.WasmError)) throw new Error("not a WasmError");
    return e;
  }
  throw new Error(`expected code ${c}, nothing thrown`);
}

const add = await wasm.compile(await read("add.wat"));
await check("calls convert by signature", async () => {
  const inst = await wasm.instantiate(add);
  eq(await inst.call("add", 2, 3), [5], "add");
  eq(inst.callSync("add64", 2n ** 62n, 2n ** 62n), [-(2n ** 63n)], "add64");
  eq(await inst.call("swap", 7, 1.5), [1.5, 7], "swap");
  eq(await inst.call("nothing"), [], "nothing");
  eq(inst.exports.add(2, 3), 5, "exports.add");
  eq(inst.exports.swap(7, 1.5), [1.5, 7], "exports.swap");
  eq(inst.exports.nothing(), undefined, "exports.nothing");
  await code(() => inst.call("add", 3.5, 1), E.TypeError);
});
await check("all-number calls and batches", async () => {
  const inst = await wasm.instantiate(add);
  eq(inst.callSync("add", 2 ** 32 - 1, 1), [0], "add");
  eq(inst.callSync("add64", 5, 6), [11n], "add64 from numbers");
  eq(inst.exports.add64(5, 6), 11n, "exports.add64 from numbers");
  eq(inst.callManySync("add", [[1, 2], [3, 4]]), [[3], [7]], "batch");
  eq(inst.callManySync("add64", [[1, 2]]), [[3n]], "i64 batch");
  await code(() => inst.callSync("add", 3.5, 1), E.TypeError);
  await code(() => inst.exports.add(3.5, 1), E.TypeError);
  await code(() => inst.callManySync("add", [[1, 2], [1]]), E.TypeError);
});
await check("memory", async () => {
  const inst = await wasm.instantiate(await wasm.compile(await read("memory.wat")));
  eq(await inst.memory.readString(0, 13), "hello, memory", "read");
  eq([...inst.memory.readSync(0, 5)], [...new TextEncoder().encode("hello")], "readSync");
  eq([...(await inst.memory.read(7, 6))], [...new TextEncoder().encode("memory")], "read");
  eq(inst.memory.writeStringSync(100, "héllo"), 6, "write");
  const f64 = new Float64Array(1);
  inst.memory.writeSync(200, new Uint8Array(new Float64Array([2.5]).buffer));
  eq(await inst.memory.readInto(200, f64), 8, "readInto a Float64Array");
  eq(f64[0], 2.5, "readInto bytes");
  await code(() => inst.memory.read(65536, 1), E.MemoryError);
});
await check("WASI run with captured output", async () => {
  const inst = await wasm.instantiate(await wasm.compile(await read("wasi_hello.wat")), { captureStdout: true, stdin: "\u0003" });
  const out = await inst.run();
  eq(out.exitCode, 3, "exit");
  eq(new TextDecoder().decode(out.stdout), "hello from wasi\n", "stdout");
});
await check("host functions, sync and async", async () => {
  const seen = [];
  const m = await wasm.compile(await read("imports.wat"));
  const inst = await wasm.instantiate(m, { imports: { env: { log(p, l) { seen.push(this.readString(p, l)); } } } });
  inst.memory.writeStringSync(0, "hello");
  inst.callSync("hello");
  const slow = await wasm.instantiate(m, { imports: { env: { async log(p, l) { await null; seen.push(this.readString(p, l)); } } } });
  slow.memory.writeStringSync(0, "later");
  await slow.call("hello");
  eq(seen, ["hello", "later"], "logs");
  const thrown = { not: "an Error" };
  const throwing = await wasm.instantiate(m, { imports: { env: { log() { throw thrown; } } } });
  let caught;
  try { throwing.callSync("hello"); } catch (e) { caught = e; }
  if (caught !== thrown) throw new Error("callSync: the thrown value did not pass through unchanged");
  caught = undefined;
  try { await throwing.call("hello"); } catch (e) { caught = e; }
  if (caught !== thrown) throw new Error("call: the thrown value did not pass through unchanged");
});
await check("limits: fuel and deadlines", async () => {
  const traps = await wasm.compile(await read("traps.wat"));
  await code(async () => (await wasm.instantiate(traps, { fuel: 1000 })).call("spin", 10n ** 6n), E.FuelExhausted);
  await code(async () => (await wasm.instantiate(traps, { timeoutMs: 20 })).call("forever"), E.Timeout);
});
await check("traps and handles", async () => {
  const inst = await wasm.instantiate(await wasm.compile(await read("traps.wat")));
  eq((await code(() => inst.call("unreachable"), E.CallError)).trap, "unreachable", "trap");
  await inst.drop();
  await code(() => inst.call("spin", 1n), E.InvalidInstanceHandle);
  await code(() => wasm.moduleInfo("module-0"), E.InvalidModuleHandle);
  await code(() => wasm.moduleInfo("module-01"), E.InvalidModuleHandle);
});

console.log(`${passed} passed, ${failed} failed`);
if (failed) (globalThis.Deno?.exit ?? globalThis.process.exit)(1);
