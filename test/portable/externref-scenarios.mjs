// externref scenarios run against a WebAssembly namespace — runtime-wasm's,
// or a runtime's own — for a differential test: identities as booleans,
// values as they come back.

/** A module passing externrefs through params, results, a host function and globals. */
export const VALUES_WAT = `(module
    (import "env" "echo" (func $echo (param externref) (result externref)))
    (import "env" "g" (global $g externref))
    (import "env" "h" (global $h externref))
    (func (export "id") (param externref) (result externref) local.get 0)
    (func (export "viaHost") (param externref) (result externref) local.get 0 call $echo)
    (func (export "g") (result externref) global.get $g)
    (func (export "h") (result externref) global.get $h)
    (func (export "isNull") (param externref) (result i32) local.get 0 ref.is_null))`;

/** A module with an externref table. */
export const TABLE_WAT = `(module (table (export "t") 2 externref)
    (func (export "get") (param i32) (result externref) local.get 0 table.get 0)
    (func (export "set") (param i32 externref) local.get 0 local.get 1 table.set 0))`;

/** `VALUES_WAT` compiled: every kind of JS value through params, results, a host function and globals. */
export async function values(Wasm, bytes) {
  const obj = {}, sym = Symbol("s"), fn = () => 1;
  const g = new Wasm.Global({ value: "externref" }, obj);
  const { instance } = await Wasm.instantiate(bytes, { env: { echo: (v) => v, g, h: sym } });
  const e = instance.exports;
  const values = [obj, sym, fn, undefined, 0, -0, NaN, "s", 7n, [1], new Uint8Array(2), null];
  const mutable = new Wasm.Global({ value: "externref", mutable: true }, null);
  mutable.value = fn;
  return {
    same: values.map((v) => Object.is(e.id(v), v) && Object.is(e.viaHost(v), v)),
    globals: [e.g() === obj, e.h() === sym, g.value === obj, mutable.value === fn],
    nulls: [e.isNull(null), e.isNull(undefined), e.isNull(0)],
  };
}

/** `TABLE_WAT` compiled: get, set, grow and made tables. */
export async function table(Wasm, bytes) {
  const { instance } = await Wasm.instantiate(bytes);
  const { t, get, set } = instance.exports;
  const obj = {}, sym = Symbol("s");
  const out = [t.get(0)];
  t.set(0, obj);
  out.push(t.get(0) === obj, get(0) === obj);
  set(1, sym);
  out.push(t.get(1) === sym);
  t.set(1);
  out.push(t.get(1), t.grow(2, 5), t.get(2), t.grow(1), t.get(4), t.length);
  const made = new Wasm.Table({ element: "externref", initial: 1 }, obj);
  out.push(made.get(0) === obj, new Wasm.Table({ element: "externref", initial: 1 }).get(0));
  return out;
}
