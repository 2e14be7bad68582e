import test from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Worker } from "node:worker_threads";
import * as wasm from "../lib/index.js";
import { fixtureText, expectCode, prng } from "./support.mjs";

// Calls whose arguments are all numbers take the addon's all-number path;
// these tests hold it to the general path's results and errors.
const { ErrorCode: E, WasmError } = wasm;
const code = (fn, c) => expectCode(fn, c, WasmError);

const EDGES = [0, -0, 1, -1, 0.5, 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32 - 1, 2 ** 32,
  2 ** 53 - 1, 2 ** 53, NaN, Infinity, -Infinity, 1e300, 3.4028235677973366e38, 1e-45];

async function outcome(fn) {
  try {
    return { value: await fn() };
  } catch (e) {
    return { code: e.code, message: e.message };
  }
}

test("callSync with numbers agrees with the general path on edges and random values", async () => {
  const inst = await wasm.instantiate(await wasm.compile(fixtureText("add.wat")));
  const random = prng(7);
  const values = [...EDGES, ...Array.from({ length: 30 }, () => (random() - 0.5) * 2 ** (random() * 70))];
  for (const name of ["add", "add64", "addf32", "addf64"]) {
    for (const a of values) {
      for (const b of values.slice(0, 12)) {
        const fast = await outcome(() => inst.callSync(name, a, b));
        const general = await outcome(() => inst.call(name, a, b)); // async calls never take the number path
        assert.deepEqual(fast, general, `${name}(${a}, ${b})`);
        // instance.exports has its own number path: the same results (bare, one result) and errors.
        const exported = await outcome(() => inst.exports[name](a, b));
        assert.deepEqual(exported, "value" in general ? { value: general.value[0] } : general, `exports.${name}(${a}, ${b})`);
      }
    }
  }
});

test("arity, non-number arguments and other signatures keep their errors and results", async () => {
  const inst = await wasm.instantiate(await wasm.compile(fixtureText("add.wat")));
  await code(() => inst.callSync("add", 1), E.TypeError);
  await code(() => inst.callSync("add", 1, 2, 3), E.TypeError);
  await code(() => inst.callSync("add", 1, "2"), E.TypeError);
  assert.deepEqual(inst.callSync("add64", 1n, 2), [3n], "a bigint takes the general path");
  assert.deepEqual(inst.callSync("swap", 7, 1.5), [1.5, 7]);
  assert.deepEqual(inst.callSync("nothing"), []);
  await code(() => inst.callSync("memory"), E.ExportNotFound);
  await code(() => inst.callSync("missing", 1), E.ExportNotFound);
  await code(() => inst.callSync(42), E.TypeError);
  assert.deepEqual(inst.callSync("add", 2, 3), [5], "still healthy");
});

test("callManySync with numbers matches one call at a time", async () => {
  const inst = await wasm.instantiate(await wasm.compile(fixtureText("add.wat")));
  const random = prng(11);
  const batch = Array.from({ length: 500 }, () => [Math.floor(random() * 2 ** 32), Math.floor(random() * 1e6) - 5e5]);
  for (const name of ["add", "add64", "addf32", "addf64"]) {
    assert.deepEqual(inst.callManySync(name, batch), batch.map(([a, b]) => inst.callSync(name, a, b)), name);
    assert.deepEqual(inst.callManySync(name, batch), await inst.callMany(name, batch), name);
  }
  assert.deepEqual(inst.callManySync("add", []), []);
  assert.deepEqual(inst.callManySync("nothing", [[], []]), [[], []]);
  assert.deepEqual(await inst.callMany("nothing", [[], []]), [[], []]);
  assert.deepEqual(inst.callManySync("add", [[1, 2], [3, 4]]), [[3], [7]]);
  assert.deepEqual(inst.callManySync("swap", [[1, 0.5], [2, 1.5]]), [[0.5, 1], [1.5, 2]]);
  await code(() => inst.callManySync("add", [[1, 2], [1.5, 2]]), E.TypeError);
  await code(() => inst.callManySync("add", [[1, 2], [1]]), E.TypeError);
  await code(() => inst.callManySync("add", [[1, 2], "x"]), E.TypeError);
  await code(() => inst.callManySync("add", 5), E.TypeError);
  const traps = await wasm.instantiate(await wasm.compile(fixtureText("traps.wat")));
  await code(() => traps.callManySync("div", [[4, 2], [1, 0]]), E.CallError);
  assert.deepEqual(traps.callManySync("div", [[9, 3], [-8, 2]]), [[3], [-4]]);
});

