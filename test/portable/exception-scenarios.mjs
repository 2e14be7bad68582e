// Exception scenarios run against a WebAssembly namespace — runtime-wasm's,
// or a runtime's own — for a differential test: what each gives back is
// plain data (values, error class names, identities as booleans).
//
// `bytes`: the module of test/exceptions.test.mjs (`guest`).
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
