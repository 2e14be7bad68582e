// SHA-256 of a file through WASI: a C program (fixtures/c/sha256.c) reads
// the file from a read-only preopen; node:crypto checks its answer.
// Run: node examples/sha256.mjs [file]
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import * as wasm from "../lib/index.js";

const file = resolve(process.argv[2] ?? new URL("../README.md", import.meta.url).pathname);
const program = await wasm.compileFile(new URL("../fixtures/c/sha256.wasm", import.meta.url).pathname);
const inst = await wasm.instantiate(program, {
  preopens: { "/data": { path: dirname(file), readonly: true } },
  args: ["sha256", `/data/${basename(file)}`],
  captureStdout: true,
  captureStderr: true,
});
const { exitCode, stdout, stderr } = await inst.run();
const line = new TextDecoder().decode(stdout).trim();
if (exitCode !== 0) throw new Error(`sha256 exited ${exitCode}: ${new TextDecoder().decode(stderr)}`);
const expected = createHash("sha256").update(readFileSync(file)).digest("hex");
console.log(line);
console.log(line.startsWith(expected) ? "matches node:crypto" : `MISMATCH: node:crypto says ${expected}`);
