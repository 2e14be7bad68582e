// The async core: a guest waiting on a host Promise or a WASI sleep holds no
// OS thread, `timeoutMs` is a total deadline (guest code, blocking WASI calls
// and host Promises alike), and nested sync calls end in a 5002 "stack
// overflow" instead of a crash (DESIGN.md, "Execution model").
//
// Anything that can hang or crash runs in a child process (`inChild`), killed
// when it outlives a generous limit, so a hang fails its test instead of
// freezing the runner and a crash fails its test instead of killing it. No
// test bounds wall-clock time from above or sleeps and assumes something
// happened meanwhile: they wait on events (a host import that signals it was
// entered), counters and the process's thread count.
import os from "node:os";
import test, { describe } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as wasm from "../lib/index.js";
import { fixtureText } from "./support.mjs";

const { ErrorCode: E } = wasm;
const lib = new URL("../lib/index.js", import.meta.url).href;

const sleepWat = fixtureText("wasi_sleep.wat");
/** `f(x)` returns what the host import `env.wait(x)` gives back; `plain(x)` is x + 1 without the host. */
const waitWat = `(module
  (import "env" "wait" (func $wait (param i32) (result i32)))
  (func (export "f") (param i32) (result i32) (call $wait (local.get 0)))
  (func (export "plain") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))`;
/** The stack-safety reproduction's module: `f(k)` recurses `depth` frames with eight v128 locals each, then calls `env.next(k)`. */
const recurseWat = (depth) => `(module (import "env" "next" (func $next (param i32) (result i32)))
 (func $r (param $d i32) (param $k i32) (result i32) (local v128 v128 v128 v128 v128 v128 v128 v128)
  (if (result i32) (i32.eqz (local.get $d)) (then (call $next (local.get $k)))
   (else (i32.add (call $r (i32.sub (local.get $d) (i32.const 1)) (local.get $k)) (i32.const 0)))))
 (func (export "f") (param $k i32) (result i32) (call $r (i32.const ${depth}) (local.get $k))))`;

/**
 * Threads the process may gain and keep that have nothing to do with waiting
 * guests: helpers started lazily on first use and kept for a while (the
 * worker set, up to one per core, and its monitor; a deadline/epoch timer; a
 * V8 compiler or GC helper). A guest that holds a thread while it waits shows
 * up as one thread per waiting call, which the many-guest tests put far
 * beyond this.
 */
const SLACK = 3 + os.availableParallelism();
/** Threads allowed on top of the baseline while many guests wait: a small worker set, not one per guest. */
const WAITING_BOUND = 32;

// ---------------------------------------------------------------------------
// Child processes

/**
 * Code every child starts with: the API, the thread count, a line-per-event
 * reporter and a JSON-safe record of an outcome (value or error).
 */
const prelude = `
import * as wasm from ${JSON.stringify(lib)};
import { readFileSync } from "node:fs";
const { ErrorCode: E, WasmError } = wasm;
const threads = () => Number(readFileSync("/proc/self/status", "utf8").match(/^Threads:\\s+(\\d+)$/m)[1]);
const report = (type, data = {}) => process.stdout.write(JSON.stringify({ type, ...data }) + "\\n");
const outcome = (e) => e instanceof WasmError
  ? { kind: "WasmError", code: e.code, trap: e.trap ?? null, message: String(e.message).slice(0, 400) }
  : { kind: e?.constructor?.name ?? typeof e, message: String(e?.message ?? e).slice(0, 400) };
const settle = async (fn) => { try { return { kind: "value", value: await fn() }; } catch (e) { return outcome(e); } };
/** Keeps a value reachable for the child's life (a Promise only a deadline may end). */
const held = [];
const hold = (p) => (held.push(p), p);
const deferred = () => { let resolve; const promise = new Promise((r) => { resolve = r; }); return { promise, resolve }; };
/** The thread count once it is at most \`limit\`, polling a bounded number of times; else the last count. */
async function threadsDownTo(limit, tries = 200) {
  let n = threads();
  for (let i = 0; i < tries && n > limit; i++) {
    await new Promise((r) => setTimeout(r, 25));
    n = threads();
  }
  return n;
}
`;

/**
 * Runs `body` (an async function of `vars`, written here but executed in a
 * fresh Node process with the prelude's names in scope) and resolves to how
 * the child ended: `{ status, signal, killed, events, result, stderr }`.
 * `result` is what `body` returned; `helpers` are more functions defined
 * there by name. The child is SIGKILLed after
 * `killAfterMs` or when the test ends first (its timeout), so it never
 * outlives its test.
 */
