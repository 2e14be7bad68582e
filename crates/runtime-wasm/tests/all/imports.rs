//! Host functions through the core's `HostFunc` trait: argument and result
//! conversion, memory access through the caller, errors carried unchanged,
//! refused re-entrancy, and parallel use.
use crate::common::*;
use runtime_wasm::{
    Arg, ErrorCode, HostCall, HostError, HostFunc, Import, Imports, Instance, InstanceConfig,
    Limits, Value,
};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

struct FnHost<F>(F);

impl<F> HostFunc for FnHost<F>
where
    F: Fn(&HostCall, &[Value]) -> runtime_wasm::Result<Arg> + Send + Sync + 'static,
{
    fn call(&self, call: HostCall) {
        let outcome = (self.0)(&call, call.args());
        call.settle(outcome);
    }
}

fn host<F>(f: F) -> Import
where
    F: Fn(&HostCall, &[Value]) -> runtime_wasm::Result<Arg> + Send + Sync + 'static,
{
    Import::Func(Arc::new(FnHost(f)))
}

fn with_imports(
    rt: &runtime_wasm::Runtime,
    src: &[u8],
    imports: Imports,
) -> runtime_wasm::Result<Arc<Instance>> {
    let m = rt.compile(src)?;
    rt.instantiate(
        m,
        &InstanceConfig {
            imports,
            ..Default::default()
        },
    )
}

#[test]
fn a_host_function_reads_guest_memory_through_its_caller() {
    let rt = runtime();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let mut imports = Imports::default();
    imports.add(
        "env",
        "log",
        host(move |caller, args| {
            let [Value::I32(ptr), Value::I32(len)] = args else {
                panic!("{args:?}")
            };
            let text = caller
                .memory(None)?
                .read_string(u64::from(*ptr as u32), u64::from(*len as u32))?;
            sink.lock().unwrap().push(text);
            Ok(Arg::Null)
        }),
    );
    let inst = with_imports(&rt, &fixture("imports.wat"), imports).unwrap();
    inst.run_sync(|l| l.memory(None)?.write_string(0, "hello"))
        .unwrap();
    inst.run_sync(|l| l.call("hello", &[])).unwrap();
    let (tx, rx) = mpsc::channel();
    inst.run_async(|l| l.call("hello", &[]), move |r| tx.send(r).unwrap());
    rx.recv().unwrap().unwrap();
    assert_eq!(*seen.lock().unwrap(), vec!["hello", "hello"]);
}

const MATH: &[u8] = br#"(module
    (import "host" "mul64" (func $mul64 (param i64 i64) (result i64)))
    (import "host" "pair" (func $pair (param f64) (result i32 f64)))
    (func (export "square") (param i64) (result i64) local.get 0 local.get 0 call $mul64)
    (func (export "pair") (param f64) (result i32 f64) local.get 0 call $pair))"#;

fn math_imports() -> Imports {
    let mut imports = Imports::default();
    imports.add(
        "host",
        "mul64",
        host(|_, args| {
            let [Value::I64(a), Value::I64(b)] = args else {
                panic!()
            };
            let p = a.wrapping_mul(*b);
            Ok(Arg::BigInt {
                negative: p < 0,
                words: vec![p.unsigned_abs()],
            })
        }),
    );
    imports.add(
        "host",
        "pair",
        host(|_, args| {
            let [Value::F64(x)] = args else { panic!() };
            Ok(Arg::List(vec![
                Arg::Number(x.floor()),
                Arg::Number(x * 2.0),
            ]))
        }),
    );
    imports
}

#[test]
fn arguments_and_results_follow_the_import_signature() {
    let rt = runtime();
    let inst = with_imports(&rt, MATH, math_imports()).unwrap();
    assert_eq!(
        inst.run_sync(|l| l.call("square", &[big(3_000_000_000)]))
            .unwrap(),
        vec![Value::I64(9_000_000_000_000_000_000u64 as i64)]
    );
    assert_eq!(
        inst.run_sync(|l| l.call("pair", &[n(2.5)])).unwrap(),
        vec![Value::I32(2), Value::F64(5.0)]
    );
}

