//! Limits: fuel, per-call deadlines, memory and table caps, instance caps.
use crate::common::*;
use runtime_wasm::{ErrorCode, InstanceConfig, Limits, Runtime, RuntimeOptions, Value, WasiConfig};
use std::time::{Duration, Instant};

fn limited(
    rt: &Runtime,
    source: &[u8],
    limits: Limits,
) -> runtime_wasm::Result<std::sync::Arc<runtime_wasm::Instance>> {
    let m = rt.compile(source)?;
    rt.instantiate(
        m,
        &InstanceConfig {
            limits,
            ..Default::default()
        },
    )
}

#[test]
fn fuel_runs_out_with_5011_and_can_be_refilled() {
    let rt = runtime();
    let inst = limited(
        &rt,
        &fixture("traps.wat"),
        Limits {
            fuel: Some(10_000),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        inst.run_sync(|l| l.call("spin", &[big(10)])).unwrap(),
        vec![Value::I64(10)]
    );
    let left = inst.run_sync(|l| l.fuel()).unwrap();
    assert!(left < 10_000 && left > 9_000, "{left}");
    let err = inst
        .run_sync(|l| l.call("spin", &[big(1_000_000)]))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::FuelExhausted);
    assert_eq!(err.trap().unwrap().kind, "out of fuel");
    assert_eq!(inst.run_sync(|l| l.fuel()).unwrap(), 0);
    inst.run_sync(|l| l.set_fuel(100_000_000)).unwrap();
    assert_eq!(
        inst.run_sync(|l| l.call("spin", &[big(1_000_000)]))
            .unwrap(),
        vec![Value::I64(1_000_000)]
    );
}

#[test]
fn fuel_is_refused_where_it_was_not_enabled() {
    let rt = runtime();
    let inst = instance(&rt, "traps.wat");
    assert_eq!(
        inst.run_sync(|l| l.fuel()).unwrap_err().code(),
        ErrorCode::TypeError
    );
    assert_eq!(
        inst.run_sync(|l| l.set_fuel(5)).unwrap_err().code(),
        ErrorCode::TypeError
    );
}

#[test]
fn an_infinite_loop_is_stopped_by_its_deadline_and_the_instance_stays_usable() {
    let rt = runtime();
    let timeout = Duration::from_millis(50);
    let inst = limited(
        &rt,
        &fixture("traps.wat"),
        Limits {
            timeout: Some(timeout),
            ..Default::default()
        },
    )
    .unwrap();
    for _ in 0..2 {
        let started = Instant::now();
        let err = inst.run_sync(|l| l.call("forever", &[])).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Timeout);
        assert_eq!(err.trap().unwrap().kind, "interrupt");
        assert!(started.elapsed() >= timeout);
    }
    // The deadline is per call: a short call afterwards succeeds.
    assert_eq!(
        inst.run_sync(|l| l.call("spin", &[big(1000)])).unwrap(),
        vec![Value::I64(1000)]
    );
}

#[test]
fn deadlines_cover_async_calls_and_wasi_runs() {
    let rt = runtime();
    let inst = limited(
        &rt,
        &fixture("traps.wat"),
        Limits {
            timeout: Some(Duration::from_millis(30)),
            ..Default::default()
        },
    )
    .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    inst.run_async(|l| l.call("forever", &[]), move |r| tx.send(r).unwrap());
    let err = rx
        .recv_timeout(Duration::from_secs(10))
        .unwrap()
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Timeout);

    let wasi_loop = br#"(module
        (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
        (memory (export "memory") 1)
        (func (export "_start") (loop br 0)))"#;
    let m = rt.compile(wasi_loop).unwrap();
    let config = InstanceConfig {
        wasi: WasiConfig::default(),
        limits: Limits {
            timeout: Some(Duration::from_millis(30)),
            ..Default::default()
        },
        ..Default::default()
    };
    let inst = rt.instantiate(m, &config).unwrap();
    assert_eq!(
        inst.run_sync(|l| l.run()).unwrap_err().code(),
        ErrorCode::Timeout
    );
}