function inChild(t, body, vars = {}, { killAfterMs = 45_000, helpers = {}, flags = [] } = {}) {
  const src = `${prelude}
${Object.entries(helpers).map(([name, fn]) => `const ${name} = ${fn.toString()};`).join("\n")}
const V = ${JSON.stringify(vars)};
report("result", { value: await (${body.toString()})(V) });
process.exit(0);
`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...flags, "--input-type=module", "-e", src], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let killed = null;
    child.stdout.setEncoding("utf8").on("data", (d) => { stdout += d; });
    child.stderr.setEncoding("utf8").on("data", (d) => { stderr += d; });
    const kill = (why) => {
      if (killed !== null || child.exitCode !== null || child.signalCode !== null) return;
      killed = why;
      child.kill("SIGKILL");
    };
    const timer = setTimeout(() => kill(`still running after ${killAfterMs} ms (a hang)`), killAfterMs);
    const onAbort = () => kill("its test ended first (timeout or cancel)");
    t.signal.addEventListener("abort", onAbort, { once: true });
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      t.signal.removeEventListener("abort", onAbort);
      const events = stdout.split("\n").filter(Boolean).map((line) => {
        try { return JSON.parse(line); } catch { return { type: "text", line }; }
      });
      resolve({ status, signal, killed, events, result: events.findLast((e) => e.type === "result")?.value, stderr });
    });
  });
}

/** Asserts the child neither hung, crashed nor failed, and reported a result; returns the result. */
function cleanExit(r) {
  const tail = () => `\n  last events: ${JSON.stringify(r.events.slice(-4))}\n  stderr: ${r.stderr.slice(-1500)}`;
  const late = r.result === undefined ? "" : " after reporting its result (it did not exit)";
  assert.equal(r.killed, null, `the child was killed${late}: ${r.killed}${tail()}`);
  assert.equal(r.signal, null, `the child died by signal ${r.signal} (a crash)${tail()}`);
  assert.equal(r.status, 0, `the child exited with status ${r.status}${tail()}`);
  assert.ok(r.result !== undefined, `the child reported no result${tail()}`);
  return r.result;
}

/** Asserts a child-reported outcome is a WasmError with `c`. */
function assertCode(o, c, what) {
  assert.equal(o.kind, "WasmError", `${what}: expected WasmError ${c}, got ${JSON.stringify(o)}`);
  assert.equal(o.code, c, `${what}: expected code ${c}, got ${JSON.stringify(o)}`);
}

const isStackOverflow = (o) => o.kind === "WasmError" && o.code === E.CallError && o.trap === "stack overflow";

// ---------------------------------------------------------------------------
// 1. WASI sleep under a deadline

test("the wasi_sleep fixture really sleeps: a short nap returns one clock event", async () => {
  const id = await wasm.compile(sleepWat);
  // WASI is linked for any module that imports it; there is no `wasi` key in InstanceConfig (it is 5007).
  for (const config of [{}, { timeoutMs: 60_000 }]) {
    const inst = await wasm.instantiate(id, config);
    assert.deepEqual(await inst.call("nap", 1_000_000n), [0], "errno 0");
    assert.deepEqual(inst.callSync("nap", 0n), [0]);
    const view = new DataView((await inst.memory.read(64, 36)).buffer);
    assert.equal(view.getBigUint64(0, true), 0x5157n, "the event echoes the subscription's userdata");
    assert.equal(view.getUint16(8, true), 0, "the event has no error");
    assert.equal(view.getUint8(10), 0, "a clock event");
    assert.equal(view.getUint32(32, true), 1, "nevents");
  }
});

