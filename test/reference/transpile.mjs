// jco's transpiled output of a component, the reference the differential
// tests and benchmarks compare runtime-wasm with: transpiled by
// @bytecodealliance/jco-transpile (npm) into a fresh directory, its WASI
// imports served by preview2-shim (as `jco run` serves them) and its own
// imports by the modules `map` names.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const WASI_PACKAGES = ["cli", "clocks", "filesystem", "io", "random", "sockets"];

/**
 * Transpiles component `file` as `name`; resolves to `{ dir, module }` (the
 * output directory and the URL of its main module), or `{ why }` when jco is
 * not installed. `options` go to jco's `transpile` as they are.
 */
export async function transpile(file, name, { map = {}, ...options } = {}) {
  let jco;
  try {
    jco = await import("@bytecodealliance/jco-transpile");
  } catch (e) {
    return { why: `@bytecodealliance/jco-transpile is not installed (npm install): ${e.message}` };
  }
  const dir = mkdtempSync(join(tmpdir(), `runtime-wasm-jco-${name}-`));
  const shims = {};
  for (const pkg of WASI_PACKAGES) {
    shims[`wasi:${pkg}/*`] = `${import.meta.resolve(`@bytecodealliance/preview2-shim/${pkg}`)}#*`;
  }
  const { files } = await jco.transpile(file, { outDir: dir, name, map: { ...shims, ...map }, ...options });
  await jco.writeFiles(files);
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  return { dir, module: pathToFileURL(join(dir, `${name}.js`)).href };
}
