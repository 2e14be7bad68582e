import test from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const run = (name) => execFileSync(process.execPath, [fileURLToPath(new URL(`../examples/${name}`, import.meta.url))], { encoding: "utf8" });

test("examples/tour.mjs runs and shows each step", () => {
  const out = run("tour.mjs");
  assert.match(out, /^add\(2, 3\)\s+= 5$/m);
  assert.match(out, /^add64\(2\^62, 2\^62\)\s+= -9223372036854775808n$/m);
  assert.match(out, /^swap\(7, 1\.5\)\s+= \[ 1\.5, 7 \]$/m);
  assert.match(out, /^exports\.add\(2, 3\)\s+= 5$/m);
  assert.match(out, /^exports\.swap\(7, 1\.5\)\s+= \[ 1\.5, 7 \]$/m);
  assert.match(out, /3\.5 as i32\s+-> WasmError 5007/);
  assert.match(out, /WASI program exited 20, printed: tour: copied 20 bytes/);
  assert.match(out, /now holds: HELLO FROM THE HOST/);
  assert.match(out, /^api\.older\(\.\.\.\)\s+= \{ name: 'Ann', age: 42, tags: \[ 'admin' \], home: undefined \}$/m);
  assert.match(out, /^new api\.Counter\(5\)\.increment\(2\) = 7$/m);
  assert.match(out, /checkedDiv\(1, 0\)\s+-> ComponentError: division by zero/);
  assert.match(out, /^app#gather \(async imports\) = item0,item1,item2$/m);
});

test("examples/host-functions.mjs runs the host-function seeds", () => {
  const out = run("host-functions.mjs");
  assert.match(out, /guest says: HELLO FROM JAVASCRIPT/);
  assert.match(out, /back in JS: HELLO FROM JAVASCRIPT/);
  assert.match(out, /square64\(3e9\)\s+= 9000000000000000000n$/m);
  assert.match(out, /pair\(2\.5\)\s+= \[ 2, 5 \]/);
  assert.match(out, /callback #0 with 21 = 42$/m);
  assert.match(out, /callback #1 with 21 = -21$/m);
  assert.match(out, /after an await: PATIENCE/);
});

test("examples/wasi-command.mjs runs a preview 2 command with a read-only preopen and a deadline", () => {
  const out = run("wasi-command.mjs");
  assert.match(out, /^exit 0; the guest printed:$/m);
  assert.match(out, /^read \/in\/input\.txt: hello from the host$/m);
  assert.match(out, /^\/out\/output\.txt now holds: HELLO FROM THE HOST$/m);
  assert.match(out, /^writing into read-only \/in: cannot write \/in\/output\.txt: Operation not permitted$/m);
  assert.match(out, /^a spinning command after 200 ms: WasmError 5012 Timeout$/m);
});

test("examples/hello.mjs", () => {
  assert.equal(run("hello.mjs"), "add(2, 3) = 5\n");
});

test("examples/strings.mjs reverses UTF-8 text in guest memory", () => {
  assert.equal(run("strings.mjs"), "stressed -> desserts\n");
});

test("examples/grayscale.mjs converts every pixel correctly", () => {
  assert.match(run("grayscale.mjs"), /128x96 image converted to grayscale: 0 mismatching pixels/);
});

test("examples/sha256.mjs agrees with node:crypto", () => {
  const out = run("sha256.mjs");
  assert.match(out, /^[0-9a-f]{64} {2}\/data\/README\.md$/m);
  assert.match(out, /matches node:crypto/);
});

test("examples/plugin-host.mjs stops each misbehaving plugin with its code", () => {
  const out = run("plugin-host.mjs");
  assert.match(out, /well-behaved\s+returned 42 after/);
  assert.match(out, /infinite loop\s+stopped: 5012 Timeout/);
  assert.match(out, /fuel hog\s+stopped: 5011 FuelExhausted/);
  assert.match(out, /memory bomb\s+returned 49 \(grew to 49 pages/);
  assert.match(out, /crashes\s+stopped: 5002 CallError \(unreachable\)/);
  assert.match(out, /stack smasher\s+stopped: 5002 CallError \(stack overflow\)/);
  assert.match(out, /host still healthy: 42$/m);
});

test("examples/parallel.mjs runs many instances at once", () => {
  assert.match(run("parallel.mjs"), /instances each counted to 300000000 \(all correct\)/);
});
