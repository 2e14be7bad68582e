// Exception scenarios run against a WebAssembly namespace — runtime-wasm's,
// or a runtime's own — for a differential test: what each gives back is
// plain data (values, error class names, identities as booleans).
//
// `bytes`: `WAT` compiled; `expected`: what the JS API gives (Node 26's own
// WebAssembly gives it too).
/** The module the scenarios run. */
export const WAT = `(module
  (import "env" "fail" (func $fail))
  (import "env" "tag" (tag $t (param i32)))
  (import "env" "js" (tag $js (param externref)))
  (tag $e (export "e") (param i32 i64 f32 f64 externref))
  (func (export "throw_e") (param i32 i64 f32 f64 externref)
    local.get 0 local.get 1 local.get 2 local.get 3 local.get 4 throw $e)
  (func (export "throw_t") (param i32) local.get 0 throw $t)
  (func (export "throw_js") (param externref) local.get 0 throw $js)
  (func (export "call_fail") call $fail)
  (func (export "catch_all") (result i32)
    (block $c (try_table (catch_all $c) call $fail) (return (i32.const 0))) i32.const 1)
  (func (export "catch_t") (result i32)
    (block $c (result i32) (try_table (catch $t $c) call $fail) (return (i32.const -1))))
  (func (export "catch_js") (result externref)
    (block $c (result externref) (try_table (catch $js $c) call $fail) (return (ref.null extern))))
  (func (export "rethrow")
    (block $c (result exnref) (try_table (catch_all_ref $c) call $fail) return) throw_ref))`;

const each = { caughtByCatchAll: 1, caughtByJSTagIsTheValue: true, uncaughtIsTheValue: true, rethrownIsTheValue: true, notCaughtByTag: true };
export const expected = {
  wasmThrow: {
    kind: "Exception", isError: false, isItsTag: true, isOtherTag: false,
    args: ["7", "8", "1.5", "2.5"], externrefArgIsTheObject: true,
    getArgOtherTag: "TypeError", getArgOutOfRange: "RangeError",
  },
  importedTag: { is: true, arg: 5 },
  hostTagged: { caughtByTag: 41, caughtByCatchAll: 1, uncaughtIsSameObject: true, rethrownIsSameObject: true, notCaughtByJSTag: true },
  foreignTag: { notCaughtByTag: true, caughtByCatchAll: 1, notCaughtByJSTag: true },
  jsValues: Array.from({ length: 7 }, () => each),
  throwWithJSTag: true,
  makeWithJSTag: "TypeError",
  wrongPayloadLength: "TypeError",
  tagParameterI64: "TypeError",
  traceStack: "string",
};

export async function scenarios(W, bytes) {
  const out = {};
  const outcome = (f) => {
    try {
      return { value: f() };
    } catch (e) {
      return { thrown: e };
    }
  };
  const className = (e) => (e instanceof W.Exception ? "Exception" : e?.constructor?.name ?? typeof e);
  let fail = () => {};
  const tag = new W.Tag({ parameters: ["i32"] });
  const { instance } = await W.instantiate(bytes, { env: { fail: () => fail(), tag, js: W.JSTag } });
  const x = instance.exports;
  const obj = { some: "object" };

  // A wasm throw reaches JS as a WebAssembly.Exception of the exported tag.
  const thrown = outcome(() => x.throw_e(7, 8n, 1.5, 2.5, obj)).thrown;
  out.wasmThrow = {
    kind: className(thrown),
    isError: thrown instanceof Error,
    isItsTag: thrown.is(x.e),
    isOtherTag: thrown.is(tag),
    args: [0, 1, 2, 3].map((i) => String(thrown.getArg(x.e, i))),
    externrefArgIsTheObject: thrown.getArg(x.e, 4) === obj,
    getArgOtherTag: className(outcome(() => thrown.getArg(tag, 0)).thrown),
    getArgOutOfRange: className(outcome(() => thrown.getArg(x.e, 5)).thrown),
  };
  const imported = outcome(() => x.throw_t(5)).thrown;
  out.importedTag = { is: imported.is(tag), arg: imported.getArg(tag, 0) };

  // A WebAssembly.Exception thrown by an import: caught by its tag, or
  // coming back as the very object.
  const exn = new W.Exception(tag, [41]);
  fail = () => { throw exn; };
  out.hostTagged = {
    caughtByTag: x.catch_t(),
    caughtByCatchAll: x.catch_all(),
    uncaughtIsSameObject: outcome(() => x.call_fail()).thrown === exn,
    rethrownIsSameObject: outcome(() => x.rethrow()).thrown === exn,
    notCaughtByJSTag: outcome(() => x.catch_js()).thrown === exn,
  };

  // A tag the module does not import: only catch_all catches it.
  const other = new W.Exception(new W.Tag({ parameters: ["i32"] }), [1]);
  fail = () => { throw other; };
  out.foreignTag = {
    notCaughtByTag: outcome(() => x.catch_t()).thrown === other,
    caughtByCatchAll: x.catch_all(),
    notCaughtByJSTag: outcome(() => x.catch_js()).thrown === other,
  };

  // Any JS value thrown by an import: catch_all and JSTag catch it; it
  // passes through wasm frames unchanged.
  const values = [obj, "text", 42, undefined, null, Symbol.iterator, new Error("e")];
  out.jsValues = values.map((v) => {
    fail = () => { throw v; };
    return {
      caughtByCatchAll: x.catch_all(),
      caughtByJSTagIsTheValue: x.catch_js() === v,
      uncaughtIsTheValue: outcome(() => x.call_fail()).thrown === v,
      rethrownIsTheValue: outcome(() => x.rethrow()).thrown === v,
      notCaughtByTag: outcome(() => x.catch_t()).thrown === v,
    };
  });

  // A wasm throw with JSTag is the value itself.
  out.throwWithJSTag = outcome(() => x.throw_js(obj)).thrown === obj;
  out.makeWithJSTag = className(outcome(() => new W.Exception(W.JSTag, [obj])).thrown);
  out.wrongPayloadLength = className(outcome(() => new W.Exception(tag, [])).thrown);
  out.tagParameterI64 = className(outcome(() => new W.Exception(new W.Tag({ parameters: ["i64"] }), [1])).thrown);
  out.traceStack = typeof new W.Exception(tag, [1], { traceStack: true }).stack;
  return out;
}
