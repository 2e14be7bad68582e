// Loads the Node-API addon, the napi-rs way:
//  1. RUNTIME_WASM_ADDON, a path to an addon file, when set (and only it);
//  2. a local build next to this file, lib/runtime-wasm.<platform>.node
//     (`npm run build`, development);
//  3. the prebuilt addon of the platform package runtime-wasm-<platform>,
//     which npm installs from the main package's optionalDependencies;
// and otherwise fails with one message naming the platform and how to
// build from source. <platform> is napi-rs's name: linux-x64-gnu,
// linux-x64-musl, linux-arm64-gnu, darwin-x64, darwin-arm64, win32-x64-msvc.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);

/** The prebuilt platforms a release publishes (package.json `napi.targets`). */
const PUBLISHED = ["linux-x64-gnu", "linux-arm64-gnu", "linux-x64-musl", "darwin-x64", "darwin-arm64", "win32-x64-msvc"];

function isMusl() {
  try {
    return readFileSync("/usr/bin/ldd", "utf8").includes("musl");
  } catch {}
  try {
    const report = process.report?.getReport?.();
    if (report?.header?.glibcVersionRuntime) return false;
    return (report?.sharedObjects ?? []).some((f) => f.includes("libc.musl-") || f.includes("ld-musl-"));
  } catch {
    return false;
  }
}

/** This process's platform in napi-rs's naming, and its libc on Linux. */
function platform() {
  const { platform: os, arch } = process;
  if (os === "linux") {
    const musl = isMusl();
    return { name: `linux-${arch}-${musl ? "musl" : "gnu"}`, libc: musl ? "musl" : "glibc" };
  }
  if (os === "win32") return { name: `win32-${arch}-msvc` };
  return { name: `${os}-${arch}` };
}

function load() {
  const errors = [];
  const attempt = (what, spec) => {
    try {
      return require(spec);
    } catch (e) {
      errors.push(`${what}: ${e.message.split("\n")[0]}`);
      return undefined;
    }
  };
  const override = process.env.RUNTIME_WASM_ADDON;
  if (override) {
    try {
      return require(override);
    } catch (e) {
      throw new Error(`runtime-wasm: cannot load the native addon RUNTIME_WASM_ADDON names, ${override}: ${e.message}`, { cause: e });
    }
  }
  const { name, libc } = platform();
  const local = fileURLToPath(new URL(`./runtime-wasm.${name}.node`, import.meta.url));
  if (existsSync(local)) {
    const addon = attempt(`local build ${local}`, local);
    if (addon) return addon;
  } else {
    errors.push(`local build ${local}: not built`);
  }
  const pkg = `runtime-wasm-${name}`;
  const addon = attempt(`package ${pkg}`, pkg);
  if (addon) return addon;

  const where = `${process.platform}, ${process.arch}${libc ? `, ${libc}` : ""}`;
  const why = PUBLISHED.includes(name)
    ? `its prebuilt addon comes in the package ${pkg}, which is not installed or does not load (installed with --omit=optional, or node_modules copied from another platform?)`
    : `no prebuilt addon is published for this platform (there are ${PUBLISHED.join(", ")})`;
  const e = new Error(
    `runtime-wasm: no native addon for ${name} (${where}): ${why}. ` +
      `Reinstall runtime-wasm with optional dependencies, or build the addon from source: with Rust installed (https://rustup.rs), ` +
      `run \`npm run build\` in a clone of https://github.com/runtime-wasm/runtime-wasm, which writes lib/runtime-wasm.${name}.node ` +
      `(there it is loaded first; elsewhere set RUNTIME_WASM_ADDON to its path). ` +
      `Tried: ${errors.join("; ")}`,
  );
  e.code = "RUNTIME_WASM_NO_ADDON";
  throw e;
}

const native = load();

export default native;
