// Strings through memory: allocate in the guest, write UTF-8 from JS, let
// the guest work on it in place, read it back, free it.
// Run: node examples/strings.mjs [text]
import { readFileSync } from "node:fs";
import * as wasm from "../lib/index.js";

const text = process.argv[2] ?? "stressed";
const source = readFileSync(new URL("../fixtures/strings.wat", import.meta.url), "utf8");
const inst = await wasm.instantiate(await wasm.compile(source));

const bytes = new TextEncoder().encode(text);
const [ptr] = await inst.call("alloc", bytes.length);
await inst.memory.write(ptr, bytes);
await inst.call("reverse", ptr, bytes.length);
console.log(`${text} -> ${await inst.memory.readString(ptr, bytes.length)}`);
await inst.call("dealloc", ptr, bytes.length);
