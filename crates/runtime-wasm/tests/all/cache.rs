//! The on-disk compiled-code cache: entries (the optimized code tiering
//! ends with) are reused across runtimes, and corrupt or foreign entries —
//! also ones changed after they were checked — are rebuilt, not loaded.
use crate::common::*;
use runtime_wasm::{Runtime, RuntimeOptions, Tier, Value};
use std::path::{Path, PathBuf};

fn cached_runtime(dir: &Path) -> Runtime {
    Runtime::new(RuntimeOptions {
        cache_dir: Some(dir.to_path_buf()),
        ..Default::default()
    })
    .unwrap()
}

/// The compiled entries (not their stamps).
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_none_or(|e| e != "checked"))
        .collect();
    v.sort();
    v
}

/// The answer of optimized code: from the cache, or built (and stored)
/// in the background while baseline code could have run.
fn answer(rt: &Runtime, source: &[u8]) -> Vec<Value> {
    let m = rt.compile(source).unwrap();
    rt.tier_up(m).unwrap();
    assert_eq!(rt.tier(m).unwrap(), Tier::Optimized);
    module_answer(rt, m)
}

fn crc32(bytes: &[u8]) -> [u8; 4] {
    crc32fast::hash(bytes).to_le_bytes()
}

/// A fresh runtime answers right from `dir`, and `entry` holds `good` again.
fn assert_rebuilt(dir: &Path, entry: &Path, good: &[u8]) {
    assert_eq!(
        answer(&cached_runtime(dir), FORTY_TWO),
        vec![Value::I32(42)]
    );
    assert_eq!(std::fs::read(entry).unwrap(), good, "the entry was rebuilt");
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
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        2,
        "the entry and its stamp"
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
        assert_rebuilt(&dir, &entry, &good);
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

#[test]
fn an_entry_changed_after_it_was_checked_is_checked_again() {
    use std::io::{Seek, SeekFrom, Write};
    let dir = scratch("cache-changed-later");
    answer(&cached_runtime(&dir), FORTY_TWO);
    // A second runtime loads the entry its stamp vouches for.
    answer(&cached_runtime(&dir), FORTY_TWO);
    let entry = entries(&dir)[0].clone();
    let good = std::fs::read(&entry).unwrap();
    let stamp = entry.with_extension("checked");
    assert!(stamp.exists(), "the entry was stamped when written");
    // Flip one byte in place, same size, modification time set back: only
    // the change time (which no process can set) tells.
    let modified = std::fs::metadata(&entry).unwrap().modified().unwrap();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(&entry)
        .unwrap();
    file.seek(SeekFrom::Start(good.len() as u64 / 2)).unwrap();
    file.write_all(&[good[good.len() / 2] ^ 0xff]).unwrap();
    file.set_modified(modified).unwrap();
    drop(file);
    assert_ne!(std::fs::read(&entry).unwrap(), good);
    assert_rebuilt(&dir, &entry, &good);
    // A lost stamp costs one full check, after which the entry is stamped again.
    std::fs::remove_file(&stamp).unwrap();
    assert_eq!(
        answer(&cached_runtime(&dir), FORTY_TWO),
        vec![Value::I32(42)]
    );
    assert!(stamp.exists());
}

#[test]
fn tiered_modules_run_baseline_code_until_the_optimized_build_is_ready() {
    let dir = scratch("cache-tiered");
    let rt = cached_runtime(&dir);
    let big = above_the_line();
    let m = rt.compile(&big).unwrap();
    let first = rt.instantiate(m, &Default::default()).unwrap();
    rt.tier_up(m).unwrap();
    let later = rt.instantiate(m, &Default::default()).unwrap();
    assert_eq!(later.tier(), Tier::Optimized);
    // Baseline code is never cached: the one entry is the optimized build,
    // which a new runtime starts from at once.
    assert_eq!(entries(&dir).len(), 1);
    let again = cached_runtime(&dir);
    let m2 = again.compile(&big).unwrap();
    assert_eq!(again.tier(m2).unwrap(), Tier::Optimized);
    for inst in [first, later] {
        assert_eq!(
            inst.run_sync(|l| l.call("answer", &[])).unwrap(),
            vec![Value::I32(42)]
        );
    }
}

/// A module written to `dir/name` as a binary, left to settle (see
/// `settle`).
fn module_file(dir: &Path, name: &str, source: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, runtime_wasm::wat2wasm(source).unwrap()).unwrap();
    settle(&path);
    path
}

/// Waits until the file at `path` last changed more than 2 s ago: the cache
/// remembers only files whose stamp any later write is sure to move.
fn settle(path: &Path) {
    use std::os::unix::fs::MetadataExt;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};
    let meta = std::fs::metadata(path).unwrap();
    let changed = UNIX_EPOCH + Duration::new(meta.ctime() as u64, meta.ctime_nsec() as u32);
    while SystemTime::now()
        .duration_since(changed)
        .is_ok_and(|age| age <= Duration::from_millis(2100))
    {
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The cache's records of module files.
fn records(cache: &Path) -> usize {
    std::fs::read_dir(cache)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|e| e == "known")
        })
        .count()
}