describe("an hour-long WASI sleep under timeoutMs: 500 ends with 5012", { concurrency: true }, () => {
  const limits = { timeout: 60_000 };
  const killAfterMs = 30_000;

  test("call(): rejects 5012 while the event loop keeps turning; the instance stays usable", limits, async (t) => {
    const r = await inChild(t, async (V) => {
      const inst = await wasm.instantiate(await wasm.compile(V.sleepWat), { timeoutMs: 500 });
      let ticks = 0;
      const interval = setInterval(() => { if (++ticks === 1) report("tick while the call waits"); }, 5);
      report("calling");
      const first = await settle(() => inst.call("sleep"));
      const ticksBeforeSettling = ticks;
      clearInterval(interval);
      const after = await settle(() => inst.call("nap", 0n));
      return { first, ticksBeforeSettling, after };
    }, { sleepWat }, { killAfterMs });
    const { first, ticksBeforeSettling, after } = cleanExit(r);
    assertCode(first, E.Timeout, 'call("sleep")');
    assert.ok(ticksBeforeSettling >= 1, `a 5 ms interval fired ${ticksBeforeSettling} times while the call waited: the event loop was blocked`);
    assert.deepEqual(after, { kind: "value", value: [0] }, "a later call works");
  });

  test("callSync(): throws 5012", limits, async (t) => {
    const r = await inChild(t, async (V) => {
      const inst = wasm.instantiateSync(wasm.compileSync(V.sleepWat), { timeoutMs: 500 });
      report("calling");
      const first = await settle(() => inst.callSync("sleep"));
      const after = await settle(() => inst.callSync("nap", 0n));
      return { first, after };
    }, { sleepWat }, { killAfterMs });
    const { first, after } = cleanExit(r);
    assertCode(first, E.Timeout, 'callSync("sleep")');
    assert.deepEqual(after, { kind: "value", value: [0] }, "a later call works");
  });

  test("run(): a command whose _start sleeps rejects 5012", limits, async (t) => {
    const r = await inChild(t, async (V) => {
      const inst = await wasm.instantiate(await wasm.compile(V.sleepWat), { timeoutMs: 500 });
      report("calling");
      return settle(() => inst.run());
    }, { sleepWat }, { killAfterMs });
    assertCode(cleanExit(r), E.Timeout, "run()");
  });

  test("runSync(): a command whose _start sleeps throws 5012", limits, async (t) => {
    const r = await inChild(t, async (V) => {
      const inst = wasm.instantiateSync(wasm.compileSync(V.sleepWat), { timeoutMs: 500 });
      report("calling");
      return settle(() => inst.runSync());
    }, { sleepWat }, { killAfterMs });
    assertCode(cleanExit(r), E.Timeout, "runSync()");
  });
});

// ---------------------------------------------------------------------------
// 2. A host Promise that never settles

/** In a child: compiles waitWat and makes one call through a deadline instance whose host Promise settles, then reads the baseline thread count. */
const warmUp = async (V) => {
  const id = await wasm.compile(V.waitWat);
  const warm = await wasm.instantiate(id, { timeoutMs: 300, imports: { env: { wait: async (x) => x * 2 } } });
  const warmed = await settle(() => warm.call("f", 1));
  return { id, warmed, baseline: threads() };
};

test("a never-settling host Promise: 5012 at the deadline, no thread left behind, the instance stays usable", { timeout: 60_000 }, async (t) => {
  const r = await inChild(t, async (V) => {
    const { id, warmed, baseline } = await warmUp(V);
    let hang = true;
    let entries = 0;
    const entered = deferred();
    const wait = (x) => {
      entries++;
      entered.resolve();
      // Held, so only the deadline (not garbage collection) can end the wait.
      return hang ? hold(new Promise(() => {})) : Promise.resolve(x * 2);
    };
    const inst = await wasm.instantiate(id, { timeoutMs: 300, imports: { env: { wait } } });
    const pending = settle(() => inst.call("f", 1));
    await entered.promise;
    const during = threads();
    const first = await pending;
    const after = await threadsDownTo(baseline + V.slack);
    hang = false;
    const second = await settle(() => inst.call("f", 21));
    const plain = await settle(() => inst.callSync("plain", 1));
    return { warmed, baseline, during, first, after, second, plain, entries };
  }, { waitWat, slack: SLACK }, { helpers: { warmUp } });
  const out = cleanExit(r);
  t.diagnostic(`threads: baseline ${out.baseline}, while waiting ${out.during}, after ${out.after}`);
  assert.deepEqual(out.warmed, { kind: "value", value: [2] }, "the warm-up call");
  assertCode(out.first, E.Timeout, "the waiting call");
  assert.ok(out.after <= out.baseline + SLACK, `${out.after} threads after the timeout, baseline ${out.baseline} (+${SLACK} slack)`);
  // The decision: after a timeout the instance stays usable, as after a trap.
  assert.deepEqual(out.second, { kind: "value", value: [42] }, "a second call through the host import");
  assert.deepEqual(out.plain, { kind: "value", value: [2] }, "a sync call afterwards");
  assert.equal(out.entries, 2);
});

