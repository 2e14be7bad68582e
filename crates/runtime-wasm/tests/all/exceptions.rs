//! Exceptions across the boundary: a wasm exception nothing caught leaves
//! the call with its tag and payload; what a host function throws is a wasm
//! exception its guest may catch, and comes back unchanged when none does;
//! limits stay out of reach of `catch_all`.
use crate::common::*;
use runtime_wasm::{
    Arg, Error, ErrorCode, HostError, Import, Imports, InstanceConfig, Limits, TagRef, Throw, Value,
};
use std::sync::Arc;

const GUEST: &str = r#"(module
  (import "host" "fail" (func $fail))
  (import "host" "tag" (tag $host (param i32)))
  (tag $e (export "e") (param i32 f64))
  (func (export "throw") (param i32 f64) local.get 0 local.get 1 throw $e)
  (func (export "throw_host") (param i32) local.get 0 throw $host)
  (func (export "call") call $fail)
  (func (export "catch_all") (result i32)
    (block $caught (try_table (catch_all $caught) call $fail) (return (i32.const 0)))
    i32.const 1)
  (func (export "catch_e") (result i32)
    (block $caught (result i32 f64)
      (try_table (catch $e $caught) call $fail)
      (return (i32.const -1)))
    drop i32.const 1 i32.add)
  (func (export "catch_many") (param $n i32) (result i32)
    (local $caught i32)
    (loop $again
      (block $c (result i32 f64) (try_table (catch $e $c) call $fail) (return (i32.const -1)))
      drop drop
      (local.set $caught (i32.add (local.get $caught) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $caught) (local.get $n))))
    local.get $caught)
  (func (export "rethrow")
    (block $caught (result exnref)
      (try_table (catch_all_ref $caught) call $fail)
      return)
    throw_ref))"#;

fn guest(fail: impl Fn() -> Error + Send + Sync + 'static) -> Arc<runtime_wasm::Instance> {
    guest_with(fail, Limits::default())
}

fn guest_with(
    fail: impl Fn() -> Error + Send + Sync + 'static,
    limits: Limits,
) -> Arc<runtime_wasm::Instance> {
    let rt = runtime();
    let id = rt.compile(GUEST.as_bytes()).unwrap();
    let mut imports = Imports::default();
    imports.add("host", "fail", host(move |_| Err(fail())));
    imports.add(
        "host",
        "tag",
        Import::Tag {
            id: 77,
            params: vec!["i32".into()],
        },
    );
    rt.instantiate(
        id,
        &InstanceConfig {
            imports,
            limits,
            ..Default::default()
        },
    )
    .unwrap()
}

fn thrown(value: &Arc<dyn std::any::Any + Send + Sync>) -> Error {
    Error::Host(HostError(value.clone()))
}

#[test]
fn an_uncaught_exception_leaves_with_its_tag_and_payload() {
    let inst = guest(|| Error::Type("unused".into()));
    let (tag, params) = inst.run_sync(|l| l.tag("e")).unwrap();
    assert_eq!(params, ["i32", "f64"]);
    let err = inst
        .run_sync(|l| l.call("throw", &[Arg::Number(7.0), Arg::Number(2.5)]))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::CallError);
    let Error::Exception(exn) = err else {
        panic!("{err:?}")
    };
    assert_eq!(exn.tag, tag);
    assert!(matches!(tag, TagRef::Guest(_)));
    assert_eq!(exn.params, ["i32", "f64"]);
    assert_eq!(exn.payload, [Value::I32(7), Value::F64(2.5)]);
    // The same tag keeps its name; the instance stays usable.
    assert_eq!(inst.run_sync(|l| l.tag("e")).unwrap().0, tag);
    let err = inst
        .run_sync(|l| l.call("throw_host", &[Arg::Number(5.0)]))
        .unwrap_err();
    let Error::Exception(exn) = err else {
        panic!("{err:?}")
    };
    assert_eq!(exn.tag, TagRef::Host(77));
    assert_eq!(exn.payload, [Value::I32(5)]);
}

