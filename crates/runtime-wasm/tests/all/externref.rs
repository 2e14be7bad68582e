//! `externref`: a host value crosses into a guest and comes back as the very
//! same value, through calls, host functions and globals; the engine drops
//! what no guest can reach any more.
use crate::common::*;
use runtime_wasm::{Arg, ErrorCode, ExternValue, Imports, InstanceConfig, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const GUEST: &str = r#"(module
  (import "host" "echo" (func $echo (param externref) (result externref)))
  (global $kept (export "kept") (mut externref) (ref.null extern))
  (func (export "id") (param externref) (result externref) local.get 0)
  (func (export "through_host") (param externref) (result externref)
    local.get 0 call $echo)
  (func (export "keep") (param externref) local.get 0 global.set $kept)
  (func (export "is_null") (param externref) (result i32) local.get 0 ref.is_null)
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))"#;

/// A payload counting how many of its kind are alive.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn host_value(live: &Arc<AtomicUsize>) -> ExternValue {
    live.fetch_add(1, Ordering::SeqCst);
    ExternValue {
        value: Arc::new(Counted(live.clone())),
        kind: "object",
    }
}

fn guest() -> Arc<runtime_wasm::Instance> {
    guest_on(runtime())
}

fn guest_on(rt: runtime_wasm::Runtime) -> Arc<runtime_wasm::Instance> {
    let id = rt.compile(GUEST.as_bytes()).unwrap();
    let mut imports = Imports::default();
    imports.add(
        "host",
        "echo",
        host(|call| match call.args() {
            [Value::Extern(v)] => Ok(Arg::Extern(v.clone())),
            other => panic!("echo got {other:?}"),
        }),
    );
    rt.instantiate(
        id,
        &InstanceConfig {
            imports,
            ..Default::default()
        },
    )
    .unwrap()
}

/// A host value through the guest and back, and through its host function.
fn round_trips(inst: &runtime_wasm::Instance) -> ExternValue {
    let live = Arc::new(AtomicUsize::new(0));
    let v = host_value(&live);
    for f in ["id", "through_host"] {
        let out = inst
            .run_sync(|l| l.call(f, &[Arg::Extern(v.clone())]))
            .unwrap();
        assert_eq!(out, vec![Value::Extern(v.clone())], "{f}");
    }
    v
}

#[test]
fn a_host_value_comes_back_as_the_very_same_value() {
    let inst = guest();
    let v = round_trips(&inst);
    // Null stays null; a host value is not null to the guest.
    assert_eq!(
        inst.run_sync(|l| l.call("id", &[Arg::Null])).unwrap(),
        vec![Value::Null]
    );
    assert_eq!(
        inst.run_sync(|l| l.call("is_null", &[Arg::Extern(v.clone())]))
            .unwrap(),
        vec![Value::I32(0)]
    );
    // A typed externref is one too.
    let typed = Arg::Typed("externref".into(), Box::new(Arg::Extern(v.clone())));
    assert_eq!(
        inst.run_sync(|l| l.call("id", &[typed])).unwrap(),
        vec![Value::Extern(v.clone())]
    );
}

#[test]
fn a_global_holds_a_host_value_and_a_call_can_store_one() {
    let inst = guest();
    let live = Arc::new(AtomicUsize::new(0));
    let (a, b) = (host_value(&live), host_value(&live));
    inst.run_sync(|l| l.set_global("kept", &Arg::Extern(a.clone())))
        .unwrap();
    assert_eq!(
        inst.run_sync(|l| l.global("kept")).unwrap().value,
        Value::Extern(a.clone())
    );
    inst.run_sync(|l| l.call("keep", &[Arg::Extern(b.clone())]))
        .unwrap();
    assert_eq!(
        inst.run_sync(|l| l.global("kept")).unwrap().value,
        Value::Extern(b.clone())
    );
}

#[test]
fn a_host_value_is_refused_where_a_number_is_expected() {
    let inst = guest();
    let live = Arc::new(AtomicUsize::new(0));
    let err = inst
        .run_sync(|l| l.call("add", &[Arg::Extern(host_value(&live)), n(1.0)]))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::TypeError);
    assert!(
        err.to_string().contains("expected i32, got object"),
        "{err}"
    );
    // Nothing kept it.
    assert_eq!(live.load(Ordering::SeqCst), 0);
}

#[test]
fn values_no_guest_can_reach_are_dropped() {
    let inst = guest();
    let live = Arc::new(AtomicUsize::new(0));
    for _ in 0..100_000 {
        let v = host_value(&live);
        inst.run_sync(|l| l.call("id", &[Arg::Extern(v)])).unwrap();
    }
    // Those the engine collected are gone; at most what its heap held
    // between collections is left, and the one global keeps one alive.
    let left = live.load(Ordering::SeqCst);
    assert!(left < 100_000, "no host value was ever dropped");
    inst.run_sync(|l| l.call("keep", &[Arg::Extern(host_value(&live))]))
        .unwrap();
    drop(inst);
    assert_eq!(
        live.load(Ordering::SeqCst),
        0,
        "dropping the instance drops them all"
    );
}

#[test]
fn baseline_code_carries_host_values_too() {
    let rt = runtime_wasm::Runtime::new(runtime_wasm::RuntimeOptions {
        compiler: runtime_wasm::Compiler::Baseline,
        ..Default::default()
    })
    .unwrap();
    round_trips(&guest_on(rt));
}

#[test]
fn an_externref_table_holds_host_values() {
    let rt = runtime();
    let id = rt
        .compile(
            br#"(module (table (export "t") 1 externref)
            (func (export "get") (param i32) (result externref) local.get 0 table.get 0))"#,
        )
        .unwrap();
    let inst = rt.instantiate(id, &Default::default()).unwrap();
    let live = Arc::new(AtomicUsize::new(0));
    let v = host_value(&live);
    let entry = runtime_wasm::TableEntry::Extern(v.clone());
    inst.run_sync(|l| l.table_set("t", 0, Some(&entry)))
        .unwrap();
    assert_eq!(
        inst.run_sync(|l| l.table_get_value("t", 0)).unwrap(),
        Value::Extern(v.clone())
    );
    assert_eq!(
        inst.run_sync(|l| l.call("get", &[n(0.0)])).unwrap(),
        vec![Value::Extern(v.clone())]
    );
    assert_eq!(
        inst.run_sync(|l| l.table_grow_with("t", 2, Some(&entry)))
            .unwrap(),
        1
    );
    assert_eq!(
        inst.run_sync(|l| l.table_get_value("t", 2)).unwrap(),
        Value::Extern(v.clone())
    );
    // Function-only reads refuse it; out of bounds is 5006.
    let err = inst.run_sync(|l| l.table_get("t", 0)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::TypeError);
    let err = inst.run_sync(|l| l.table_get_value("t", 9)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::MemoryError);
    drop((v, entry, inst, rt));
    assert_eq!(live.load(Ordering::SeqCst), 0, "the store let go of them");
}
