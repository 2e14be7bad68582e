//! Calls: conversion by signature, results, arity, traps and their details.
use crate::common::*;
use runtime_wasm::{Arg, Error, ErrorCode, Value};

#[test]
fn arguments_follow_the_signature() {
    let rt = runtime();
    let inst = instance(&rt, "add.wat");
    let call = |name: &str, args: &[Arg]| inst.run_sync(|l| l.call(name, args));
    assert_eq!(call("add", &[n(2.0), n(3.0)]).unwrap(), vec![Value::I32(5)]);
    assert_eq!(
        call("add", &[n(4294967295.0), n(1.0)]).unwrap(),
        vec![Value::I32(0)]
    );
    assert_eq!(
        call("add64", &[big(i64::MAX), big(1)]).unwrap(),
        vec![Value::I64(i64::MIN)]
    );
    assert_eq!(
        call("addf64", &[n(3.0), n(0.5)]).unwrap(),
        vec![Value::F64(3.5)]
    );
    assert_eq!(
        call("addf32", &[n(0.5), n(0.25)]).unwrap(),
        vec![Value::F32(0.75)]
    );
    assert_eq!(
        call("swap", &[n(7.0), n(1.5)]).unwrap(),
        vec![Value::F64(1.5), Value::I32(7)]
    );
    assert_eq!(call("nothing", &[]).unwrap(), vec![]);
    let a: Vec<u8> = (0..16).collect();
    let b = vec![0xffu8; 16];
    let expect: Vec<u8> = a.iter().map(|x| x ^ 0xff).collect();
    assert_eq!(
        call("v128_xor", &[Arg::Bytes(a), Arg::Bytes(b)]).unwrap(),
        vec![Value::V128(expect.try_into().unwrap())]
    );
}

#[test]
fn wrong_arity_and_types_are_5007_and_leave_the_instance_usable() {
    let rt = runtime();
    let inst = instance(&rt, "add.wat");
    for args in [
        vec![n(1.0)],
        vec![n(3.5), n(1.0)],
        vec![big(1), n(1.0)],
        vec![Arg::Other("string".into()), n(1.0)],
    ] {
        let err = inst.run_sync(|l| l.call("add", &args)).unwrap_err();
        assert_eq!(err.code(), ErrorCode::TypeError, "{args:?}");
    }
    let typed = Arg::Typed("i64".into(), Box::new(n(1.0)));
    let err = inst
        .run_sync(|l| l.call("add", &[typed, n(1.0)]))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::TypeError);
    assert_eq!(
        inst.run_sync(|l| l.call("answer", &[])).unwrap(),
        vec![Value::I32(42)]
    );
}

#[test]
fn missing_and_non_function_exports_are_5003() {
    let rt = runtime();
    let inst = instance(&rt, "add.wat");
    assert_eq!(
        inst.run_sync(|l| l.call("nope", &[])).unwrap_err().code(),
        ErrorCode::ExportNotFound
    );
    assert_eq!(
        inst.run_sync(|l| l.call("memory", &[])).unwrap_err().code(),
        ErrorCode::ExportNotFound
    );
}

fn trap_of(err: &Error) -> &str {
    &err.trap().expect("a trap").kind
}

#[test]
fn traps_are_5002_with_a_named_trap_and_backtrace() {
    let rt = runtime();
    let inst = instance(&rt, "traps.wat");
    let err = inst.run_sync(|l| l.call("unreachable", &[])).unwrap_err();
    assert_eq!(err.code(), ErrorCode::CallError);
    assert_eq!(trap_of(&err), "unreachable");
    assert!(!err.trap().unwrap().backtrace.is_empty());
    let err = inst
        .run_sync(|l| l.call("div", &[n(1.0), n(0.0)]))
        .unwrap_err();
    assert_eq!(trap_of(&err), "integer divide by zero");
    let err = inst.run_sync(|l| l.call("oob", &[])).unwrap_err();
    assert_eq!(trap_of(&err), "out of bounds memory access");
    let err = inst.run_sync(|l| l.call("recurse", &[n(0.0)])).unwrap_err();
    assert_eq!(err.code(), ErrorCode::CallError);
    assert_eq!(trap_of(&err), "stack overflow");
    // A trap does not poison the instance.
    assert_eq!(
        inst.run_sync(|l| l.call("spin", &[big(10)])).unwrap(),
        vec![Value::I64(10)]
    );
}

