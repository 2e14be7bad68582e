//! The on-disk compiled-code cache: entries are reused across runtimes,
//! and corrupt or foreign entries are rebuilt instead of loaded.
mod common;
use common::*;
use runtime_wasm::{Runtime, RuntimeOptions, Value};
use std::path::{Path, PathBuf};

fn cached_runtime(dir: &Path) -> Runtime {
    Runtime::new(RuntimeOptions {
        cache_dir: Some(dir.to_path_buf()),
        ..Default::default()
    })
    .unwrap()
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

fn answer(rt: &Runtime, source: &[u8]) -> Vec<Value> {
    let m = rt.compile(source).unwrap();
    let inst = rt.instantiate(m, &Default::default()).unwrap();
    inst.run_sync(|l| l.call("answer", &[])).unwrap()
}

fn crc32(bytes: &[u8]) -> [u8; 4] {
    crc32fast::hash(bytes).to_le_bytes()
}

const FORTY_TWO: &[u8] = br#"(module (func (export "answer") (result i32) i32.const 42))"#;
const SEVEN: &[u8] = br#"(module (func (export "answer") (result i32) i32.const 7))"#;

#[test]
fn a_second_runtime_loads_compiled_code_from_the_cache() {
    let dir = scratch("cache-reuse");
    assert_eq!(
        answer(&cached_runtime(&dir), FORTY_TWO),
        vec![Value::I32(42)]
    );
    let files = entries(&dir);
    assert_eq!(
        files.len(),
        1,
        "one entry, no temporary files left: {files:?}"
    );
    // Swap in the entry of another module under this one's name: if the next
    // runtime answers 7, it ran the cached code instead of compiling.
    let seven_dir = scratch("cache-reuse-seven");
    answer(&cached_runtime(&seven_dir), SEVEN);
    std::fs::copy(&entries(&seven_dir)[0], &files[0]).unwrap();
    assert_eq!(
        answer(&cached_runtime(&dir), FORTY_TWO),
        vec![Value::I32(7)]
    );
}

#[test]
fn corrupt_and_foreign_entries_are_rebuilt_not_loaded() {
    let dir = scratch("cache-corrupt");
    answer(&cached_runtime(&dir), FORTY_TWO);
    let entry = entries(&dir)[0].clone();
    let good = std::fs::read(&entry).unwrap();
    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x01;
    let mut no_trailer = good.clone();
    no_trailer.truncate(good.len() - 20);
    let truncated = good[..good.len() / 2].to_vec();
    let foreign = [
        b"not a module".to_vec(),
        crc32(b"not a module").to_vec(),
        12u64.to_le_bytes().to_vec(),
        b"RWCACHE2".to_vec(),
    ]
    .concat();
    for bad in [flipped, no_trailer, truncated, foreign, Vec::new()] {
        std::fs::write(&entry, &bad).unwrap();
        assert_eq!(
            answer(&cached_runtime(&dir), FORTY_TWO),
            vec![Value::I32(42)]
        );
        assert_eq!(
            std::fs::read(&entry).unwrap(),
            good,
            "the entry was rebuilt"
        );
    }
}

#[test]
fn an_unwritable_cache_directory_only_costs_a_compile() {
    let file = scratch("cache-unwritable").join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    assert_eq!(
        answer(&cached_runtime(&file), FORTY_TWO),
        vec![Value::I32(42)]
    );
}
