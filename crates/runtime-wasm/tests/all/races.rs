//! The policy opens what it approves: a racer swapping names and symlinks
//! between the check and the use (a host thread, or a guest renaming inside
//! its own writable preopen) never gets `compile_file` or a preopen outside
//! the allowed directories.
use crate::common::*;
use runtime_wasm::{
    ErrorCode, Instance, InstanceConfig, Policy, Preopen, Runtime, RuntimeOptions, Value,
    WasiConfig,
};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the attempts go on (a loop bound, never asserted on).
const RACE: Duration = Duration::from_secs(2);
/// Attempts made at least, however slow the machine.
const MIN_ATTEMPTS: u64 = 2000;

/// Outcomes of one race.
#[derive(Debug, Default)]
struct Tally {
    attempts: u64,
    inside: u64,
    refused: u64,
    escapes: u64,
}

/// Runs `racer` on its own thread until `attempt` has run for `RACE` (and
/// at least `MIN_ATTEMPTS` times); `attempt` says what it reached.
fn race(racer: impl Fn() + Send + 'static, mut attempt: impl FnMut() -> Reached) -> (Tally, u64) {
    let stop = Arc::new(AtomicBool::new(false));
    let rounds = Arc::new(AtomicU64::new(0));
    let handle = {
        let (stop, rounds) = (stop.clone(), rounds.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                racer();
                rounds.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    let start = Instant::now();
    let mut tally = Tally::default();
    while tally.attempts < MIN_ATTEMPTS || start.elapsed() < RACE {
        tally.attempts += 1;
        match attempt() {
            Reached::Inside => tally.inside += 1,
            Reached::Refused => tally.refused += 1,
            Reached::Outside => tally.escapes += 1,
        }
    }
    stop.store(true, Ordering::Relaxed);
    handle.join().unwrap();
    (tally, rounds.load(Ordering::Relaxed))
}

enum Reached {
    Inside,
    Refused,
    Outside,
}

/// Swaps `name` in `dir` with `other` (a symlink out) and back, each an
/// atomic exchange where the kernel has one, so `name` always exists and
/// is the symlink half the time; else four renames, `name` briefly missing.
fn swap(dir: &Path, name: &str, other: &str) {
    let (a, b) = (dir.join(name), dir.join(other));
    let exchange = || {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        renameat_with(CWD, &a, CWD, &b, RenameFlags::EXCHANGE)
    };
    if exchange().is_ok() && exchange().is_ok() {
        return;
    }
    let tmp = dir.join(format!("{name}.tmp"));
    let _ = std::fs::rename(&a, &tmp);
    let _ = std::fs::rename(&b, &a);
    let _ = std::fs::rename(&a, &b);
    let _ = std::fs::rename(&tmp, &a);
}

#[test]
fn compile_file_never_reads_outside_while_names_are_swapped() {
    let base = scratch("race-compile");
    let allowed = base.join("allowed");
    let outside = base.join("outside");
    std::fs::create_dir_all(allowed.join("sub")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    let good = br#"(module (func (export "good")))"#;
    let evil = br#"(module (func (export "evil")))"#;
    std::fs::write(allowed.join("m.wat"), good).unwrap();
    std::fs::write(allowed.join("sub/m.wat"), good).unwrap();
    std::fs::write(outside.join("m.wat"), evil).unwrap();
    // The swapped-in names: a file that is a symlink out, a directory that is.
    symlink("../outside/m.wat", allowed.join("m_l")).unwrap();
    symlink("../outside", allowed.join("sub_l")).unwrap();
    let rt = Runtime::new(RuntimeOptions {
        policy: Policy {
            read: Some(vec![allowed.clone()]),
            preopen: None,
        },
        ..Default::default()
    })
    .unwrap();
    let dir = allowed.clone();
    let racer = move || {
        swap(&dir, "m.wat", "m_l");
        swap(&dir, "sub", "sub_l");
    };
    let targets = [allowed.join("m.wat"), allowed.join("sub/m.wat")];
    let mut i = 0;
    let (tally, rounds) = race(racer, || {
        i += 1;
        match rt.compile_file(&targets[i % 2]) {
            Ok(id) => {
                let info = rt.module_info(id).unwrap();
                rt.drop_module(id).unwrap();
                match info.exports[0].name.as_str() {
                    "good" => Reached::Inside,
                    _ => Reached::Outside,
                }
            }
            Err(e) => {
                assert!(
                    matches!(e.code(), ErrorCode::IoError | ErrorCode::PermissionDenied),
                    "{e}"
                );
                Reached::Refused
            }
        }
    });
    eprintln!("compile_file race: {tally:?}, {rounds} racer rounds");
    assert_eq!(tally.escapes, 0, "{tally:?}");
    assert!(tally.attempts >= MIN_ATTEMPTS);
    assert!(rounds > 0);
}

/// `probe()` opens `marker` in its preopen (fd 3) and returns its first
/// byte, or minus the errno.
const PROBE: &[u8] = br#"(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "marker")
  (func (export "probe") (result i32)
    (local $e i32) (local $fd i32)
    (local.set $e (call $path_open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 6)
      (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 16)))
    (if (local.get $e) (then (return (i32.sub (i32.const 0) (local.get $e)))))
    (local.set $fd (i32.load (i32.const 16)))
    (i32.store (i32.const 32) (i32.const 64))
    (i32.store (i32.const 36) (i32.const 1))
    (local.set $e (call $fd_read (local.get $fd) (i32.const 32) (i32.const 1) (i32.const 48)))
    (drop (call $fd_close (local.get $fd)))
    (if (local.get $e) (then (return (i32.sub (i32.const 0) (local.get $e)))))
    (i32.load8_u (i32.const 64))))"#;

/// `link()` makes `sw_l -> ../outside` in its preopen (fd 3); `swap(n)`
/// swaps `sw` and `sw_l` n times, leaving both as they were.
const SWAPPER: &[u8] = br#"(module
  (import "wasi_snapshot_preview1" "path_rename"
    (func $rename (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_symlink"
    (func $symlink (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "../outside")
  (data (i32.const 16) "sw_l")
  (data (i32.const 32) "sw")
  (data (i32.const 48) "sw_t")
  (func (export "link") (result i32)
    (call $symlink (i32.const 0) (i32.const 10) (i32.const 3) (i32.const 16) (i32.const 4)))
  (func $mv (param $from i32) (param $from_len i32) (param $to i32) (param $to_len i32)
    (drop (call $rename (i32.const 3) (local.get $from) (local.get $from_len)
      (i32.const 3) (local.get $to) (local.get $to_len))))
  (func (export "swap") (param $n i32)
    (loop $again
      (call $mv (i32.const 32) (i32.const 2) (i32.const 48) (i32.const 4))
      (call $mv (i32.const 16) (i32.const 4) (i32.const 32) (i32.const 2))
      (call $mv (i32.const 32) (i32.const 2) (i32.const 16) (i32.const 4))
      (call $mv (i32.const 48) (i32.const 4) (i32.const 32) (i32.const 2))
      (br_if $again (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))"#;

/// `base/pre` (the policy's preopen root) holds `sw` (marker `i`);
/// `base/outside` holds marker `o`.
fn preopen_race_dirs(name: &str) -> (PathBuf, PathBuf) {
    let base = scratch(name);
    let pre = base.join("pre");
    std::fs::create_dir_all(pre.join("sw")).unwrap();
    std::fs::create_dir_all(base.join("outside")).unwrap();
    std::fs::write(pre.join("sw/marker"), "i").unwrap();
    std::fs::write(base.join("outside/marker"), "o").unwrap();
    (base, pre)
}

fn preopen_runtime(pre: &Path) -> Runtime {
    Runtime::new(RuntimeOptions {
        policy: Policy {
            read: None,
            preopen: Some(vec![pre.to_path_buf()]),
        },
        ..Default::default()
    })
    .unwrap()
}

fn with_preopen(host: &Path, readonly: bool) -> InstanceConfig {
    InstanceConfig {
        wasi: WasiConfig {
            preopens: vec![Preopen {
                guest: "/d".into(),
                host: host.into(),
                readonly,
            }],
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Instantiates the probe with `sw` preopened and says what it read.
fn probe_attempt(rt: &Runtime, probe: runtime_wasm::ModuleId, sw: &Path) -> Reached {
    let inst = match rt.instantiate(probe, &with_preopen(sw, true)) {
        Ok(inst) => inst,
        Err(e) => {
            assert!(
                matches!(e.code(), ErrorCode::WasiError | ErrorCode::PermissionDenied),
                "{e}"
            );
            return Reached::Refused;
        }
    };
    let read = inst.run_sync(|l| l.call("probe", &[])).unwrap();
    rt.drop_instance(&inst).unwrap();
    match read[..] {
        [Value::I32(b)] if b == i32::from(b'i') => Reached::Inside,
        [Value::I32(b)] if b == i32::from(b'o') => Reached::Outside,
        ref other => panic!("probe read {other:?}"),
    }
}

#[test]
fn a_preopen_swapped_by_a_host_racer_never_reaches_outside() {
    let (_base, pre) = preopen_race_dirs("race-preopen-host");
    symlink("../outside", pre.join("sw_l")).unwrap();
    let rt = preopen_runtime(&pre);
    let probe = rt.compile(PROBE).unwrap();
    let dir = pre.clone();
    let sw = pre.join("sw");
    let (tally, rounds) = race(
        move || swap(&dir, "sw", "sw_l"),
        || probe_attempt(&rt, probe, &sw),
    );
    eprintln!("host-raced preopen: {tally:?}, {rounds} racer rounds");
    assert_eq!(tally.escapes, 0, "{tally:?}");
    assert!(tally.attempts >= MIN_ATTEMPTS);
    assert!(rounds > 0);
}

#[test]
fn a_guest_swapping_names_in_its_own_preopen_never_gives_another_guest_the_outside() {
    let (_base, pre) = preopen_race_dirs("race-preopen-guest");
    let rt = preopen_runtime(&pre);
    // Guest A: a writable preopen of the allowed directory itself.
    let swapper: Arc<Instance> = rt
        .instantiate(rt.compile(SWAPPER).unwrap(), &with_preopen(&pre, false))
        .unwrap();
    assert_eq!(
        swapper.run_sync(|l| l.call("link", &[])).unwrap(),
        vec![Value::I32(0)],
        "the guest makes its own symlink out"
    );
    assert_eq!(
        std::fs::read_link(pre.join("sw_l")).unwrap(),
        Path::new("../outside")
    );
    let probe = rt.compile(PROBE).unwrap();
    let sw = pre.join("sw");
    let a = swapper.clone();
    let (tally, rounds) = race(
        move || {
            a.run_sync(|l| l.call("swap", &[n(50.0)])).unwrap();
        },
        || probe_attempt(&rt, probe, &sw),
    );
    eprintln!("guest-raced preopen: {tally:?}, {rounds} swapper calls");
    assert_eq!(tally.escapes, 0, "{tally:?}");
    assert!(tally.attempts >= MIN_ATTEMPTS);
    assert!(rounds > 0);
}
