import test from "node:test";
import assert from "node:assert/strict";
import * as wasm from "../lib/index.js";
import { fixtureText, expectCode } from "./support.mjs";

const { ErrorCode: E, WasmError } = wasm;
const code = (fn, c) => expectCode(fn, c, WasmError);
const hostModule = wasm.compileSync(fixtureText("host.wat"));
const importsModule = wasm.compileSync(fixtureText("imports.wat"));

/** Host functions for host.wat; `log` collects what the guest printed. */
function env(overrides = {}) {
  const logs = [];
  const env = {
    log(ptr, len) { logs.push(this.readString(ptr, len)); },
    mul64: (a, b) => BigInt.asIntN(64, a * b),
    pair: (x) => [Math.floor(x), x * 2],
    now: () => performance.now(),
    double: (x) => x * 2,
    negate: (x) => -x,
    ...overrides,
  };
  return { logs, imports: { env } };
}

async function writeGuestString(inst, text) {
  const bytes = new TextEncoder().encode(text);
  const [ptr] = await inst.call("alloc", bytes.length);
  await inst.memory.write(ptr, bytes);
  return [ptr, bytes.length];
}

test("strings cross through memory with an exported allocator; js_log prints them", async () => {
  const { logs, imports } = env();
  const inst = await wasm.instantiate(hostModule, { imports });
  const [ptr, len] = await writeGuestString(inst, "hello, host");
  assert.deepEqual(await inst.call("shout", ptr, len), []);
  assert.deepEqual(logs, ["HELLO, HOST"]);
  assert.equal(await inst.memory.readString(ptr, len), "HELLO, HOST");
  assert.deepEqual(await inst.call("dealloc", ptr, len), []);
  assert.deepEqual(inst.callSync("shout", ...(await writeGuestString(inst, "again"))), []);
  assert.deepEqual(logs, ["HELLO, HOST", "AGAIN"]);
});

test("host arguments and results follow the import's signature", async () => {
  const seen = [];
  const { imports } = env({ mul64(a, b) { seen.push(typeof a, typeof b); return a * b; } });
  const inst = await wasm.instantiate(hostModule, { imports });
  assert.deepEqual(await inst.call("square64", 3_000_000_000n), [9_000_000_000_000_000_000n]);
  await code(() => inst.call("square64", 2n ** 32n + 1n), E.TypeError); // 2^64 + 2^33 + 1 does not fit
  const wrapping = await wasm.instantiate(hostModule, { imports: env().imports });
  assert.deepEqual(await wrapping.call("square64", 2n ** 32n + 1n), [2n ** 33n + 1n]);
  assert.deepEqual(seen, ["bigint", "bigint", "bigint", "bigint"]);
  assert.deepEqual(await inst.call("pair", 2.5), [2, 5]);
  assert.deepEqual(inst.callSync("pair", 7.25), [7, 14.5]);
  const elapsed = await inst.call("elapsed");
  assert.equal(elapsed.length, 1);
  assert.equal(typeof elapsed[0], "number");
});

test("wrong host results are 5007 and the instance stays usable", async () => {
  const bad = await wasm.instantiate(hostModule, { imports: env({ pair: () => 3, mul64: () => 1.5 }).imports });
  await code(() => bad.call("pair", 1), E.TypeError);
  await code(() => bad.callSync("square64", 2n), E.TypeError);
  const fine = await wasm.instantiate(hostModule, { imports: env().imports });
  assert.deepEqual(await fine.call("pair", 1), [1, 2]);
});

test("missing or non-function imports are 5001 naming module.name", async () => {
  const missing = await code(() => wasm.instantiate(importsModule), E.InstantiateError);
  assert.match(missing.message, /env\.log/);
  const notFn = await code(() => wasm.instantiate(importsModule, { imports: { env: { log: 42 } } }), E.InstantiateError);
  assert.equal(notFn.message, "import `env.log` must be a function, got number");
  for (const [value, kind] of [[{}, "object"], [[], "an array"], [null, "null"], ["f", "string"], [1n, "bigint"]]) {
    for (const form of ["instantiate", "instantiateSync"]) {
      const e = await code(() => wasm[form](importsModule, { imports: { env: { log: value } } }), E.InstantiateError);
      assert.equal(e.message, `import \`env.log\` must be a function, got ${kind}`, form);
    }
  }
  // A namespace that is not an object is a config mistake: 5007 in the API's words.
  const notObject = await code(() => wasm.instantiateSync(importsModule, { imports: { env: 5 } }), E.TypeError);
  assert.equal(notObject.message, "imports.env must be an object, got number");
  await code(() => wasm.instantiate(importsModule, { imports: 5 }), E.TypeError);
});

