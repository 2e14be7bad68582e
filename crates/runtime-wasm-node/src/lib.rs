//! Node-API binding of runtime-wasm: converts JS values and core errors and
//! nothing more; every decision lives in the `runtime-wasm` crate.

#![warn(clippy::undocumented_unsafe_blocks)]

#[macro_use]
extern crate napi_derive;

mod buffer;
mod convert;
mod error;
mod fast_call;
mod held;
mod host;
mod instance;
mod js_thread;
mod options;
mod promise;
mod read;
mod resource;
mod runtime;
mod tag;

/// The cheapest possible call into the addon: the floor that `callSync`'s
/// overhead is measured against (`npm run bench`).
#[napi]
pub fn floor(a: i32, b: i32) -> i32 {
    a.wrapping_add(b)
}