test("64 guests on never-settling host Promises hold no thread each and leave none behind", { timeout: 60_000 }, async (t) => {
  const r = await inChild(t, async (V) => {
    const { id, baseline } = await warmUp(V);
    let entries = 0;
    let maxWhileWaiting = 0;
    // Each entry reads the thread count: the k-th entry sees every thread the k waiting guests hold.
    const wait = () => {
      entries++;
      maxWhileWaiting = Math.max(maxWhileWaiting, threads());
      return hold(new Promise(() => {}));
    };
    const insts = [];
    for (let i = 0; i < V.n; i++) insts.push(wasm.instantiateSync(id, { timeoutMs: 300, imports: { env: { wait } } }));
    const outcomes = await Promise.all(insts.map((inst) => settle(() => inst.call("f", 1))));
    const after = await threadsDownTo(baseline + V.slack);
    const codes = {};
    for (const o of outcomes) codes[o.code ?? o.kind] = (codes[o.code ?? o.kind] ?? 0) + 1;
    return { baseline, entries, maxWhileWaiting, after, codes };
  }, { waitWat, slack: SLACK, n: 64 }, { helpers: { warmUp } });
  const out = cleanExit(r);
  t.diagnostic(`threads: baseline ${out.baseline}, most while waiting ${out.maxWhileWaiting}, after ${out.after}; ${out.entries} entries; outcomes ${JSON.stringify(out.codes)}`);
  assert.deepEqual(out.codes, { [E.Timeout]: 64 }, "every call ends with 5012");
  assert.ok(out.entries >= 1, "the host import was entered");
  assert.ok(out.maxWhileWaiting <= out.baseline + WAITING_BOUND,
    `${out.maxWhileWaiting} threads while ${out.entries} guests waited, baseline ${out.baseline} (+${WAITING_BOUND} allowed)`);
  assert.ok(out.after <= out.baseline + SLACK, `${out.after} threads after the timeouts, baseline ${out.baseline} (+${SLACK} slack)`);
});

// ---------------------------------------------------------------------------
// 3. Many guests waiting at once

test("10,000 guests wait on host Promises at once with a bounded number of threads", { timeout: 120_000 }, async (t) => {
  const r = await inChild(t, async (V) => {
    const { id, warmed, baseline } = await warmUp(V);
    const limit = baseline + V.bound;
    let entries = 0;
    let maxSeen = 0;
    const allIn = deferred();
    const overBound = deferred();
    const failed = deferred();
    const gate = deferred();
    const wait = (x) => {
      entries++;
      if (entries % 100 === 0 || entries === V.n) {
        const n = threads();
        maxSeen = Math.max(maxSeen, n);
        // Past the bound already: no need to wait for (or hold threads for) the rest.
        if (n > limit) overBound.resolve();
      }
      if (entries === V.n) allIn.resolve();
      return gate.promise.then(() => x + 1);
    };
    const insts = [];
    for (let i = 0; i < V.n; i++) insts.push(wasm.instantiateSync(id, { imports: { env: { wait } } }));
    const calls = insts.map((inst, i) => settle(() => inst.call("f", i)));
    // Before the gate opens no call can succeed: any settled call is a failure.
    for (const c of calls) c.then((o) => failed.resolve(o));
    const progress = setInterval(() => report("progress", { entries, threads: threads() }), 1000);
    const why = await Promise.race([
      allIn.promise.then(() => "all entered"),
      overBound.promise.then(() => "over the bound"),
      failed.promise.then((o) => `a call settled before the gate opened: ${JSON.stringify(o)}`),
    ]);
    const atAllIn = threads();
    if (why !== "all entered") return { why, warmed, baseline, entries, maxSeen: Math.max(maxSeen, atAllIn) };
    gate.resolve();
    const outcomes = await Promise.all(calls);
    clearInterval(progress);
    const wrong = [];
    outcomes.forEach((o, i) => {
      if (!(o.kind === "value" && o.value.length === 1 && o.value[0] === i + 1)) wrong.push({ i, o });
    });
    return { why, warmed, baseline, entries, atAllIn, maxSeen: Math.max(maxSeen, atAllIn), wrongCount: wrong.length, wrong: wrong.slice(0, 3) };
  }, { waitWat, n: 10_000, bound: WAITING_BOUND }, { killAfterMs: 100_000, helpers: { warmUp } });
  const out = cleanExit(r);
  t.diagnostic(`threads: baseline ${out.baseline}, when all had entered ${out.atAllIn}, most seen ${out.maxSeen}; ${out.entries} entries`);
  assert.deepEqual(out.warmed, { kind: "value", value: [2] }, "the warm-up call");
  assert.equal(out.why, "all entered",
    `${out.why}: ${out.entries} of 10000 entered, up to ${out.maxSeen} threads, baseline ${out.baseline} (+${WAITING_BOUND} allowed)`);
  assert.equal(out.entries, 10_000);
  assert.ok(out.atAllIn <= out.baseline + WAITING_BOUND, `${out.atAllIn} threads with 10000 guests waiting, baseline ${out.baseline}`);
  assert.ok(out.maxSeen <= out.baseline + WAITING_BOUND, `up to ${out.maxSeen} threads while guests entered, baseline ${out.baseline}`);
  assert.equal(out.wrongCount, 0, `wrong results: ${JSON.stringify(out.wrong)}`);
});

