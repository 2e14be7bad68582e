// A tour of runtime-wasm on the repository's example modules: compile, call,
// memory, errors, a guest running off the JS thread, a WASI program writing
// a file into a preopened directory, and a component (WIT-typed values, a
// resource, imports given in JS). Run: `npm start`.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as wasm from "../lib/index.js";

const fixture = (name) => new URL(`../fixtures/${name}`, import.meta.url);
const wat = (name) => readFileSync(fixture(name), "utf8");

// 1. Compile WAT (or bytes) and call exports; arguments follow the signature.
// `call` and `callSync` give an array of results, however many there are.
const add = await wasm.compile(wat("add.wat"));
const calc = await wasm.instantiate(add);
const [sum] = await calc.call("add", 2, 3);
console.log("add(2, 3)            =", sum);
const [wrapped] = calc.callSync("add64", 2n ** 62n, 2n ** 62n);
console.log("add64(2^62, 2^62)    =", wrapped);
const [float] = await calc.call("addf64", 3, 0.25);
console.log("addf64(3, 0.25)      =", float);
console.log("swap(7, 1.5)         =", await calc.call("swap", 7, 1.5));
// `instance.exports` is the WebAssembly JS API's shape: plain synchronous
// functions giving undefined, the value, or an array for several results.
const { add: plus, swap } = calc.exports;
console.log("exports.add(2, 3)    =", plus(2, 3));
console.log("exports.swap(7, 1.5) =", swap(7, 1.5));

// 2. Memory: bounds-checked reads and writes, strings as UTF-8.
const mem = await wasm.instantiate(await wasm.compile(wat("memory.wat")));
console.log("memory says          =", await mem.memory.readString(0, 13));
const n = await mem.memory.writeString(100, "grüße");
const [byte] = await mem.call("load", 100);
console.log(`wrote ${n} bytes; guest reads byte 100 =`, byte);

// 3. Errors carry numeric codes.
try {
  await calc.call("add", 3.5, 1);
} catch (e) {
  console.log(`3.5 as i32           -> ${e.name} ${e.code} (${e.codeName}): ${e.message}`);
}
try {
  await (await wasm.instantiate(await wasm.compile(wat("traps.wat")))).call("div", 1, 0);
} catch (e) {
  console.log(`1 / 0                -> ${e.code} trap="${e.trap}", ${e.wasmBacktrace.length} frame(s)`);
}

// 4. Guests run on runtime-wasm's threads: the event loop keeps going.
const spinner = await wasm.instantiate(await wasm.compile(wat("traps.wat")));
let ticks = 0;
const timer = setInterval(() => ticks++, 1);
const t0 = performance.now();
await spinner.call("spin", 200_000_000n);
clearInterval(timer);
console.log(`200M-iteration loop took ${(performance.now() - t0).toFixed(0)} ms; the JS timer ticked ${ticks} times meanwhile`);

// 5. WASI: a C program reads /in/data.txt and writes /out/copy.txt.
const input = mkdtempSync(join(tmpdir(), "runtime-wasm-in-"));
const output = mkdtempSync(join(tmpdir(), "runtime-wasm-out-"));
writeFileSync(join(input, "data.txt"), "hello from the host\n");
const files = await wasm.compileFile(fixture("c/files.wasm").pathname);
const program = await wasm.instantiate(files, {
  preopens: { "/in": { path: input, readonly: true }, "/out": output },
  args: ["files", "/in/data.txt", "/out/copy.txt"],
  env: { GREETING: "tour" },
  captureStdout: true,
});
const { exitCode, stdout } = await program.run();
console.log(`WASI program exited ${exitCode}, printed: ${new TextDecoder().decode(stdout).trim()}`);
console.log(`${join(output, "copy.txt")} now holds: ${readFileSync(join(output, "copy.txt"), "utf8").trim()}`);

// 6. Components: WIT-typed values in jco's shapes, resources as objects, and
// imported interfaces given as JS functions (C, built by wit-bindgen).
const types = await wasm.instantiate(await wasm.compileFile(fixture("components/types/types.wasm").pathname));
const { api } = types.exports;
console.log("api.older(...)       =", api.older({ name: "Ann", age: 41, tags: ["admin"] }));
const counter = new api.Counter(5);
console.log("new api.Counter(5).increment(2) =", counter.increment(2));
counter[Symbol.dispose]();
try {
  api.checkedDiv(1, 0);
} catch (e) {
  console.log(`checkedDiv(1, 0)     -> ${e.name}: ${e.payload}`);
}
const log = [];
const host = await wasm.instantiate(await wasm.compileFile(fixture("components/host/host.wasm").pathname), {
  imports: {
    "test:host/logger": { log: (entry) => log.push(entry.message), count: () => log.length },
    "test:host/source": { next: async (i) => (i < 3 ? `item${i}` : undefined), fetch: (key) => new TextEncoder().encode(key) },
  },
});
console.log("app#gather (async imports) =", (await host.call("app#gather"))[0]);