/// `answer` of the module in the file at `path`, compiled by `rt`.
fn file_answer(rt: &Runtime, path: &Path) -> Vec<Value> {
    module_answer(rt, rt.compile_file(path).unwrap())
}

/// `answer` of a new instance of module `m`.
fn module_answer(rt: &Runtime, m: runtime_wasm::ModuleId) -> Vec<Value> {
    let inst = rt.instantiate(m, &Default::default()).unwrap();
    inst.run_sync(|l| l.call("answer", &[])).unwrap()
}

const NOTED: &[u8] = br#"(module (@custom "note" "hello")
  (func (export "answer") (result i32) i32.const 42))"#;
const NOTED_SEVEN: &[u8] = br#"(module (@custom "note" "hallo")
  (func (export "answer") (result i32) i32.const 7))"#;

#[test]
fn a_module_file_the_cache_knows_is_compiled_from_its_head_and_read_only_when_needed() {
    let dir = scratch("cache-known-file");
    let cache = dir.join("cache");
    // A file that changed in the last 2 s is compiled but not remembered.
    let fresh = dir.join("fresh.wasm");
    std::fs::write(&fresh, runtime_wasm::wat2wasm(SEVEN).unwrap()).unwrap();
    assert_eq!(
        file_answer(&cached_runtime(&cache), &fresh),
        vec![Value::I32(7)]
    );
    assert_eq!(
        records(&cache),
        0,
        "a file changed lately is not remembered"
    );
    let path = module_file(&dir, "m.wasm", NOTED);
    assert_eq!(
        file_answer(&cached_runtime(&cache), &path),
        vec![Value::I32(42)]
    );
    assert_eq!(records(&cache), 1, "the settled file is remembered");
    // A new runtime: its code comes from the cache, its exports from the
    // head; the custom section needs the rest of the file, read then.
    let rt = cached_runtime(&cache);
    let m = rt.compile_file(&path).unwrap();
    assert_eq!(rt.tier(m).unwrap(), Tier::Optimized);
    let info = rt.module_info(m).unwrap();
    assert_eq!(info.exports[0].name, "answer");
    assert_eq!(
        rt.custom_sections(m, "note").unwrap(),
        vec![b"hello".to_vec()]
    );
    // Without the compiled entry, the record alone still compiles the right
    // bytes (read in full, checked against the record's key).
    for entry in entries(&cache)
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "cwasm"))
    {
        std::fs::remove_file(entry).unwrap();
    }
    assert_eq!(
        file_answer(&cached_runtime(&cache), &path),
        vec![Value::I32(42)]
    );
}

#[test]
fn a_module_file_rewritten_in_place_is_not_taken_for_the_one_remembered() {
    let dir = scratch("cache-known-rewritten");
    let cache = dir.join("cache");
    let path = module_file(&dir, "m.wasm", NOTED);
    let seven = runtime_wasm::wat2wasm(NOTED_SEVEN).unwrap();
    assert_eq!(
        std::fs::read(&path).unwrap().len(),
        seven.len(),
        "same size"
    );
    file_answer(&cached_runtime(&cache), &path);
    // Rewritten in place (same inode, same size), modification time set back.
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    let rewrite = |bytes: &[u8]| {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        file.write_all(bytes).unwrap();
        file.set_modified(modified).unwrap();
    };
    rewrite(&seven);
    assert_eq!(
        file_answer(&cached_runtime(&cache), &path),
        vec![Value::I32(7)]
    );

    // Once settled, the new bytes are remembered; compiled from that
    // record, then rewritten: what the module still needs from its file is
    // refused, not read from the new bytes.
    settle(&path);
    file_answer(&cached_runtime(&cache), &path);
    let rt = cached_runtime(&cache);
    let m = rt.compile_file(&path).unwrap();
    rewrite(&runtime_wasm::wat2wasm(NOTED).unwrap());
    let err = rt.custom_sections(m, "note").unwrap_err();
    assert_eq!(err.code(), runtime_wasm::ErrorCode::IoError, "{err}");
    assert!(
        err.to_string().contains("changed since it was compiled"),
        "{err}"
    );
    assert_eq!(module_answer(&rt, m), vec![Value::I32(7)]);
}

#[test]
fn the_same_bytes_compiled_from_memory_free_a_module_compiled_from_its_file_head() {
    let dir = scratch("cache-known-adopted");
    let cache = dir.join("cache");
    let path = module_file(&dir, "m.wasm", NOTED);
    file_answer(&cached_runtime(&cache), &path);
    let rt = cached_runtime(&cache);
    let from_file = rt.compile_file(&path).unwrap();
    let from_bytes = rt.compile(&runtime_wasm::wat2wasm(NOTED).unwrap()).unwrap();
    // The file changes; neither handle needs it any more.
    std::fs::write(&path, runtime_wasm::wat2wasm(NOTED_SEVEN).unwrap()).unwrap();
    for m in [from_bytes, from_file] {
        assert_eq!(
            rt.custom_sections(m, "note").unwrap(),
            vec![b"hello".to_vec()]
        );
    }
}