test("a JS callback is called through a table index", async () => {
  const inst = await wasm.instantiate(hostModule, { imports: env().imports });
  assert.deepEqual(await inst.call("callback", 0, 21), [42]);
  assert.deepEqual(inst.callSync("callback", 1, 5), [-5]);
  const e = await code(() => inst.call("callback", 2, 1), E.CallError);
  assert.equal(e.trap, "out of bounds table access");
});

test("in a sync call the host function runs right away on the JS thread", () => {
  const order = [];
  const inst = wasm.instantiateSync(importsModule, { imports: { env: { log() { order.push("host"); } } } });
  assert.deepEqual(inst.callSync("hello"), []);
  order.push("after");
  assert.deepEqual(order, ["host", "after"]);
});

test("async host functions are awaited while the guest waits and the event loop runs", async () => {
  let entered;
  const inside = new Promise((r) => { entered = r; });
  let release;
  const gate = new Promise((r) => { release = r; });
  const { logs, imports } = env({
    async log(ptr, len) {
      entered();
      await gate; // settled by the test, from the event loop, while the guest waits
      logs.push(this.readString(ptr, len)); // the caller still works after an await
    },
  });
  const inst = await wasm.instantiate(hostModule, { imports });
  let settled = false;
  const call = inst.call("shout", ...(await writeGuestString(inst, "later"))).finally(() => { settled = true; });
  await inside;
  // The guest is inside the host function, and the event loop goes on turning.
  for (let turn = 0; turn < 5; turn++) await new Promise((r) => setImmediate(r));
  assert.equal(settled, false, "the call waits for the host Promise");
  assert.deepEqual(logs, []);
  release();
  assert.deepEqual(await call, []);
  assert.deepEqual(logs, ["LATER"]);
});