#[test]
fn a_runaway_start_function_is_stopped_too() {
    let rt = runtime();
    let src = br#"(module (func $s (loop br 0)) (start $s))"#;
    let err = limited(
        &rt,
        src,
        Limits {
            timeout: Some(Duration::from_millis(20)),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Timeout);
    let err = limited(
        &rt,
        src,
        Limits {
            fuel: Some(1000),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::FuelExhausted);
}

#[test]
fn memory_caps_answer_minus_one_to_the_guest_and_5006_to_the_host() {
    let rt = runtime();
    let cap = Limits {
        max_memory_bytes: Some(2 * 65536 + 3 * 65536),
        ..Default::default()
    };
    // memory.wat has `memory` (1 page, max 4) and `scratch` (2 pages): 3 pages live.
    let inst = limited(&rt, &fixture("memory.wat"), cap).unwrap();
    assert_eq!(
        inst.run_sync(|l| l.call("grow", &[n(2.0)])).unwrap(),
        vec![Value::I32(1)]
    );
    assert_eq!(
        inst.run_sync(|l| l.call("grow", &[n(1.0)])).unwrap(),
        vec![Value::I32(-1)]
    );
    let err = inst.run_sync(|l| l.memory(None)?.grow(1)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::MemoryError);
    assert_eq!(
        inst.run_sync(|l| l.call("size", &[])).unwrap(),
        vec![Value::I32(3)]
    );
}

#[test]
fn a_module_born_over_the_cap_is_5013() {
    let rt = runtime();
    let bomb = br#"(module (memory (export "memory") 1000))"#;
    let err = limited(
        &rt,
        bomb,
        Limits {
            max_memory_bytes: Some(1 << 20),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::LimitExceeded);
    assert!(limited(&rt, bomb, Limits::default()).is_ok());
}

/// Growth by a start function is growth: past a cap (or the memory's own
/// maximum) `memory.grow` / `table.grow` answer -1, as V8 answers, and the
/// instance is made; only a memory or table made past a cap is 5013.
#[test]
fn a_start_function_growing_past_a_cap_gets_minus_one() {
    let rt = runtime();
    let grown = |src: &str, limits: Limits| {
        let inst = limited(&rt, src.as_bytes(), limits).unwrap();
        inst.run_sync(|l| l.global("g")).unwrap().value
    };
    let memory = |max: &str| {
        format!(
            r#"(module (memory 1 {max}) (global (export "g") (mut i32) (i32.const 7))
              (func $s (global.set 0 (memory.grow (i32.const 65536)))) (start $s))"#
        )
    };
    assert_eq!(grown(&memory("2"), Limits::default()), Value::I32(-1));
    assert_eq!(grown(&memory(""), Limits::default()), Value::I32(-1));
    let capped = Limits {
        max_memory_bytes: Some(1 << 20),
        ..Default::default()
    };
    assert_eq!(grown(&memory(""), capped), Value::I32(-1));
    let table = r#"(module (table 1 funcref) (global (export "g") (mut i32) (i32.const 7))
        (func $s (global.set 0 (table.grow (ref.null func) (i32.const 100)))) (start $s))"#;
    let capped = Limits {
        max_table_elements: Some(10),
        ..Default::default()
    };
    assert_eq!(grown(table, capped), Value::I32(-1));
    assert_eq!(grown(table, Limits::default()), Value::I32(1));
}

#[test]
fn table_caps_answer_minus_one_to_the_guest() {
    let rt = runtime();
    let src = br#"(module (table $t 1 funcref)
        (func (export "grow") (param i32) (result i32) ref.null func local.get 0 table.grow $t))"#;
    let inst = limited(
        &rt,
        src,
        Limits {
            max_table_elements: Some(10),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        inst.run_sync(|l| l.call("grow", &[n(9.0)])).unwrap(),
        vec![Value::I32(1)]
    );
    assert_eq!(
        inst.run_sync(|l| l.call("grow", &[n(1.0)])).unwrap(),
        vec![Value::I32(-1)]
    );
    let big_table = br#"(module (table 100 funcref))"#;
    let err = limited(
        &rt,
        big_table,
        Limits {
            max_table_elements: Some(10),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::LimitExceeded);
}

#[test]
fn max_instances_is_5013_until_one_is_dropped() {
    let rt = Runtime::new(RuntimeOptions {
        max_instances: Some(2),
        ..Default::default()
    })
    .unwrap();
    let m = module(&rt, "add.wat");
    let a = rt.instantiate(m, &Default::default()).unwrap();
    let _b = rt.instantiate(m, &Default::default()).unwrap();
    assert_eq!(
        rt.instantiate(m, &Default::default()).unwrap_err().code(),
        ErrorCode::LimitExceeded
    );
    rt.drop_instance(&a).unwrap();
    assert!(rt.instantiate(m, &Default::default()).is_ok());
}