#[test]
fn a_wrongly_shaped_host_result_is_5007() {
    let rt = runtime();
    let mut imports = Imports::default();
    imports.add("host", "mul64", host(|_, _| Ok(Arg::Number(1.5))));
    imports.add("host", "pair", host(|_, _| Ok(Arg::Number(1.0))));
    let inst = with_imports(&rt, MATH, imports).unwrap();
    assert_eq!(
        inst.run_sync(|l| l.call("square", &[big(3)]))
            .unwrap_err()
            .code(),
        ErrorCode::TypeError
    );
    assert_eq!(
        inst.run_sync(|l| l.call("pair", &[n(1.0)]))
            .unwrap_err()
            .code(),
        ErrorCode::TypeError
    );
}

#[test]
fn a_host_error_reaches_the_caller_unchanged_and_the_instance_stays_usable() {
    let rt = runtime();
    let mut imports = Imports::default();
    imports.add(
        "env",
        "log",
        host(|_, args| {
            if args[1] == Value::I32(0) {
                return Ok(Arg::Null);
            }
            Err(runtime_wasm::Error::Host(HostError(Arc::new(
                "boom".to_string(),
            ))))
        }),
    );
    let inst = with_imports(&rt, &fixture("imports.wat"), imports).unwrap();
    let err = inst.run_sync(|l| l.call("hello", &[])).unwrap_err();
    let runtime_wasm::Error::Host(HostError(payload)) = err else {
        panic!("{err:?}")
    };
    assert_eq!(payload.downcast_ref::<String>().unwrap(), "boom");
    assert_eq!(
        inst.run_sync(|l| l.memory(None)?.read(0, 1)).unwrap(),
        vec![0]
    );
}

#[test]
fn missing_and_mismatched_imports_are_5001_naming_them() {
    let rt = runtime();
    let err = with_imports(&rt, &fixture("imports.wat"), Imports::default()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InstantiateError);
    assert!(err.to_string().contains("env.log"));
    let mut imports = Imports::default();
    imports.add("env", "log", Import::NotAFunction("number".into()));
    let err = with_imports(&rt, &fixture("imports.wat"), imports).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InstantiateError);
    assert!(
        err.to_string().contains("env.log") && err.to_string().contains("number"),
        "{err}"
    );
    let mut imports = Imports::default();
    imports.add("env", "mem", host(|_, _| Ok(Arg::Null)));
    let err =
        with_imports(&rt, br#"(module (import "env" "mem" (memory 1)))"#, imports).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InstantiateError);
}

#[test]
fn one_host_function_serves_two_instances_running_in_parallel() {
    let rt = runtime();
    let (arrived_tx, arrived_rx) = mpsc::channel::<()>();
    let arrived_tx = Mutex::new(arrived_tx);
    let barrier = Arc::new(std::sync::Barrier::new(2));
    let mut imports = Imports::default();
    let b = barrier.clone();
    imports.add(
        "env",
        "log",
        host(move |_, _| {
            arrived_tx.lock().unwrap().send(()).unwrap();
            // Both guests must be inside the host function at once to pass.
            b.wait();
            Ok(Arg::Null)
        }),
    );
    let m = rt.compile(&fixture("imports.wat")).unwrap();
    let config = InstanceConfig {
        imports,
        ..Default::default()
    };
    let (tx, rx) = mpsc::channel();
    for _ in 0..2 {
        let inst = rt.instantiate(m, &config).unwrap();
        let tx = tx.clone();
        inst.run_async(|l| l.call("hello", &[]), move |r| tx.send(r).unwrap());
    }
    for _ in 0..2 {
        rx.recv_timeout(Duration::from_secs(10)).unwrap().unwrap();
        arrived_rx.recv().unwrap();
    }
}

#[test]
fn the_caller_knows_the_calls_deadline() {
    let rt = runtime();
    let got = Arc::new(Mutex::new(None));
    let g = got.clone();
    let mut imports = Imports::default();
    imports.add(
        "env",
        "log",
        host(move |caller, _| {
            *g.lock().unwrap() = Some(caller.deadline().is_some());
            Ok(Arg::Null)
        }),
    );
    let m = rt.compile(&fixture("imports.wat")).unwrap();
    let limits = Limits {
        timeout: Some(Duration::from_secs(5)),
        ..Default::default()
    };
    let inst = rt
        .instantiate(
            m,
            &InstanceConfig {
                imports,
                limits,
                ..Default::default()
            },
        )
        .unwrap();
    inst.run_sync(|l| l.call("hello", &[])).unwrap();
    assert_eq!(*got.lock().unwrap(), Some(true));
}