// ---------------------------------------------------------------------------
// 4. Nested sync calls: stack overflow is an error, never a crash

/** The reproduction, as reported: 62 instances, each level's host import calls the next instance with callSync, 2000 frames deep each. */
const reproduction = async (V) => {
  const id = await wasm.compile(V.wat);
  const insts = [], imports = { env: { next: (k) => (k >= 60 ? k : insts[k + 1].callSync("f", k + 1)[0]) } };
  for (let i = 0; i < 62; i++) insts.push(wasm.instantiateSync(id, { imports }));
  return V.outer === "async" ? settle(() => insts[0].call("f", 0)) : settle(() => insts[0].callSync("f", 0));
};

/** Unbounded nesting: a fresh instance per level (created on first use, up to `last`), so only the stack can stop it. */
const deepNesting = async (V) => {
  const id = await wasm.compile(V.wat);
  const insts = [];
  let deepest = 0;
  const at = (k) => (insts[k] ??= wasm.instantiateSync(id, { imports }));
  const imports = {
    env: {
      next: (k) => {
        deepest = Math.max(deepest, k);
        // The inner callSync's error, if any, is rethrown as it is.
        return k >= V.last ? k : at(k + 1).callSync("f", k + 1)[0];
      },
    },
  };
  const result = V.outer === "async" ? await settle(() => at(0).call("f", 0)) : await settle(() => at(0).callSync("f", 0));
  const reached = deepest;
  // After the overflow the outermost instance still works (a call that does not nest).
  const again = await settle(() => at(0).callSync("f", V.last));
  return { result, deepest: reached, instances: insts.length, again };
};

/**
 * Runs `body` in `runs` fresh children, one after another, and records how
 * each ended; then asserts that every child exited 0 by itself (no signal, no
 * hang) and that `accept` (which throws) takes every result. A hang stops the
 * series (each costs a kill timer); anything else is recorded and the series
 * goes on, so the diagnostic shows all the outcomes.
 */
async function stackRuns(t, body, vars, runs, accept, label) {
  const tally = {};
  const failures = [];
  let done = 0;
  for (let run = 1; run <= runs; run++) {
    const r = await inChild(t, body, vars, { killAfterMs: 30_000 });
    done = run;
    let key;
    try {
      const out = cleanExit(r);
      const o = out.result ?? out;
      key = o.kind === "value" ? JSON.stringify(o.value) : `${o.kind} ${o.code ?? ""} ${o.trap ?? o.message}`;
      accept(out);
    } catch (e) {
      key ??= r.killed ? "hang" : r.signal ? `signal ${r.signal}` : `exit status ${r.status}`;
      failures.push(`run ${run}: ${e.message}`);
    }
    tally[key] = (tally[key] ?? 0) + 1;
    if (r.killed) break;
  }
  t.diagnostic(`${label}, ${done} runs: ${JSON.stringify(tally)}`);
  assert.equal(failures.length, 0, `${label}: ${failures.length} of ${done} runs failed; outcomes ${JSON.stringify(tally)}\n  first: ${failures[0]}`);
}

const RUNS = 20;

test("nested callSync 62 deep (the SIGSEGV reproduction): [60] or 5002 stack overflow, 20 runs, never a crash", { timeout: 240_000 }, async (t) => {
  await stackRuns(t, reproduction, { wat: recurseWat(2000), outer: "sync" }, RUNS, (o) => {
    assert.ok((o.kind === "value" && o.value.length === 1 && o.value[0] === 60) || isStackOverflow(o),
      `expected [60] or 5002 with trap "stack overflow", got ${JSON.stringify(o)}`);
  }, "callSync outermost");
});

