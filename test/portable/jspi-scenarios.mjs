// JSPI scenarios run against a WebAssembly namespace — runtime-wasm's, or a
// runtime's own (Node 25+) — for a differential test: what each gives back
// is plain data (values, error class names), compared as is.

/** The module the scenarios run (`bytes` is it compiled). */
export const WAT = `(module
  (import "env" "fetch" (func $fetch (param i32) (result i32)))
  (func (export "run") (param i32) (result i32) (i32.add (call $fetch (local.get 0)) (i32.const 1))))`;

/** What the JSPI proposal gives (Node 26's own JSPI gives it too). */
export const expected = {
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

export async function scenarios(W, bytes) {
  const out = {};
  const outcome = async (f) => {
    try {
      return { value: await f() };
    } catch (e) {
      return { error: e?.constructor?.name ?? typeof e };
    }
  };
  const later = new W.Suspending(async (x) => {
    await new Promise((r) => setTimeout(r, 1));
    return x * 2;
  });
  const { instance } = await W.instantiate(bytes, { env: { fetch: later } });
  const run = W.promising(instance.exports.run);
  const p = run(20);
  out.returnsPromise = p instanceof Promise;
  out.awaited = await p;
  out.syncCallSuspending = await outcome(() => instance.exports.run(1));
  out.manyInFlight = (await Promise.all(Array.from({ length: 50 }, (_, k) => run(k)))).every((v, k) => v === 2 * k + 1);
  let calls = 0;
  const now = (await W.instantiate(bytes, { env: { fetch: new W.Suspending((x) => (calls++, x + 100)) } })).instance;
  out.plainValueSync = await outcome(() => now.exports.run(1));
  out.callsBeforeSuspendError = calls;
  out.plainValuePromising = await W.promising(now.exports.run)(1);
  const boom = new Error("boom");
  const failing = (await W.instantiate(bytes, { env: { fetch: new W.Suspending(async () => { throw boom; }) } })).instance;
  out.rejectionUnchanged = await W.promising(failing.exports.run)(1).then(() => false, (e) => e === boom);
  out.promisingOfJsFunction = await outcome(() => W.promising(() => 1));
  out.promisingOfNonFunction = await outcome(() => W.promising(5));
  out.suspendingOfNonFunction = await outcome(() => new W.Suspending(5));
  out.suspendingWithoutNew = await outcome(() => W.Suspending(() => 1));
  out.suspendErrorIsError = W.SuspendError.prototype instanceof Error;
  return out;
}
