//! `maxOpenFiles`: a guest opening files in a loop gets `EMFILE` at its cap
//! (default 1024) and the host keeps its own descriptors.
use crate::common::*;
use runtime_wasm::{Instance, InstanceConfig, Limits, Preopen, Runtime, Value, WasiConfig};
use std::path::Path;
use std::sync::Arc;

/// WASI preview1 `errno::mfile` (witx numbering: `loop` 32, `mfile` 33).
const EMFILE: i32 = 33;

/// `flood(max)` opens `f` under the preopen (fd 3) until it fails or has
/// opened `max`, and returns how many it opened; `errno()` is why it
/// stopped (0 when it reached `max`); `close(fd)` closes one.
const FLOOD: &[u8] = br#"(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "f")
  (func (export "flood") (param $max i32) (result i32)
    (local $n i32) (local $e i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $n) (local.get $max)))
        (local.set $e (call $path_open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 1)
          (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 16)))
        (br_if $done (local.get $e))
        (i32.store (i32.const 20) (i32.load (i32.const 16)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (i32.store (i32.const 100) (local.get $e))
    (local.get $n))
  (func (export "errno") (result i32) (i32.load (i32.const 100)))
  (func (export "last") (result i32) (i32.load (i32.const 20)))
  (func (export "close") (param i32) (result i32) (call $fd_close (local.get 0))))"#;

fn flooder(rt: &Runtime, dir: &Path, max_open_files: Option<u64>) -> Arc<Instance> {
    let m = rt.compile(FLOOD).unwrap();
    let wasi = WasiConfig {
        preopens: vec![Preopen {
            guest: "/d".into(),
            host: dir.into(),
            readonly: true,
        }],
        ..Default::default()
    };
    let limits = Limits {
        max_open_files,
        ..Default::default()
    };
    rt.instantiate(
        m,
        &InstanceConfig {
            wasi,
            limits,
            ..Default::default()
        },
    )
    .unwrap()
}

fn i32_of(inst: &Instance, name: &str, args: &[f64]) -> i32 {
    let args: Vec<_> = args.iter().map(|&x| n(x)).collect();
    match inst.run_sync(|l| l.call(name, &args)).unwrap()[..] {
        [Value::I32(v)] => v,
        ref other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn a_guest_gets_emfile_at_its_cap_and_the_host_keeps_its_descriptors() {
    let dir = scratch("descriptors-cap");
    std::fs::write(dir.join("f"), b"x").unwrap();
    let rt = runtime();
    let inst = flooder(&rt, &dir, Some(16));
    // The preopen is one of the 16.
    assert_eq!(i32_of(&inst, "flood", &[100_000.0]), 15);
    assert_eq!(i32_of(&inst, "errno", &[]), EMFILE);
    // Refused again, at once, however often it asks.
    assert_eq!(i32_of(&inst, "flood", &[100_000.0]), 0);
    assert_eq!(i32_of(&inst, "errno", &[]), EMFILE);
    // The host still opens files, and other instances still open theirs.
    std::fs::File::open(dir.join("f")).unwrap();
    let other = flooder(&rt, &dir, Some(16));
    assert_eq!(i32_of(&other, "flood", &[5.0]), 5);
    assert_eq!(i32_of(&other, "errno", &[]), 0);
    // Closing one makes room for exactly one more.
    let last = f64::from(i32_of(&inst, "last", &[]));
    assert_eq!(i32_of(&inst, "close", &[last]), 0);
    assert_eq!(i32_of(&inst, "flood", &[100_000.0]), 1);
    assert_eq!(i32_of(&inst, "errno", &[]), EMFILE);
}

#[test]
fn the_default_cap_is_1024_descriptors() {
    let dir = scratch("descriptors-default");
    std::fs::write(dir.join("f"), b"x").unwrap();
    let rt = runtime();
    let inst = flooder(&rt, &dir, None);
    assert_eq!(i32_of(&inst, "flood", &[1_000_000.0]), 1023);
    assert_eq!(i32_of(&inst, "errno", &[]), EMFILE);
    std::fs::File::open(dir.join("f")).unwrap();
    // Dropping the instance gives every descriptor back; a new one starts
    // with a full allowance.
    rt.drop_instance(&inst).unwrap();
    let fresh = flooder(&rt, &dir, None);
    assert_eq!(i32_of(&fresh, "flood", &[1_000_000.0]), 1023);
}