test("the reproduction with an async outermost call: [60] or 5002 stack overflow, 20 runs, never a crash", { timeout: 240_000 }, async (t) => {
  await stackRuns(t, reproduction, { wat: recurseWat(2000), outer: "async" }, RUNS, (o) => {
    assert.ok((o.kind === "value" && o.value.length === 1 && o.value[0] === 60) || isStackOverflow(o),
      `expected [60] or 5002 with trap "stack overflow", got ${JSON.stringify(o)}`);
  }, "call outermost");
});

for (const outer of ["sync", "async"]) {
  test(`unbounded nesting (${outer} outermost) ends in 5002 stack overflow out of the outermost call, never a crash or RangeError`, { timeout: 240_000 }, async (t) => {
    await stackRuns(t, deepNesting, { wat: recurseWat(2000), outer, last: 5000 }, 5, (out) => {
      const { result, deepest, instances, again } = out;
      assert.ok(isStackOverflow(result),
        `expected 5002 with trap "stack overflow" (not a re-entrancy refusal, a RangeError or a result), got ${JSON.stringify(result)} after ${deepest} levels, ${instances} instances`);
      assert.deepEqual(again, { kind: "value", value: [5000] }, `the outermost instance works after the overflow`);
    }, `${outer} outermost`);
  });
}

/** One instance calling back into itself: host -> export -> host ... `last` deep (nested in the waiting call). */
const selfNesting = async (V) => {
  const id = await wasm.compile(V.wat);
  let deepest = 0;
  const inst = wasm.instantiateSync(id, {
    imports: { env: { next: (k) => { deepest = Math.max(deepest, k); return k >= V.last ? k : inst.callSync("f", k + 1)[0]; } } },
  });
  const result = await settle(() => inst.callSync("f", 0));
  const again = await settle(() => inst.callSync("f", V.last));
  return { result, deepest, again };
};

test("a host function calling back into its own instance, 1,000 deep, in a sync call: the value or 5002 stack overflow, 20 runs, never a crash", { timeout: 240_000 }, async (t) => {
  await stackRuns(t, selfNesting, { wat: recurseWat(20), last: 1000 }, RUNS, (out) => {
    const { result, deepest, again } = out;
    assert.ok((result.kind === "value" && result.value[0] === 1000) || isStackOverflow(result),
      `expected [1000] or 5002 with trap "stack overflow", got ${JSON.stringify(result)} after ${deepest} levels`);
    assert.ok(deepest > 50, `nested calls were served (${deepest} levels)`);
    assert.deepEqual(again, { kind: "value", value: [1000] }, "the instance works after it");
  }, "callSync outermost, one instance");
});

// In-process control: the host-Promise path itself (no hang risk today).
test("a host Promise that settles gives the call its value under a deadline", async () => {
  const inst = await wasm.instantiate(await wasm.compile(waitWat), { timeoutMs: 60_000, imports: { env: { wait: async (x) => x * 3 } } });
  assert.deepEqual(await inst.call("f", 5), [15]);
  assert.deepEqual(inst.callSync("plain", 5), [6]);
});

test("calls queued behind a guest waiting on its host function run in order, none refused", async () => {
  const id = await wasm.compile(waitWat);
  let release, entered;
  const first = new Promise((r) => (entered = r));
  const inst = wasm.instantiateSync(id, {
    imports: {
      env: {
        wait: (x) => {
          if (x !== 1) return x * 2;
          entered();
          return new Promise((r) => (release = () => r(2)));
        },
      },
    },
  });
  const p1 = inst.call("f", 1);
  await first; // the guest now waits on its host function
  const queued = Array.from({ length: 49 }, (_, k) => inst.call("f", k + 2));
  release();
  assert.deepEqual(await p1, [2]);
  assert.deepEqual(await Promise.all(queued), Array.from({ length: 49 }, (_, k) => [(k + 2) * 2]));
});

