// Builds the Node-API addon with cargo and places it where lib/native.js
// loads it from. `--release` builds the optimized addon.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const release = process.argv.includes("--release");
const args = ["build", "-p", "runtime-wasm-node", ...(release ? ["--release"] : [])];

const cargo = spawnSync("cargo", args, { cwd: root, stdio: "inherit" });
if (cargo.error) {
  console.error(`cannot run cargo: ${cargo.error.message}`);
  process.exit(1);
}
if (cargo.status !== 0) process.exit(cargo.status ?? 1);

const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, "target");
const names = {
  linux: "libruntime_wasm_node.so",
  darwin: "libruntime_wasm_node.dylib",
  win32: "runtime_wasm_node.dll",
};
const built = join(targetDir, release ? "release" : "debug", names[process.platform] ?? names.linux);
if (!existsSync(built)) {
  console.error(`cargo finished but ${built} is missing`);
  process.exit(1);
}
const dest = join(root, "lib", "runtime-wasm.node");
mkdirSync(dirname(dest), { recursive: true });
copyFileSync(built, dest);
console.log(`addon (${release ? "release" : "debug"}) -> ${dest}`);
