//! Caps that hold when none is configured: tables stop at 10,000,000
//! elements and `memory64` memories at 4 GiB, on pooled and on-demand
//! instances alike; growth past them is -1 to the guest, at once.
use crate::common::*;
use runtime_wasm::{ErrorCode, InstanceConfig, Limits, Runtime, RuntimeOptions, Value};

/// The default pool, and none at all (every instance on demand).
fn runtimes() -> [(&'static str, Runtime); 2] {
    let unpooled = Runtime::new(RuntimeOptions {
        pool: Some(0),
        ..Default::default()
    })
    .unwrap();
    [("pooled", runtime()), ("on demand", unpooled)]
}

fn call(rt: &Runtime, source: &[u8], name: &str, arg: runtime_wasm::Arg) -> Vec<Value> {
    let m = rt.compile(source).unwrap();
    let inst = rt.instantiate(m, &InstanceConfig::default()).unwrap();
    inst.run_sync(|l| l.call(name, &[arg])).unwrap()
}

fn table(initial: u32) -> Vec<u8> {
    format!(
        r#"(module (table $t {initial} funcref)
        (func (export "grow") (param i32) (result i32) ref.null func local.get 0 table.grow $t))"#
    )
    .into_bytes()
}

#[test]
fn a_table_grow_past_the_default_cap_is_minus_one() {
    for (how, rt) in runtimes() {
        // A small table (fits a pool slot) and one too big for any slot.
        for initial in [10, 100_001] {
            let src = table(initial);
            for delta in [10_000_000.0, 300_000_000.0, -2_147_483_648.0, -1.0] {
                assert_eq!(
                    call(&rt, &src, "grow", n(delta)),
                    vec![Value::I32(-1)],
                    "{how}: table of {initial} grown by {delta}"
                );
            }
            assert_eq!(
                call(&rt, &src, "grow", n(1000.0)),
                vec![Value::I32(initial as i32)],
                "{how}: a grow within the caps still works"
            );
        }
    }
}

#[test]
fn a_table_born_over_the_default_cap_is_5013() {
    let rt = Runtime::new(RuntimeOptions {
        pool: Some(0),
        ..Default::default()
    })
    .unwrap();
    let m = rt.compile(&table(10_000_001)).unwrap();
    let err = rt.instantiate(m, &InstanceConfig::default()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::LimitExceeded, "{err}");
}

const MEMORY64: &[u8] = br#"(module (memory (export "m") i64 1)
    (func (export "grow") (param i64) (result i64) local.get 0 memory.grow))"#;

#[test]
fn a_memory64_grow_past_the_default_cap_is_minus_one() {
    for (how, rt) in runtimes() {
        // 65,536 more pages make 4 GiB plus the page it has.
        for pages in [65_536, 1 << 20, 1 << 40] {
            assert_eq!(
                call(&rt, MEMORY64, "grow", big(pages)),
                vec![Value::I64(-1)],
                "{how}: grown by {pages} pages"
            );
        }
        assert_eq!(
            call(&rt, MEMORY64, "grow", big(15)),
            vec![Value::I64(1)],
            "{how}: a grow within the cap still works"
        );
    }
}

#[test]
fn a_memory64_born_over_the_default_cap_is_refused() {
    for (how, rt) in runtimes() {
        let m = rt.compile(br#"(module (memory i64 65537))"#).unwrap();
        let err = rt.instantiate(m, &InstanceConfig::default()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::LimitExceeded, "{how}: {err}");
    }
}

#[test]
fn a_configured_cap_replaces_the_default() {
    let rt = Runtime::new(RuntimeOptions {
        pool: Some(0),
        ..Default::default()
    })
    .unwrap();
    let m = rt.compile(&table(10)).unwrap();
    let limits = Limits {
        max_table_elements: Some(20),
        ..Default::default()
    };
    let inst = rt
        .instantiate(
            m,
            &InstanceConfig {
                limits,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        inst.run_sync(|l| l.call("grow", &[n(10.0)])).unwrap(),
        vec![Value::I32(10)]
    );
    assert_eq!(
        inst.run_sync(|l| l.call("grow", &[n(1.0)])).unwrap(),
        vec![Value::I32(-1)]
    );
}