#[test]
fn call_many_runs_a_batch_in_order_and_stops_at_the_first_failure() {
    let rt = runtime();
    let inst = instance(&rt, "counter.wat");
    let batch = vec![vec![]; 5];
    let out = inst.run_sync(|l| l.call_many("inc", &batch)).unwrap();
    assert_eq!(
        out,
        (1..=5).map(|i| vec![Value::I32(i)]).collect::<Vec<_>>()
    );
    let adder = instance(&rt, "add.wat");
    let mixed = vec![
        vec![n(1.0), n(2.0)],
        vec![n(1.5), n(2.0)],
        vec![n(3.0), n(4.0)],
    ];
    let err = adder.run_sync(|l| l.call_many("add", &mixed)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::TypeError);
    assert_eq!(
        adder.run_sync(|l| l.call_many("add", &[])).unwrap(),
        Vec::<Vec<Value>>::new()
    );
}

/// Numbers the all-number path must convert exactly as the general one.
const EDGES: [f64; 16] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    2147483647.0,
    2147483648.0,
    -2147483649.0,
    4294967295.0,
    4294967296.0,
    9007199254740991.0,
    9007199254740992.0,
    f64::NAN,
    f64::INFINITY,
    1e300,
    -3.4028235677973366e38,
];

#[test]
fn call_numbers_agrees_with_call_on_every_edge() {
    let rt = runtime();
    let inst = instance(&rt, "add.wat");
    inst.run_sync(|l| {
        for name in ["add", "add64", "addf32", "addf64"] {
            let id = l.export_func(name)?.id;
            for a in EDGES {
                for b in EDGES {
                    let general = l.call(name, &[n(a), n(b)]).map(|mut v| v.pop());
                    let fast = l.call_numbers(id, &[a, b]);
                    match (general, fast) {
                        (Ok(Some(x)), Ok(Some(y))) => assert!(
                            x == y || format!("{x:?}") == format!("{y:?}"),
                            "{name}({a}, {b}): {x:?} vs {y:?}"
                        ),
                        (Err(x), Err(y)) => assert_eq!(x.to_string(), y.to_string()),
                        (x, y) => panic!("{name}({a}, {b}): {x:?} vs {y:?}"),
                    }
                }
            }
        }
        Ok(())
    })
    .unwrap();
}

#[test]
fn call_numbers_checks_arity_handles_and_signatures() {
    let rt = runtime();
    let inst = instance(&rt, "add.wat");
    inst.run_sync(|l| {
        let add = l.export_func("add")?;
        assert_eq!((add.params.len(), add.results.len()), (2, 1));
        let arity = l.call_numbers(add.id, &[1.0]).unwrap_err();
        assert_eq!(arity.code(), ErrorCode::TypeError);
        assert!(
            arity.to_string().contains("takes 2 argument(s), got 1"),
            "{arity}"
        );
        let swap = l.export_func("swap")?.id;
        assert_eq!(
            l.call_numbers(swap, &[1.0, 2.0]).unwrap_err().code(),
            ErrorCode::TypeError
        );
        assert_eq!(
            l.call_numbers(999, &[]).unwrap_err().code(),
            ErrorCode::ExportNotFound
        );
        assert_eq!(
            l.export_func("memory").unwrap_err().code(),
            ErrorCode::ExportNotFound
        );
        let nothing = l.export_func("nothing")?.id;
        assert_eq!(l.call_numbers(nothing, &[])?, None);
        assert_eq!(l.export_func("add")?.id, add.id, "one handle per export");
        Ok(())
    })
    .unwrap();
}

#[test]
fn call_numbers_many_matches_single_calls_and_stops_at_a_trap() {
    let rt = runtime();
    let inst = instance(&rt, "traps.wat");
    inst.run_sync(|l| {
        let div = l.export_func("div")?.id;
        let batch = l.call_numbers_many(div, 2, &[10.0, 2.0, -9.0, 3.0, 7.0, 7.0])?;
        let each: Vec<_> = [[10.0, 2.0], [-9.0, 3.0], [7.0, 7.0]]
            .iter()
            .map(|a| l.call_numbers(div, a).unwrap().unwrap())
            .collect();
        assert_eq!(batch, each);
        assert_eq!(batch[1], Value::I32(-3));
        let trap = l
            .call_numbers_many(div, 2, &[1.0, 1.0, 1.0, 0.0, 2.0, 1.0])
            .unwrap_err();
        assert_eq!(trap.code(), ErrorCode::CallError);
        assert!(trap.trap().is_some());
        let ragged = l.call_numbers_many(div, 2, &[1.0, 2.0, 3.0]).unwrap_err();
        assert_eq!(ragged.code(), ErrorCode::TypeError);
        assert_eq!(
            l.call_numbers(div, &[6.0, 3.0])?,
            Some(Value::I32(2)),
            "usable after a trap"
        );
        Ok(())
    })
    .unwrap();
}
