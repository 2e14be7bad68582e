//! Shared helpers: the repository's fixtures and a fresh runtime.
#![allow(dead_code)]

use runtime_wasm::{
    Arg, HostCall, HostFunc, Import, Instance, InstanceConfig, ModuleId, Runtime, RuntimeOptions,
};
use std::path::PathBuf;
use std::sync::Arc;

pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name)
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).expect("fixture exists")
}

pub fn runtime() -> Runtime {
    Runtime::new(RuntimeOptions::default()).unwrap()
}

pub fn module(rt: &Runtime, name: &str) -> ModuleId {
    rt.compile(&fixture(name)).unwrap()
}

pub fn instance(rt: &Runtime, name: &str) -> Arc<Instance> {
    let m = module(rt, name);
    rt.instantiate(m, &InstanceConfig::default()).unwrap()
}

pub fn n(x: f64) -> Arg {
    Arg::Number(x)
}

pub fn big(x: i64) -> Arg {
    Arg::BigInt {
        negative: x < 0,
        words: vec![x.unsigned_abs()],
    }
}

/// A scratch directory under the target dir, emptied first.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A module with more code than `OPTIMIZED_AT_ONCE` (about 80 KiB), so a
/// tiered runtime starts it on baseline code; exports `answer` (42).
pub fn above_the_line() -> Vec<u8> {
    let body = "local.get 0 i32.const 1000000 i32.add drop ".repeat(20);
    let filler: String = (0..500)
        .map(|_| format!("(func (param i32) {body})"))
        .collect();
    let wat = format!("(module (func (export \"answer\") (result i32) i32.const 42) {filler})");
    runtime_wasm::wat2wasm(wat.as_bytes()).unwrap()
}

/// A host function settled at once with what the closure returns.
pub struct FnHost<F>(F);

impl<F> HostFunc for FnHost<F>
where
    F: Fn(&HostCall) -> runtime_wasm::Result<Arg> + Send + Sync + 'static,
{
    fn call(&self, call: HostCall) {
        let outcome = (self.0)(&call);
        call.settle(outcome);
    }
}

pub fn host(f: impl Fn(&HostCall) -> runtime_wasm::Result<Arg> + Send + Sync + 'static) -> Import {
    Import::Func(Arc::new(FnHost(f)))
}
