// Shared helpers for the JS tests: fixture paths and bytes.
import { readFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const fixturesDir = fileURLToPath(new URL("../fixtures/", import.meta.url));
export const fixturePath = (name) => join(fixturesDir, name);
export const fixture = (name) => readFileSync(fixturePath(name));
export const fixtureText = (name) => readFileSync(fixturePath(name), "utf8");
export const tempDir = (prefix) => mkdtempSync(join(tmpdir(), `runtime-wasm-${prefix}-`));

/** Asserts `fn` throws (or rejects with) a WasmError with `code`; returns it. */
export async function expectCode(fn, code, WasmError) {
  let error;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  if (!(error instanceof WasmError)) throw new Error(`expected WasmError ${code}, got ${error}`, { cause: error });
  if (error.code !== code) throw new Error(`expected code ${code}, got ${error.code}: ${error.message}`, { cause: error });
  return error;
}

/** A small deterministic PRNG (mulberry32), so generated inputs repeat run to run. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
