// What the suite runners (js-api.mjs, spec.mjs) share: one test file run in a
// Node process of its own, which prints its result as JSON on its last line,
// so that a crash or a hang costs that file only.
import { spawnSync } from "node:child_process";

/** The child's result, or `{ unfinished }` saying how it ended without one. */
export function runChild(args, timeout) {
  const r = spawnSync(process.execPath, args, { encoding: "utf8", timeout });
  try {
    return { result: JSON.parse(r.stdout.trim().split("\n").pop()) };
  } catch {
    return { unfinished: `did not finish (status ${r.status}, signal ${r.signal}) ${r.stderr.slice(-300)}` };
  }
}