#[test]
fn a_value_stands_for_an_immutable_global_import_only() {
    let rt = runtime();
    let wat = br#"(module (import "env" "g" (global i64)) (func (export "get") (result i64) global.get 0))"#;
    let mut imports = Imports::default();
    imports.add("env", "g", Import::Value(big(-7)));
    let inst = with_imports(&rt, wat, imports).unwrap();
    assert_eq!(
        inst.run_sync(|l| l.call("get", &[])).unwrap(),
        vec![Value::I64(-7)]
    );
    let mutable = br#"(module (import "env" "g" (global (mut i32))))"#;
    let mut imports = Imports::default();
    imports.add("env", "g", Import::Value(n(1.0)));
    let err = with_imports(&rt, mutable, imports).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InstantiateError);
    assert!(err.to_string().contains("mutable"), "{err}");
    let mut imports = Imports::default();
    imports.add("env", "f", Import::Value(n(1.0)));
    let err = with_imports(&rt, br#"(module (import "env" "f" (func)))"#, imports).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InstantiateError);
    assert!(err.to_string().contains("env.f"), "{err}");
}

#[test]
fn instances_linked_through_exports_share_one_store() {
    let rt = runtime();
    let provider = with_imports(
        &rt,
        br#"(module (memory (export "mem") 1 4) (global (export "g") (mut i32) (i32.const 5))
            (table (export "t") 2 funcref)
            (func (export "double") (param i32) (result i32) local.get 0 i32.const 2 i32.mul)
            (func (export "peek") (param i32) (result i32) local.get 0 i32.load8_u))"#,
        Imports::default(),
    )
    .unwrap();
    let consumer_wat = br#"(module (import "p" "mem" (memory 1)) (import "p" "g" (global (mut i32)))
        (import "p" "double" (func $double (param i32) (result i32)))
        (func (export "poke") (param i32 i32) local.get 0 local.get 1 i32.store8)
        (func (export "bump") (result i32) (global.set 0 (call $double (global.get 0))) global.get 0))"#;
    let link = |from: &Arc<runtime_wasm::Instance>| {
        let mut imports = Imports::default();
        for name in ["mem", "g", "double"] {
            imports.add("p", name, Import::Export(from.export_ref(name)));
        }
        imports
    };
    let consumer = with_imports(&rt, consumer_wat, link(&provider)).unwrap();
    consumer
        .run_sync(|l| l.call("poke", &[n(3.0), n(77.0)]))
        .unwrap();
    assert_eq!(
        provider.run_sync(|l| l.call("peek", &[n(3.0)])).unwrap(),
        vec![Value::I32(77)],
        "one memory"
    );
    assert_eq!(
        consumer.run_sync(|l| l.call("bump", &[])).unwrap(),
        vec![Value::I32(10)]
    );
    assert_eq!(
        provider.run_sync(|l| l.global("g")).unwrap().value,
        Value::I32(10),
        "one global"
    );
    // The provider dropped, its store lives on for the consumer.
    rt.drop_instance(&provider).unwrap();
    assert!(!provider.is_live());
    assert_eq!(
        consumer.run_sync(|l| l.call("bump", &[])).unwrap(),
        vec![Value::I32(20)]
    );
    assert!(consumer.is_live());
    // Linking to a dropped instance, or to two stores at once, is 5001.
    let err = with_imports(&rt, consumer_wat, link(&provider)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InstantiateError);
    let a = with_imports(
        &rt,
        br#"(module (memory (export "mem") 1))"#,
        Imports::default(),
    )
    .unwrap();
    let b = with_imports(
        &rt,
        br#"(module (global (export "g") (mut i32) (i32.const 0)))"#,
        Imports::default(),
    )
    .unwrap();
    let mut two = Imports::default();
    two.add("p", "mem", Import::Export(a.export_ref("mem")));
    two.add("p", "g", Import::Export(b.export_ref("g")));
    let err = with_imports(
        &rt,
        br#"(module (import "p" "mem" (memory 1)) (import "p" "g" (global (mut i32))))"#,
        two,
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InstantiateError);
    assert!(err.to_string().contains("not linked"), "{err}");
    rt.drop_instance(&consumer).unwrap();
    assert!(!consumer.is_live());
}

