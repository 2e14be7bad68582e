// Installs what the tests use besides the toolchains: TypeScript (type
// tests) and Deno and Bun (the API under other runtimes), all from the npm
// registry. A failed install is reported, not fatal: the tests that need a
// missing tool skip with a message naming it.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const r = spawnSync(npm, ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: root, stdio: "inherit" });
if (r.status !== 0) {
  console.error("npm install failed: tests needing typescript, deno or bun will be skipped and say so");
}
