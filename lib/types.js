// Explicitly typed values: `types.i64(5n)` states the wasm type of an
// argument; the runtime checks it against the function's signature.

function typed(wasmType) {
  return (value) => Object.freeze({ wasmType, value });
}

export const types = Object.freeze({
  i32: typed("i32"),
  i64: typed("i64"),
  f32: typed("f32"),
  f64: typed("f64"),
  v128: typed("v128"),
  externref: typed("externref"),
});
