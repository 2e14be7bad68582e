//! runtime-wasm's integration tests: one binary (it links Wasmtime once), a
//! module per concept, as Wasmtime's own `tests/all`.

mod common;

mod cache;
mod call;
mod compile;
mod components;
mod default_caps;
mod descriptors;
mod errors;
mod exceptions;
mod execution;
mod externref;
mod host_calls;
mod imports;
mod instantiate;
mod limits;
mod memory;
mod objects;
mod pool;
mod races;
mod reentrancy;
mod registry;
mod sandbox;
mod special_files;
mod values;
mod waiting_threads;
mod wasi;
mod wasi_p2;
