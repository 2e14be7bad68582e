//! Shared helpers: the repository's fixtures and a fresh runtime.
#![allow(dead_code)]

use runtime_wasm::{Arg, Instance, InstanceConfig, ModuleId, Runtime, RuntimeOptions};
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
