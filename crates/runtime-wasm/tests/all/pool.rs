//! The instance pool: reused slots start clean, instances beyond the pool
//! and modules that do not fit a slot are allocated on demand, and pooling
//! can be turned off.
use crate::common::*;
use runtime_wasm::{InstanceConfig, Limits, Runtime, RuntimeOptions, Value};
use std::sync::Arc;
use std::time::Duration;

/// Each test uses its own pool size: runtimes with one size share a pool.
fn pooled(pool: u32) -> Runtime {
    Runtime::new(RuntimeOptions {
        pool: Some(pool),
        ..Default::default()
    })
    .unwrap()
}

const SEEDED: &[u8] = br#"(module
  (memory (export "memory") 1)
  (global $g (mut i32) (i32.const 7))
  (data (i32.const 0) "seed")
  (func (export "bump") (result i32)
    global.get $g i32.const 1 i32.add global.set $g global.get $g))"#;

#[test]
fn a_reused_slot_starts_clean() {
    let rt = pooled(1);
    let m = rt.compile(SEEDED).unwrap();
    for _ in 0..3 {
        let inst = rt.instantiate(m, &InstanceConfig::default()).unwrap();
        inst.run_sync(|l| {
            assert_eq!(l.call("bump", &[])?, vec![Value::I32(8)]);
            let mut mem = l.memory(None)?;
            assert_eq!(mem.size(), 1, "pages grown by the last user are gone");
            assert_eq!(mem.read(0, 4)?, b"seed");
            assert_eq!(mem.read(60000, 4)?, vec![0; 4]);
            mem.write(0, b"XXXX")?;
            mem.write(60000, b"left")?;
            mem.grow(2)?;
            mem.write(150000, b"more")?;
            Ok(())
        })
        .unwrap();
        rt.drop_instance(&inst).unwrap();
    }
}

#[test]
fn instances_beyond_the_pool_are_allocated_on_demand() {
    let rt = pooled(2);
    let m = module(&rt, "counter.wat");
    let timed = InstanceConfig {
        limits: Limits {
            fuel: Some(1_000_000),
            timeout: Some(Duration::from_secs(5)),
            ..Default::default()
        },
        ..Default::default()
    };
    let live: Vec<Arc<_>> = (0..6)
        .map(|i| {
            let config = if i % 2 == 0 {
                InstanceConfig::default()
            } else {
                timed.clone()
            };
            rt.instantiate(m, &config).unwrap()
        })
        .collect();
    for (i, inst) in live.iter().enumerate() {
        for _ in 0..=i {
            inst.run_sync(|l| l.call("inc", &[])).unwrap();
        }
    }
    for (i, inst) in live.iter().enumerate() {
        let got = inst.run_sync(|l| l.call("get", &[])).unwrap();
        assert_eq!(got, vec![Value::I32(i as i32 + 1)], "instance {i}");
    }
    for inst in &live {
        rt.drop_instance(inst).unwrap();
    }
    let again = rt.instantiate(m, &InstanceConfig::default()).unwrap();
    assert_eq!(
        again.run_sync(|l| l.call("inc", &[])).unwrap(),
        vec![Value::I32(1)]
    );
}

#[test]
fn modules_that_do_not_fit_a_slot_still_run() {
    let rt = pooled(4);
    // Two memories, and a table larger than a slot's.
    for source in [
        &br#"(module (memory 1) (memory (export "second") 1)
              (func (export "f") (result i32) i32.const 5))"#[..],
        br#"(module (table 200000 funcref) (func (export "f") (result i32) i32.const 5))"#,
    ] {
        let m = rt.compile(source).unwrap();
        let inst = rt.instantiate(m, &InstanceConfig::default()).unwrap();
        assert_eq!(
            inst.run_sync(|l| l.call("f", &[])).unwrap(),
            vec![Value::I32(5)]
        );
    }
    let bad = rt
        .compile(b"(module (func (result i32) i64.const 1))")
        .unwrap_err();
    assert_eq!(bad.code(), runtime_wasm::ErrorCode::CompileError);
}

#[test]
fn pooling_can_be_turned_off() {
    let rt = pooled(0);
    let m = rt.compile(SEEDED).unwrap();
    let insts: Vec<_> = (0..3)
        .map(|_| rt.instantiate(m, &InstanceConfig::default()).unwrap())
        .collect();
    for inst in insts {
        assert_eq!(
            inst.run_sync(|l| l.call("bump", &[])).unwrap(),
            vec![Value::I32(8)]
        );
    }
}

#[test]
fn a_pooled_table_grows_to_the_slot_size() {
    let rt = pooled(3);
    let m = rt
        .compile(br#"(module (table (export "t") 1 funcref))"#)
        .unwrap();
    let inst = rt.instantiate(m, &InstanceConfig::default()).unwrap();
    inst.run_sync(|l| {
        assert_eq!(l.table_grow("t", 99_999)?, 1);
        let refused = l.table_grow("t", 1).unwrap_err();
        assert_eq!(refused.code(), runtime_wasm::ErrorCode::MemoryError);
        assert_eq!(l.table_size("t")?, 100_000);
        Ok(())
    })
    .unwrap();
}