test("a host function calling into its own instance: sync and async calls back in are nested, in sync and async calls", async () => {
  const id = await wasm.compile(waitWat);
  let inst;
  const seen = [];
  inst = wasm.instantiateSync(id, {
    imports: {
      env: {
        wait: (x) => {
          for (const attempt of [() => inst.callSync("plain", 9), () => inst.call("plain", 9)]) {
            try {
              const r = attempt();
              if (r && typeof r.then === "function") r.then((v) => seen.push(v), (e) => seen.push(e.code));
              else seen.push(r);
            } catch (e) {
              seen.push(e.code);
            }
          }
          return x;
        },
      },
    },
  });
  // In a sync call: the sync call back in is nested ([10]), and the async
  // one runs inside the call too (queued, it would wait for the very call
  // that waits on it), before the guest resumes.
  assert.deepEqual(inst.callSync("f", 1), [1]);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen.splice(0), [[10], [10]]);
  // In an async call the guest waits on a worker and the host function runs
  // here: the worker lends the store to this thread for the sync call, and
  // runs the async one itself.
  assert.deepEqual(await inst.call("f", 2), [2]);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen, [[10], [10]]);
});

test("a host Promise that nothing can settle any more fails its call once collected, even without a deadline", { timeout: 60_000 }, async (t) => {
  const r = await inChild(t, async (V) => {
    const id = await wasm.compile(V.waitWat);
    // Unreachable once returned: no deadline, and nothing will ever settle it.
    const inst = wasm.instantiateSync(id, { imports: { env: { wait: () => new Promise(() => {}) } } });
    let done = null;
    inst.call("f", 1).then((v) => { done = { kind: "value", value: v }; }, (e) => { done = outcome(e); });
    for (let i = 0; i < 500 && done === null; i++) {
      globalThis.gc();
      await new Promise((r) => setImmediate(r));
    }
    return done;
  }, { waitWat }, { flags: ["--expose-gc"] });
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.result?.kind, "WasmError", JSON.stringify(r.result));
  assert.equal(r.result.code, 5002);
  assert.match(r.result.message, /dropped without settling/);
});

// The JS thread runs the host calls of guests on workers from its own inbox
// and, having answered one, waits briefly for the guest's next one; neither
// may keep the event loop from its timers, I/O and other callbacks.
for (const kind of ["plain", "Promise-returning"]) {
  test(`a guest making host calls back to back (${kind} host function) leaves the event loop turning`, async () => {
    const trips = 200_000;
    const tick = kind === "plain" ? (x) => (x + 1) | 0 : async (x) => (x + 1) | 0;
    const inst = await wasm.instantiate(await wasm.compile(fixtureText("roundtrip.wat")), { imports: { env: { tick } } });
    let turns = 0;
    let running = true;
    const turn = () => { if (running) { turns++; setImmediate(turn); } };
    setImmediate(turn);
    const [got] = await inst.call("run", trips);
    running = false;
    assert.equal(got, trips, "every trip made");
    // At most 1,024 host calls are run between two turns of the loop.
    assert.ok(turns >= Math.floor(trips / 1024), `the event loop turned ${turns} times during ${trips} host calls`);
  });
}

// A JS thread torn down while its guests still wait on it: the threadsafe
// function it settles through is finalized by Node while workers still hold
// handles on it, which must neither crash nor hang the process.
test("worker threads exiting while their guests wait on host Promises leave the process healthy", { timeout: 120_000 }, async (t) => {
  const r = await inChild(t, async (V) => {
    const { Worker } = await import("node:worker_threads");
    const exits = [];
    for (let round = 0; round < 8; round++) {
      const worker = new Worker(`
        import { parentPort } from "node:worker_threads";
        const wasm = await import(${JSON.stringify(V.lib)});
        const id = await wasm.compile(${JSON.stringify(V.waitWat)});
        let entered = 0;
        const wait = () => { if (++entered === 16) parentPort.postMessage("waiting"); return new Promise(() => {}); };
        for (let i = 0; i < 16; i++) wasm.instantiateSync(id, { imports: { env: { wait } } }).call("f", i).catch(() => {});`,
        { eval: true, execArgv: ["--input-type=module"] });
      await new Promise((resolve, reject) => { worker.once("message", resolve); worker.once("error", reject); });
      exits.push(await worker.terminate());
    }
    // The main thread's own guests still run.
    const id = await wasm.compile(V.waitWat);
    const inst = wasm.instantiateSync(id, { imports: { env: { wait: async (x) => x * 2 } } });
    return { exits: exits.length, value: await inst.call("f", 21) };
  }, { lib, waitWat });
  const result = cleanExit(r);
  assert.deepEqual(result, { exits: 8, value: [42] });
});
