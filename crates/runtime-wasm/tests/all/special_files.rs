//! `compile_file` reads regular files only, and at most `max_module_bytes`:
//! a FIFO, a device or a directory is a clean 5008 at once, sync or async.
use crate::common::*;
use runtime_wasm::{Error, ErrorCode, Policy, Runtime, RuntimeOptions};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
}

/// The same file through `compile_file` directly and on a worker thread
/// (what the async `compileFile` does).
fn both(rt: &Runtime, path: &Path) -> [Error; 2] {
    let sync = rt.compile_file(path).unwrap_err();
    let (tx, rx) = mpsc::channel();
    let p = path.to_path_buf();
    rt.spawn(move |rt| rt.compile_file(&p), move |r| tx.send(r).unwrap());
    let async_ = rx.recv().unwrap().unwrap_err();
    [sync, async_]
}

fn assert_refused(rt: &Runtime, path: &Path, why: &str) {
    for err in both(rt, path) {
        assert_eq!(err.code(), ErrorCode::IoError, "{path:?}: {err}");
        assert!(err.to_string().contains(why), "{path:?}: {err}");
    }
}

#[test]
fn fifos_devices_and_directories_are_5008_at_once() {
    let dir = scratch("special-files");
    let fifo = dir.join("m.wat");
    mkfifo(&fifo);
    std::fs::create_dir(dir.join("sub.wat")).unwrap();
    let open = runtime();
    let confined = Runtime::new(RuntimeOptions {
        policy: Policy {
            read: Some(vec![dir.clone()]),
            preopen: None,
        },
        ..Default::default()
    })
    .unwrap();
    for rt in [&open, &confined] {
        assert_refused(rt, &fifo, "a FIFO, not a regular file");
        assert_refused(rt, &dir.join("sub.wat"), "a directory, not a regular file");
    }
    assert_refused(&open, Path::new("/dev/zero"), "a character device");
    assert_refused(&open, Path::new("/dev/null"), "a character device");
    // A device outside the policy is refused by the policy before anything.
    assert_eq!(
        confined.compile_file("/dev/zero").unwrap_err().code(),
        ErrorCode::PermissionDenied
    );
}

#[test]
fn a_file_over_max_module_bytes_is_5008() {
    let dir = scratch("special-files-size");
    let src = fixture_path("add.wat");
    let size = std::fs::metadata(&src).unwrap().len();
    let small = Runtime::new(RuntimeOptions {
        max_module_bytes: Some(size - 1),
        ..Default::default()
    })
    .unwrap();
    assert_refused(&small, &src, "larger than the maximum module size");
    let exact = Runtime::new(RuntimeOptions {
        max_module_bytes: Some(size),
        ..Default::default()
    })
    .unwrap();
    assert!(exact.compile_file(&src).is_ok());
    // A sparse file over the default 1 GiB is refused without being read.
    let huge: PathBuf = dir.join("huge.wasm");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len((1 << 30) + 1)
        .unwrap();
    assert_refused(&runtime(), &huge, "larger than the maximum module size");
}
