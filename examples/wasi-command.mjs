// A WASI preview 2 command (C made a component by the preview 1 adapter:
// fixtures/components/build.sh) reads a file from a read-only preopen, is
// refused a write there, writes into another; a guest that never ends is
// stopped by its deadline. Run: node examples/wasi-command.mjs
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as wasm from "../lib/index.js";

const file = fileURLToPath(new URL("../fixtures/components/command/command.wasm", import.meta.url));
const command = await wasm.compileFile(file);
const text = (bytes) => new TextDecoder().decode(bytes);
const scratch = mkdtempSync(join(tmpdir(), "wasi-command-"));
const [input, output] = [join(scratch, "in"), join(scratch, "out")];
mkdirSync(input);
mkdirSync(output);
writeFileSync(join(input, "input.txt"), "hello from the host");

/** Runs the command with `args`, /in read-only and /out writable, for at most 5 s. */
async function run(args, extra = {}) {
  const inst = await wasm.instantiate(command, {
    args: ["command", ...args],
    env: { EXIT_CODE: "0" },
    preopens: { "/in": { path: input, readonly: true }, "/out": output },
    captureStdout: true,
    captureStderr: true,
    timeoutMs: 5000,
    ...extra,
  });
  return inst.run();
}

try {
  const ok = await run(["report", "/in/input.txt", "/out/output.txt"]);
  console.log(`exit ${ok.exitCode}; the guest printed:\n${text(ok.stdout)}`);
  console.log(`/out/output.txt now holds: ${readFileSync(join(output, "output.txt"), "utf8")}`);

  const refused = await run(["report", "/in/input.txt", "/in/output.txt"]);
  console.log(`writing into read-only /in: ${text(refused.stderr).split("\n")[0]}`);

  try {
    await run(["spin"], { timeoutMs: 200 });
  } catch (e) {
    console.log(`a spinning command after 200 ms: WasmError ${e.code} ${e.codeName}`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
