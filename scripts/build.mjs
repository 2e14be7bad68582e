// Builds the Node-API addon with cargo and places it where lib/native.js
// loads a development build from: lib/runtime-wasm.<platform>.node, named
// the napi-rs way (`napi build --platform`), e.g. runtime-wasm.linux-x64-gnu.node.
// `--release` builds the optimized addon. A release pipeline builds each
// platform with `napi build --platform --release` and moves the files into
// the per-platform packages under npm/ (`npm run artifacts`).
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const release = process.argv.includes("--release");
const args = ["build", "-p", "runtime-wasm-node", ...(release ? ["--release"] : [])];

/** napi-rs's platform name of a Rust target triple: `x86_64-unknown-linux-gnu` -> `linux-x64-gnu`. */
export function napiPlatform(triple) {
  const [cpu, , sys = "", abi] = triple.split("-");
  const arch = { x86_64: "x64", aarch64: "arm64", i686: "ia32", armv7: "arm", riscv64gc: "riscv64", powerpc64le: "ppc64", s390x: "s390x", loongarch64: "loong64" }[cpu] ?? cpu;
  const platform = { darwin: "darwin", windows: "win32", linux: "linux", freebsd: "freebsd", android: "android" }[sys] ?? sys;
  if (platform === "darwin") return `darwin-${arch}`;
  return abi ? `${platform}-${arch}-${abi}` : `${platform}-${arch}`;
}

function hostTriple() {
  const r = spawnSync("rustc", ["-vV"], { encoding: "utf8" });
  const line = r.stdout?.split("\n").find((l) => l.startsWith("host: "));
  if (!line) {
    console.error(`cannot ask rustc for the host triple: ${r.error?.message ?? r.stderr}`);
    process.exit(1);
  }
  return line.slice("host: ".length).trim();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const cargo = spawnSync("cargo", args, { cwd: root, stdio: "inherit" });
  if (cargo.error) {
    console.error(`cannot run cargo: ${cargo.error.message} (building from source needs Rust: https://rustup.rs)`);
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
  const dest = join(root, "lib", `runtime-wasm.${napiPlatform(hostTriple())}.node`);
  mkdirSync(dirname(dest), { recursive: true });
  // Copy then rename, so a process loading the addon meanwhile never sees
  // half a file (and an addon loaded now keeps its mapping).
  const tmp = `${dest}.${process.pid}.tmp`;
  copyFileSync(built, tmp);
  renameSync(tmp, dest);
  console.log(`addon (${release ? "release" : "debug"}) -> ${dest}`);
}