#[test]
fn a_host_functions_thrown_value_is_caught_by_catch_all_or_comes_back_unchanged() {
    let value: Arc<dyn std::any::Any + Send + Sync> = Arc::new("boom".to_string());
    let v = value.clone();
    let inst = guest(move || thrown(&v));
    assert_eq!(
        inst.run_sync(|l| l.call("catch_all", &[])).unwrap(),
        [Value::I32(1)]
    );
    // A tag of the host's own does not match a thrown value.
    assert_eq!(
        inst.run_sync(|l| l.call("catch_e", &[]))
            .err()
            .map(|e| e.code()),
        Some(ErrorCode::CallError)
    );
    for name in ["call", "rethrow", "catch_e"] {
        let err = inst.run_sync(|l| l.call(name, &[])).unwrap_err();
        let Error::Host(HostError(back)) = err else {
            panic!("{name}: {err:?}")
        };
        assert!(Arc::ptr_eq(&back, &value), "{name}");
    }
}

#[test]
fn a_tagged_throw_is_caught_by_its_tag_and_its_original_comes_back() {
    let rt_inst = guest(|| Error::Type("unused".into()));
    let (tag, _) = rt_inst.run_sync(|l| l.tag("e")).unwrap();
    drop(rt_inst);
    // A tag of another store is not this guest's: it travels as a value.
    let original: Arc<dyn std::any::Any + Send + Sync> = Arc::new(1u8);
    let o = original.clone();
    let inst = guest(move || {
        Error::Throw(Box::new(Throw {
            tag,
            payload: vec![Arg::Number(41.0), Arg::Number(0.5)],
            original: HostError(o.clone()),
        }))
    });
    assert_eq!(
        inst.run_sync(|l| l.call("catch_e", &[]))
            .err()
            .map(|e| e.code()),
        Some(ErrorCode::CallError)
    );
    assert_eq!(
        inst.run_sync(|l| l.call("catch_all", &[])).unwrap(),
        [Value::I32(1)]
    );

    // The guest's own tag: `catch $e` gets the payload; rethrown, it is the
    // very value thrown.
    let cell: Arc<std::sync::Mutex<Option<TagRef>>> = Arc::default();
    let (c, o) = (cell.clone(), original.clone());
    let inst = guest(move || {
        Error::Throw(Box::new(Throw {
            tag: c.lock().unwrap().unwrap(),
            payload: vec![Arg::Number(41.0), Arg::Number(0.5)],
            original: HostError(o.clone()),
        }))
    });
    let (own, _) = inst.run_sync(|l| l.tag("e")).unwrap();
    *cell.lock().unwrap() = Some(own);
    assert_eq!(
        inst.run_sync(|l| l.call("catch_e", &[])).unwrap(),
        [Value::I32(42)]
    );
    for name in ["call", "rethrow"] {
        let Error::Host(HostError(back)) = inst.run_sync(|l| l.call(name, &[])).unwrap_err() else {
            panic!("{name}")
        };
        assert!(Arc::ptr_eq(&back, &original), "{name}");
    }
}

#[test]
fn a_bad_payload_and_limits_are_not_catchable() {
    let own: Arc<std::sync::Mutex<Option<TagRef>>> = Arc::default();
    let c = own.clone();
    let inst = guest(move || {
        Error::Throw(Box::new(Throw {
            tag: c.lock().unwrap().unwrap(),
            payload: vec![Arg::Number(1.5)],
            original: HostError(Arc::new(())),
        }))
    });
    *own.lock().unwrap() = Some(inst.run_sync(|l| l.tag("e")).unwrap().0);
    let err = inst.run_sync(|l| l.call("catch_all", &[])).unwrap_err();
    assert_eq!(err.code(), ErrorCode::TypeError, "{err}");

    let inst = guest(|| Error::LimitExceeded("over".into()));
    let err = inst.run_sync(|l| l.call("catch_all", &[])).unwrap_err();
    assert_eq!(err.code(), ErrorCode::LimitExceeded);
}

#[test]
fn an_imported_tag_must_have_the_imports_parameters() {
    let rt = runtime();
    let id = rt.compile(GUEST.as_bytes()).unwrap();
    let mut imports = Imports::default();
    imports.add("host", "fail", host(|_| Ok(Arg::Null)));
    imports.add(
        "host",
        "tag",
        Import::Tag {
            id: 78,
            params: vec!["f32".into()],
        },
    );
    let err = rt
        .instantiate(
            id,
            &InstanceConfig {
                imports,
                ..Default::default()
            },
        )
        .err()
        .unwrap();
    assert_eq!(err.code(), ErrorCode::InstantiateError);
    assert!(err.to_string().contains("parameters (i32)"), "{err}");
}