test("a Promise from a host function in a sync call is 5007 with a clear message", async () => {
  const inst = await wasm.instantiate(importsModule, { imports: { env: { log: async () => { throw new Error("never seen"); } } } });
  const unhandled = [];
  const onUnhandled = (reason) => unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  try {
    const e = await code(() => inst.callSync("hello"), E.TypeError);
    assert.match(e.message, /Promise/);
    // Node reports an unhandled rejection once the microtasks drain, before
    // the event loop's next turn: after two turns, none was.
    for (let turn = 0; turn < 2; turn++) await new Promise((r) => setImmediate(r));
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
  assert.deepEqual(unhandled, [], "no unhandled rejection follows");
});

test("a thrown exception is the call's rejection, unchanged; the instance stays usable", async () => {
  const boom = new RangeError("boom");
  let fail = true;
  const inst = await wasm.instantiate(importsModule, { imports: { env: { log() { if (fail) throw boom; } } } });
  await assert.rejects(inst.call("hello"), (e) => e === boom);
  assert.throws(() => inst.callSync("hello"), (e) => e === boom);
  const rejecting = await wasm.instantiate(importsModule, { imports: { env: { log: () => Promise.reject(boom) } } });
  await assert.rejects(rejecting.call("hello"), (e) => e === boom);
  const odd = await wasm.instantiate(importsModule, { imports: { env: { log() { throw "a string"; } } } });
  await assert.rejects(odd.call("hello"), (e) => e === "a string");
  assert.throws(() => odd.callSync("hello"), (e) => e === "a string");
  // Even errors shaped like runtime-wasm's own pass through untouched.
  for (const lookalike of [Object.assign(new Error("x"), { code: "InvalidArg" }), Object.assign(new Error("y"), { code: 5006 })]) {
    const inst2 = await wasm.instantiate(importsModule, { imports: { env: { log() { throw lookalike; } } } });
    await assert.rejects(inst2.call("hello"), (e) => e === lookalike && !(e instanceof WasmError));
    assert.throws(() => inst2.callSync("hello"), (e) => e === lookalike && !(e instanceof WasmError));
  }
  fail = false;
  assert.deepEqual(await inst.call("hello"), []);
  assert.deepEqual(inst.callSync("hello"), []);
});

/** `down(n)`: 100 when n is 0, else `env.cb(n)`; `size()` the memory's pages. */
const downModule = wasm.compileSync(`(module
  (import "env" "cb" (func $cb (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "down") (param i32) (result i32)
    local.get 0 i32.eqz if (result i32) i32.const 100 else local.get 0 call $cb end)
  (func (export "size") (result i32) memory.size))`);

test("in a sync call a host function calls back into its own instance, nested: callSync, exports and memory growth", () => {
  let inst;
  const via = {
    callSync: (n) => inst.callSync("down", n - 1)[0] + 1,
    exports: (n) => inst.exports.down(n - 1) + 1,
  };
  let way = "callSync";
  inst = wasm.instantiateSync(downModule, { imports: { env: { cb: (n) => via[way](n) } } });
  assert.deepEqual(inst.callSync("down", 5), [105]);
  way = "exports";
  assert.equal(inst.exports.down(7), 107);
  // Growth from inside an import: the guest and the host see it, and a
  // buffer taken before it is detached after it.
  const before = inst.memory.buffer;
  let seen;
  const grower = wasm.instantiateSync(downModule, {
    imports: { env: { cb: () => { seen = [grower.memory.growSync(2), grower.memory.sizeSync()]; return grower.callSync("size")[0]; } } },
  });
  const old = grower.memory.buffer;
  assert.deepEqual(grower.callSync("down", 1), [3]);
  assert.deepEqual(seen, [1, 3]);
  assert.equal(old.byteLength, 0, "the buffer taken before the grow is detached");
  assert.equal(grower.memory.buffer.byteLength, 3 * 65536);
  assert.equal(before.byteLength, 65536, "another instance's buffer is untouched");
});

test("an async host function calls back in before and after its awaits: call, exports and async memory methods run nested in its call", async () => {
  let inst;
  const trail = [];
  inst = wasm.instantiateSync(downModule, {
    timeoutMs: 60_000,
    imports: {
      env: {
        cb: async (n) => {
          const [below] = await inst.call("down", n - 1); // async, before any await: nested
          await new Promise((r) => setImmediate(r)); // a turn of the event loop
          const sync = inst.exports.down(0); // sync, after an await: nested
          const grown = await inst.memory.grow(1); // an async memory method: nested
          trail.push([n, below, sync, grown]);
          return below + 1;
        },
      },
    },
  });
  const before = inst.memory.buffer;
  assert.deepEqual(await inst.call("down", 3), [103]);
  assert.deepEqual(trail, [[1, 100, 100, 1], [2, 101, 100, 2], [3, 102, 100, 3]]);
  assert.equal(before.byteLength, 0, "the buffer taken before the grows is detached");
  assert.deepEqual(inst.callSync("size"), [4]);
  // A nested sync call reaching an async host function: a sync form cannot
  // wait for its Promise (5007), as anywhere.
  let reached;
  const nestedSync = wasm.instantiateSync(downModule, {
    imports: { env: { cb: async (n) => { if (n === 2) reached = await code(() => nestedSync.callSync("down", 1), E.TypeError); return n; } } },
  });
  assert.deepEqual(await nestedSync.call("down", 2), [2]);
  assert.match(reached.message, /returned a Promise during a synchronous call/);
});

test("while a guest waits on an async host function, calls from elsewhere are not nested: a sync one finds the instance busy, an async one queues behind the call", async () => {
  let release, entered;
  const waiting = new Promise((r) => (entered = r));
  const inst = wasm.instantiateSync(downModule, {
    imports: { env: { cb: (n) => { entered(); return new Promise((r) => (release = () => r(n * 10))); } } },
  });
  const outer = inst.call("down", 4);
  await waiting;
  const order = [];
  outer.then(() => order.push("outer"));
  const queued = inst.call("down", 0).then((v) => { order.push("queued"); return v; });
  const busy = await new Promise((r) => setImmediate(() => r(code(() => inst.exports.down(0), E.CallError))));
  assert.match(busy.message, /busy/);
  release();
  assert.deepEqual(await outer, [40]);
  assert.deepEqual(await queued, [100]);
  assert.deepEqual(order, ["outer", "queued"]);
});

test("in an async call (guest on a worker) a host function calls back in with the sync forms, nested, under the call's deadline", async () => {
  let inst;
  inst = wasm.instantiateSync(downModule, {
    timeoutMs: 60_000,
    imports: { env: { cb: (n) => { if (n === 3) inst.memory.growSync(1); return inst.exports.down(n - 1) + 1; } } },
  });
  const before = inst.memory.buffer;
  assert.deepEqual(await inst.call("down", 6), [106]);
  assert.equal(before.byteLength, 0, "the buffer taken before the grow is detached");
  assert.deepEqual(inst.callSync("size"), [2]);
  // Many at once, on several instances: each lends its own store.
  const many = Array.from({ length: 8 }, () => {
    let me;
    me = wasm.instantiateSync(downModule, { imports: { env: { cb: (n) => me.callSync("down", n - 1)[0] + 1 } } });
    return me;
  });
  assert.deepEqual(await Promise.all(many.map((m, i) => m.call("down", i))), many.map((_, i) => [100 + i]));
});

test("nesting host -> export -> host ... ends in 5002 stack overflow, never a crash; the instance stays usable", () => {
  let inst;
  inst = wasm.instantiateSync(downModule, { imports: { env: { cb: (n) => inst.exports.down(n - 1) + 1 } } });
  const e = assert.throws(() => inst.exports.down(1_000_000), (e) => e.code === E.CallError && e.trap === "stack overflow");
  void e;
  assert.equal(inst.exports.down(10), 110);
});

test("a host function may call other instances, sync and async", async () => {
  const helper = await wasm.instantiate(await wasm.compile(fixtureText("add.wat")));
  const results = [];
  const inst = await wasm.instantiate(importsModule, {
    imports: { env: { async log() { results.push(helper.callSync("add", 1, 2), await helper.call("add", 3, 4)); } } },
  });
  await inst.call("hello");
  assert.deepEqual(results, [[3], [7]]);
});

test("one host function serves two instances running in parallel", async () => {
  let arrived = 0;
  let release;
  const both = new Promise((r) => { release = r; });
  // Each call resolves only once both guests are inside the host function.
  const log = async () => {
    if (++arrived === 2) release();
    await both;
  };
  const [a, b] = await Promise.all([0, 1].map(() => wasm.instantiate(importsModule, { imports: { env: { log } } })));
  await Promise.all([a.call("hello"), b.call("hello")]);
  assert.equal(arrived, 2);
});

test("a deadline ends a call waiting on a host Promise that never settles", async () => {
  const held = [];
  const log = () => { const p = new Promise(() => {}); held.push(p); return p; };
  const inst = await wasm.instantiate(importsModule, { timeoutMs: 100, imports: { env: { log } } });
  await code(() => inst.call("hello"), E.Timeout);
  assert.equal(held.length, 1);
});

test("the caller refuses use after its host call returned", async () => {
  let saved;
  const inst = await wasm.instantiate(importsModule, { imports: { env: { log() { saved = this; } } } });
  await inst.call("hello");
  await code(() => saved.readString(0, 1), E.InvalidInstanceHandle);
  inst.callSync("hello");
  await code(() => saved.read(0, 1), E.InvalidInstanceHandle);
  assert.ok(saved instanceof wasm.Caller);
});

test("start functions may call host functions, sync and async", async () => {
  const src = `(module (import "env" "hi" (func $hi)) (func $s call $hi) (start $s))`;
  const m = await wasm.compile(src);
  let n = 0;
  await wasm.instantiate(m, { imports: { env: { hi: () => { n++; } } } });
  wasm.instantiateSync(m, { imports: { env: { hi: () => { n++; } } } });
  assert.equal(n, 2);
});

class Custom {
  constructor(n) { this.n = n; }
}

/** One value of every kind a host function can throw. */
function throwables() {
  return [
    ["a string", "boom"],
    ["an empty string", ""],
    ["a number", 42],
    ["negative zero", -0],
    ["NaN", NaN],
    ["a bigint", 7n],
    ["a boolean", false],
    ["a symbol", Symbol("thrown")],
    ["null", null],
    ["undefined", undefined],
    ["a plain object", { message: "not an Error", code: 5007 }],
    ["a null-prototype object", Object.create(null)],
    ["an array", [1, "two"]],
    ["a function", function thrownFunction() {}],
    ["an Error", new Error("plain")],
    ["a TypeError", new TypeError("typed")],
    ["a WasmError made by the user", new WasmError(E.CallError, "looks like ours")],
    ["a class instance", new Custom(3)],
    ["a Promise", Promise.resolve(1)],
  ];
}

const NOTHING = Symbol("nothing was thrown");
const caughtSync = (fn) => { try { fn(); } catch (e) { return e; } return NOTHING; };
/** What `p` rejects with, in a box: a thrown Promise must not be adopted on the way out. */
async function rejection(p) {
  try {
    await p;
  } catch (e) {
    return { e };
  }
  return { e: NOTHING };
}

test("every kind of thrown value reaches the caller unchanged, sync and async, on every call path", async () => {
  // `run` has no numbers; `num` takes the all-number path in callSync and exports.
  const m = await wasm.compile(`(module
    (import "env" "f" (func $f))
    (import "env" "g" (func $g (param i32) (result i32)))
    (func (export "run") call $f)
    (func (export "num") (param i32) (result i32) local.get 0 call $g))`);
  for (const [what, thrown] of throwables()) {
    let fail = true;
    const imports = {
      env: {
        f() { if (fail) throw thrown; },
        g(x) { if (fail) throw thrown; return x + 1; },
      },
    };
    const inst = await wasm.instantiate(m, { imports });
    assert.equal(caughtSync(() => inst.callSync("run")), thrown, `callSync: ${what}`);
    assert.equal((await rejection(inst.call("run"))).e, thrown, `call: ${what}`);
    assert.equal(caughtSync(() => inst.callSync("num", 1)), thrown, `callSync on the number path: ${what}`);
    assert.equal((await rejection(inst.call("num", 1))).e, thrown, `call of a number function: ${what}`);
    assert.equal(caughtSync(() => inst.exports.run()), thrown, `exports.run(): ${what}`);
    assert.equal(caughtSync(() => inst.exports.num(1)), thrown, `exports.num(1): ${what}`);
    assert.equal(caughtSync(() => inst.callManySync("num", [[1], [2]])), thrown, `callManySync: ${what}`);
    assert.equal((await rejection(inst.callMany("run", [[]]))).e, thrown, `callMany: ${what}`);
    // The instance stays usable afterwards.
    fail = false;
    assert.deepEqual(inst.callSync("run"), [], what);
    assert.deepEqual(await inst.call("num", 1), [2], what);
    assert.equal(inst.exports.num(41), 42, what);
  }
});

test("values an async host function throws or rejects with pass through unchanged", async () => {
  const m = await wasm.compile(`(module (import "env" "f" (func $f)) (func (export "run") call $f))`);
  for (const [what, thrown] of throwables()) {
    const afterAwait = await wasm.instantiate(m, { imports: { env: { async f() { await null; throw thrown; } } } });
    assert.equal((await rejection(afterAwait.call("run"))).e, thrown, `thrown after an await: ${what}`);
    const rejected = await wasm.instantiate(m, { imports: { env: { f: () => Promise.reject(thrown) } } });
    assert.equal((await rejection(rejected.call("run"))).e, thrown, `a rejected Promise: ${what}`);
  }
});

test("a value thrown by a start function's host call reaches instantiate unchanged", async () => {
  const m = await wasm.compile(`(module (import "env" "hi" (func $hi)) (func $s call $hi) (start $s))`);
  for (const [what, thrown] of throwables()) {
    const imports = { env: { hi() { throw thrown; } } };
    assert.equal(caughtSync(() => wasm.instantiateSync(m, { imports })), thrown, `instantiateSync: ${what}`);
    assert.equal((await rejection(wasm.instantiate(m, { imports }))).e, thrown, `instantiate: ${what}`);
  }
});
