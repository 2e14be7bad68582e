import test from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const run = (name) => execFileSync(process.execPath, [fileURLToPath(new URL(`../examples/${name}`, import.meta.url))], { encoding: "utf8" });

test("examples/tour.mjs runs and shows each step", () => {
  const out = run("tour.mjs");
  assert.match(out, /add\(2, 3\)\s+= 5/);
  assert.match(out, /3\.5 as i32\s+-> WasmError 5007/);
  assert.match(out, /WASI program exited 20, printed: tour: copied 20 bytes/);
  assert.match(out, /now holds: HELLO FROM THE HOST/);
});

test("examples/host-functions.mjs runs the host-function seeds", () => {
  const out = run("host-functions.mjs");
  assert.match(out, /guest says: HELLO FROM JAVASCRIPT/);
  assert.match(out, /back in JS: HELLO FROM JAVASCRIPT/);
  assert.match(out, /square64\(3e9\)\s+= 9000000000000000000n/);
  assert.match(out, /pair\(2\.5\)\s+= \[ 2, 5 \]/);
  assert.match(out, /callback #0 with 21 = 42/);
  assert.match(out, /callback #1 with 21 = -21/);
  assert.match(out, /after an await: PATIENCE/);
});
