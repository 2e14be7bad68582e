// JSPI through the namespace: `WebAssembly.Suspending` imports wait on their
// Promise (holding no thread) in calls made through `WebAssembly.promising`,
// and are a SuspendError in synchronous ones; the same scenarios give the
// same answers as Node 26's own JSPI.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as wasm from "../lib/index.js";
import WebAssembly from "../lib/webassembly/index.js";
import { tempDir } from "./support.mjs";
import { scenarios } from "./portable/jspi-scenarios.mjs";

const bytes = wasm.wat2wasm(`(module
  (import "env" "fetch" (func $fetch (param i32) (result i32)))
  (func (export "run") (param i32) (result i32) (i32.add (call $fetch (local.get 0)) (i32.const 1))))`);

const expected = {
  returnsPromise: true,
  awaited: 41,
  syncCallSuspending: { error: "SuspendError" },
  manyInFlight: true,
  plainValueSync: { error: "SuspendError" },
  callsBeforeSuspendError: 0,
  plainValuePromising: 102,
  rejectionUnchanged: true,
  promisingOfJsFunction: { error: "TypeError" },
  promisingOfNonFunction: { error: "TypeError" },
  suspendingOfNonFunction: { error: "TypeError" },
  suspendingWithoutNew: { error: "TypeError" },
  suspendErrorIsError: true,
};

test("JSPI scenarios through runtime-wasm's namespace", async () => {
  assert.deepEqual(await scenarios(WebAssembly, bytes), expected);
});

test("the same JSPI scenarios on Node 26's own WebAssembly give the same answers", async (t) => {
  const node26 = fileURLToPath(new URL("../node_modules/.cache/node-matrix/node_modules/node26/bin/node", import.meta.url));
  const file = join(tempDir("jspi"), "module.wasm");
  writeFileSync(file, bytes);
  const script = `import { readFileSync } from "node:fs";
    import { scenarios } from ${JSON.stringify(new URL("./portable/jspi-scenarios.mjs", import.meta.url).href)};
    console.log(JSON.stringify(await scenarios(WebAssembly, readFileSync(${JSON.stringify(file)}))));`;
  const r = spawnSync(node26, ["--input-type=module", "-e", script], { encoding: "utf8" });
  if (r.error) return t.skip(`Node 26 is not installed (scripts/install-test-tools.mjs): ${r.error.message}`);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), expected);
});