#[test]
fn a_linked_instance_shares_the_store_s_limits() {
    let rt = runtime();
    let limited = InstanceConfig {
        limits: Limits {
            max_memory_bytes: Some(2 << 16),
            ..Default::default()
        },
        ..Default::default()
    };
    let m = rt
        .compile(&br#"(module (memory (export "mem") 1))"#[..])
        .unwrap();
    let provider = rt.instantiate(m, &limited).unwrap();
    let grower = rt
        .compile(
            br#"(module (import "p" "mem" (memory 1)) (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))"#
                .as_slice(),
        )
        .unwrap();
    let mut imports = Imports::default();
    imports.add("p", "mem", Import::Export(provider.export_ref("mem")));
    let other_limits = InstanceConfig {
        imports: imports.clone(),
        ..Default::default()
    };
    let err = rt.instantiate(grower, &other_limits).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InstantiateError);
    let same = InstanceConfig {
        imports,
        ..limited.clone()
    };
    let inst = rt.instantiate(grower, &same).unwrap();
    assert_eq!(
        inst.run_sync(|l| l.call("grow", &[n(1.0)])).unwrap(),
        vec![Value::I32(1)]
    );
    assert_eq!(
        inst.run_sync(|l| l.call("grow", &[n(1.0)])).unwrap(),
        vec![Value::I32(-1)],
        "the store's memory cap holds for the linked instance"
    );
}

/// A function of another instance offered as `Import::Linkable` is linked
/// directly (the importer joins its store; values keep their bits) where
/// the store takes the importer, and called through the fallback where not.
#[test]
fn linkable_functions_link_directly_where_the_store_allows_else_fall_back() {
    let rt = runtime();
    let exporter = with_imports(
        &rt,
        br#"(module (func (export "nan") (result f32) (f32.reinterpret_i32 (i32.const 0x7fa00001))))"#,
        Imports::default(),
    )
    .unwrap();
    let importer = br#"(module (import "a" "nan" (func $nan (result f32)))
        (func (export "bits") (result i32) (i32.reinterpret_f32 (call $nan))))"#;
    let imports = || {
        let mut imports = Imports::default();
        let fallback = Arc::new(FnHost(|_: &HostCall, _: &[Value]| Ok(Arg::Number(1.5))));
        imports.add(
            "a",
            "nan",
            Import::Linkable {
                export: exporter.export_ref("nan"),
                fallback,
            },
        );
        imports
    };
    let m = rt.compile(importer).unwrap();
    let linked = rt
        .instantiate(
            m,
            &InstanceConfig {
                imports: imports(),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(linked.store_id(), exporter.store_id());
    assert_eq!(
        linked.run_sync(|l| l.call("bits", &[])).unwrap(),
        vec![Value::I32(0x7fa00001)]
    );
    // Other limits: a store of its own, the fallback answers.
    let apart = rt
        .instantiate(
            m,
            &InstanceConfig {
                imports: imports(),
                limits: runtime_wasm::Limits {
                    fuel: Some(1_000_000),
                    ..Default::default()
                },
                ..Default::default()
            },
        )
        .unwrap();
    assert_ne!(apart.store_id(), exporter.store_id());
    assert_eq!(
        apart.run_sync(|l| l.call("bits", &[])).unwrap(),
        vec![Value::I32(1.5f32.to_bits() as i32)]
    );
    // An importer with a memory of its own would leave it in the exporter's
    // store for that store's life: it keeps a store of its own.
    let with_memory = rt
        .compile(
            br#"(module (import "a" "nan" (func $nan (result f32))) (memory 1)
            (func (export "bits") (result i32) (i32.reinterpret_f32 (call $nan))))"#,
        )
        .unwrap();
    let own = rt
        .instantiate(
            with_memory,
            &InstanceConfig {
                imports: imports(),
                ..Default::default()
            },
        )
        .unwrap();
    assert_ne!(own.store_id(), exporter.store_id());
    // A store takes at most 100 instances for direct links; then they call
    // through the fallback.
    let members: Vec<_> = (0..150)
        .map(|_| {
            rt.instantiate(
                m,
                &InstanceConfig {
                    imports: imports(),
                    ..Default::default()
                },
            )
            .unwrap()
        })
        .collect();
    let joined = members
        .iter()
        .filter(|i| i.store_id() == exporter.store_id())
        .count();
    assert_eq!(
        joined + 2,
        100,
        "the exporter, `linked` and 98 more share the store"
    );
}
