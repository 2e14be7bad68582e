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

/**
 * Adds one file's run (`runChild`'s answer) to `totals` and prints its line
 * — passed, failed and, where the suite counts them, skipped — and with
 * `list`, each failure as `failure` words it.
 */
export function count(totals, name, { result, unfinished }, list, failure) {
  if (unfinished) {
    totals.crashed++;
    console.log(`${name}: ${unfinished}`);
    return;
  }
  totals.files++;
  totals.passed += result.passed;
  totals.failed += result.failures.length;
  const skipped = result.skipped === undefined ? "" : `, ${result.skipped} skipped`;
  if (result.skipped !== undefined) totals.skipped += result.skipped;
  console.log(`${name}: ${result.passed} passed, ${result.failures.length} failed${skipped}`);
  if (list) for (const f of result.failures) console.log(`    FAIL ${failure(f)}`);
}