test("table functions take the number path too", async () => {
  const inst = await wasm.instantiate(await wasm.compile(fixtureText("objects.wat")));
  const add = inst.getTable("table").getSync(0);
  assert.deepEqual(add.callSync(20, 22), [42]);
  assert.deepEqual(add.callSync(2 ** 32 - 1, 0), [-1]);
  assert.deepEqual(await add.call(2 ** 32 - 1, 0), [-1]);
  await code(() => add.callSync(2 ** 32, 0), E.TypeError);
  await code(() => add.call(2 ** 32, 0), E.TypeError);
  await code(() => add.callSync(1), E.TypeError);
  assert.deepEqual(inst.getTable("table").getSync(1).callSync(), [2], "the counter starts at 1");
});

test("dropped and busy instances refuse number calls with their codes", async () => {
  const traps = await wasm.instantiate(await wasm.compile(fixtureText("traps.wat")));
  assert.deepEqual(traps.callSync("div", 8, 2), [4]);
  const running = traps.call("spin", 50_000_000n);
  await code(() => traps.callSync("div", 8, 2), E.CallError);
  await code(() => traps.exports.div(8, 2), E.CallError);
  await running;
  assert.deepEqual(traps.callSync("div", 8, 2), [4]);
  assert.equal(traps.exports.div(8, 2), 4);
  traps.dropSync();
  await code(() => traps.callSync("div", 8, 2), E.InvalidInstanceHandle);
  await code(() => traps.callManySync("div", [[8, 2]]), E.InvalidInstanceHandle);
  await code(() => traps.exports.div(8, 2), E.InvalidInstanceHandle);
});

test("a host function may create and call other instances during a number call", async () => {
  const add = await wasm.compile(fixtureText("add.wat"));
  const made = [];
  const inst = await wasm.instantiate(await wasm.compile(fixtureText("roundtrip.wat")), {
    imports: {
      env: {
        tick: (acc) => {
          const other = wasm.instantiateSync(add);
          made.push(other);
          const [sum] = other.callSync("add", acc, 1);
          return sum;
        },
      },
    },
  });
  assert.deepEqual(inst.callSync("run", 20), [20]);
  assert.equal(made.length, 20);
  assert.deepEqual(made.map((m, i) => m.callSync("add", i, 0)), made.map((_, i) => [i]));
  assert.equal(inst.exports.run(5), 5, "and through instance.exports");
  assert.equal(made.length, 25);
});

test("instances keep their own state while others come and go through the collector", async () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc");
  const rt = new wasm.Runtime();
  const counter = await rt.compile(fixtureText("counter.wat"));
  const kept = [];
  // In a function of its own, so no stale reference stays in this async frame.
  const round40 = () => {
    for (let i = 0; i < 40; i++) {
      const inst = rt.instantiateSync(counter);
      inst.callSync("inc");
      if (i % 4 === 0) kept.push(inst);
    }
  };
  for (let round = 0; round < 5; round++) {
    round40();
    // Finalizers run on the event loop after a collection: collect and yield
    // until the others are freed, a bounded number of times.
    for (let tries = 0; tries < 500 && rt.instanceCount > kept.length; tries++) {
      gc();
      await new Promise((r) => setTimeout(r, 2));
    }
    assert.equal(rt.instanceCount, kept.length, `round ${round}: the others were collected`);
  }
  for (const [i, inst] of kept.entries()) assert.deepEqual(inst.callSync("inc"), [2], `kept instance ${i}`);
});

test("number calls work in worker threads, each with its own instances", async () => {
  const source = `
    const { parentPort, workerData } = require("node:worker_threads");
    import(workerData.lib).then(async (wasm) => {
      const inst = await wasm.instantiate(await wasm.compile(workerData.wat));
      let sum = 0;
      for (let i = 0; i < 1000; i++) sum += inst.callSync("add", i, workerData.k)[0];
      parentPort.postMessage(sum);
    });`;
  const lib = new URL("../lib/index.js", import.meta.url).href;
  const wat = fixtureText("add.wat");
  const sums = await Promise.all([1, 2].map((k) => new Promise((resolve, reject) => {
    const w = new Worker(source, { eval: true, workerData: { lib, wat, k } });
    w.once("message", resolve);
    w.once("error", reject);
  })));
  assert.deepEqual(sums, [499500 + 1000, 499500 + 2000]);
});
