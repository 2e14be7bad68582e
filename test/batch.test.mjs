import test from "node:test";
import assert from "node:assert/strict";
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import * as wasm from "../lib/index.js";
import { fixtureText, tempDir, expectCode } from "./support.mjs";

const { ErrorCode: E, WasmError } = wasm;
const code = (fn, c) => expectCode(fn, c, WasmError);

test("a module file the cache knows starts without being read: the next process reads its head only", async () => {
  const dir = tempDir("known-file");
  const file = join(dir, "big.wasm");
  // 4 MiB of data and a few bytes of code: what a start needs is the code
  // (from the cache) and the sections before it (imports, exports).
  const data = "x".repeat(4 << 20);
  writeFileSync(file, wasm.wat2wasm(`(module (memory (export "memory") 65)
    (data (i32.const 0) "${data}")
    (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))`));
  // The cache remembers only files that last changed over 2 s before.
  while (Date.now() - statSync(file).ctimeMs <= 2100) await new Promise((r) => setTimeout(r, 100));
  const script = `import * as wasm from ${JSON.stringify(new URL("../lib/index.js", import.meta.url).href)};
    import { readFileSync } from "node:fs";
    const rchar = () => Number(readFileSync("/proc/self/io", "utf8").match(/^rchar: (\\d+)$/m)[1]);
    const rt = new wasm.Runtime({ cacheDir: ${JSON.stringify(join(dir, "cache"))} });
    const before = rchar();
    const id = await rt.compileFile(${JSON.stringify(file)});
    const read = rchar() - before;
    const [sum] = await (await rt.instantiate(id)).call("add", 40, 2);
    console.log(JSON.stringify({ read, sum, tier: rt.tier(id) }));`;
  const runs = [];
  for (let i = 0; i < 2; i++) {
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    runs.push(JSON.parse(r.stdout));
  }
  const size = statSync(file).size;
  assert.ok(runs[0].read >= size, `the first process read the file (${runs[0].read} of ${size} bytes)`);
  assert.ok(runs[1].read < 64 << 10, `the second read ${runs[1].read} bytes of ${size}`);
  for (const run of runs) assert.deepEqual([run.sum, run.tier], [42, "optimized"]);
});

test("callMany runs a batch in one crossing, in order", async () => {
  const inst = await wasm.instantiate(await wasm.compile(fixtureText("add.wat")));
  assert.deepEqual(await inst.callMany("add", [[1, 2], [3, 4], [5, 6]]), [[3], [7], [11]]);
  assert.deepEqual(inst.callManySync("add", [[1, 2], [3, 4], [5, 6]]), [[3], [7], [11]]);
  assert.deepEqual(inst.callManySync("swap", [[1, 0.5]]), [[0.5, 1]]);
  assert.deepEqual(await inst.callMany("nothing", [[], []]), [[], []]);
  assert.deepEqual(inst.callManySync("nothing", [[], []]), [[], []]);
  assert.deepEqual(await inst.callMany("swap", [[1, 0.5], [2, 1.5]]), [[0.5, 1], [1.5, 2]]);
  assert.deepEqual(await inst.callMany("add", []), []);
  await code(() => inst.callMany("add", [[1, 2], [1.5, 2]]), E.TypeError);
  await code(() => inst.callMany("add", [1, 2]), E.TypeError);
  await code(() => inst.callManySync("missing", [[]]), E.ExportNotFound);
  const counter = await wasm.instantiate(await wasm.compile(fixtureText("counter.wat")));
  assert.deepEqual(await counter.callMany("inc", Array.from({ length: 4 }, () => [])), [[1], [2], [3], [4]]);
  assert.deepEqual(counter.callManySync("inc", [[], []]), [[5], [6]]);
});

test("readInto fills a caller's buffer; out of bounds leaves it untouched", async () => {
  const inst = await wasm.instantiate(await wasm.compile(fixtureText("memory.wat")));
  const buf = new Uint8Array(5);
  assert.equal(inst.memory.readIntoSync(0, buf), 5);
  assert.equal(new TextDecoder().decode(buf), "hello");
  const view = new Uint8Array(new ArrayBuffer(16), 4, 6);
  assert.equal(await inst.memory.readInto(7, view), 6);
  assert.equal(new TextDecoder().decode(view), "memory");
  const untouched = new Uint8Array(4).fill(9);
  await code(() => inst.memory.readIntoSync(65534, untouched), E.MemoryError);
  await code(() => inst.memory.readInto(65534, untouched), E.MemoryError);
  assert.deepEqual([...untouched], [9, 9, 9, 9]);
  await code(() => inst.memory.readInto(0, [1, 2]), E.TypeError);
  await code(() => inst.memory.readIntoSync(0, "x"), E.TypeError);
});

test("cacheDir keeps compiled code for the next process", async () => {
  const dir = tempDir("cache");
  const script = `import * as wasm from ${JSON.stringify(new URL("../lib/index.js", import.meta.url).href)};
    const rt = new wasm.Runtime({ cacheDir: ${JSON.stringify(dir)} });
    const id = await rt.compile(${JSON.stringify(fixtureText("add.wat"))});
    const tier = rt.tier(id);
    await rt.tierUp(id); // the optimized build is what is cached
    const inst = await rt.instantiate(id);
    const [sum] = await inst.call("add", 40, 2);
    console.log(sum, tier);`;
  const tiers = [];
  for (let i = 0; i < 2; i++) {
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    const [sum, tier] = r.stdout.trim().split(" ");
    assert.equal(sum, "42", r.stderr);
    tiers.push(tier);
  }
  // The second process started optimized, from the cache (the first may
  // already have been, for so small a module, by the time it asked).
  assert.equal(tiers[1], "optimized");
  const files = readdirSync(dir).sort();
  assert.equal(files.length, 2, files.join(", "));
  assert.match(files[0], /^[0-9a-f]{64}-[0-9a-f]{16}\.checked$/);
  assert.match(files[1], /^[0-9a-f]{64}-[0-9a-f]{16}\.cwasm$/);
  await code(() => new wasm.Runtime({ cacheDir: 5 }), E.TypeError);
});
