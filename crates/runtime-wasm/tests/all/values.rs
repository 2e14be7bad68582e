//! Value conversion by signature at the public surface: typed arguments,
//! every result type, and option numbers.
use crate::common::*;
use runtime_wasm::{count, millis, Arg, ErrorCode, Value};
use std::time::Duration;

#[test]
fn every_result_type_comes_back_typed() {
    let rt = runtime();
    let inst = instance(&rt, "add.wat");
    let call = |name: &str, args: &[Arg]| inst.run_sync(|l| l.call(name, args)).unwrap();
    assert_eq!(call("add", &[n(-1.0), n(-1.0)]), vec![Value::I32(-2)]);
    assert_eq!(call("add64", &[n(1.0), big(-2)]), vec![Value::I64(-1)]);
    assert_eq!(call("addf32", &[n(1.5), n(1.5)]), vec![Value::F32(3.0)]);
    assert_eq!(
        call("addf64", &[n(f64::MAX), n(f64::MAX)]),
        vec![Value::F64(f64::INFINITY)]
    );
}

#[test]
fn stated_types_must_match_the_signature() {
    let rt = runtime();
    let inst = instance(&rt, "add.wat");
    let typed = |t: &str, a: Arg| Arg::Typed(t.into(), Box::new(a));
    let ok = inst.run_sync(|l| l.call("add64", &[typed("i64", big(1)), typed("i64", n(2.0))]));
    assert_eq!(ok.unwrap(), vec![Value::I64(3)]);
    for wrong in [
        typed("f64", n(1.0)),
        typed("i32", n(1.0)),
        typed("v128", n(1.0)),
    ] {
        let err = inst
            .run_sync(|l| l.call("add64", &[wrong.clone(), big(1)]))
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::TypeError);
    }
    let list = Arg::List(vec![n(1.0)]);
    assert_eq!(
        inst.run_sync(|l| l.call("add", &[list.clone(), n(1.0)]))
            .unwrap_err()
            .code(),
        ErrorCode::TypeError
    );
}

#[test]
fn option_numbers_are_checked() {
    assert_eq!(count(5.0, "x").unwrap(), 5);
    for bad in [-1.0, 0.5, f64::NAN, 1e300] {
        assert_eq!(count(bad, "x").unwrap_err().code(), ErrorCode::TypeError);
    }
    assert_eq!(millis(1.5, "t").unwrap(), Duration::from_micros(1500));
    assert_eq!(millis(-1.0, "t").unwrap_err().code(), ErrorCode::TypeError);
    assert_eq!(big(7).amount("fuel").unwrap(), 7);
    assert_eq!(
        Arg::BigInt {
            negative: false,
            words: vec![u64::MAX]
        }
        .amount("fuel")
        .unwrap(),
        u64::MAX
    );
    assert!(Arg::BigInt {
        negative: false,
        words: vec![0, 1]
    }
    .amount("fuel")
    .is_err());
    assert!(big(-1).amount("fuel").is_err());
}

/// One rule for the numbers a host gives as offsets, indices, counts and
/// grow deltas, memories and tables alike: a fraction is not one (5007), a
/// negative or too large integer lies outside any memory or table (5006).
#[test]
fn host_numbers_follow_one_rule_for_memories_and_tables() {
    use runtime_wasm::offset;
    for what in ["offset", "page delta", "table index", "table delta"] {
        assert_eq!(offset(0.0, what).unwrap(), 0);
        assert_eq!(offset(65536.0, what).unwrap(), 65536);
        assert_eq!(offset(2f64.powi(60), what).unwrap(), 1 << 60);
        for bad in [0.5, f64::NAN, f64::INFINITY, -f64::INFINITY] {
            let e = offset(bad, what).unwrap_err();
            assert_eq!(e.code(), ErrorCode::TypeError, "{what} {bad}");
            assert!(e.to_string().contains(what), "{e}");
        }
        for bad in [-1.0, -0.0 - 2f64.powi(40), 2f64.powi(64)] {
            let e = offset(bad, what).unwrap_err();
            assert_eq!(e.code(), ErrorCode::MemoryError, "{what} {bad}");
        }
    }
    // -0 is zero, as JS means it.
    assert_eq!(offset(-0.0, "offset").unwrap(), 0);
}
