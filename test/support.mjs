// Shared helpers for the JS tests: fixture paths and bytes.
import { spawnSync } from "node:child_process";
import { readFileSync, mkdtempSync, writeFileSync } from "node:fs";
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

/**
 * Runs `scenarios(WebAssembly, bytes)` of the portable module `scenarioUrl`
 * on Node 26's own WebAssembly (the test matrix's node26), in a child
 * process; its JSON-shaped answer, or undefined when Node 26 is not there
 * (the test skips, saying so).
 */
export function onNode26(t, scenarioUrl, bytes) {
  const node26 = fileURLToPath(new URL("../node_modules/.cache/node-matrix/node_modules/node26/bin/node", import.meta.url));
  const file = join(tempDir("node26-scenarios"), "module.wasm");
  writeFileSync(file, bytes);
  const script = `import { readFileSync } from "node:fs";
    import { scenarios } from ${JSON.stringify(String(scenarioUrl))};
    console.log(JSON.stringify(await scenarios(WebAssembly, readFileSync(${JSON.stringify(file)}))));`;
  const r = spawnSync(node26, ["--input-type=module", "-e", script], { encoding: "utf8" });
  if (r.error) {
    t.skip(`Node 26 is not installed (scripts/install-test-tools.mjs): ${r.error.message}`);
    return undefined;
  }
  if (r.status !== 0) throw new Error(`Node 26 failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
