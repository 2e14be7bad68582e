//! Instantiation: separate state per instance, link failures, trapping
//! start functions, and what dropping modules and instances does.
use crate::common::*;
use runtime_wasm::{ErrorCode, InstanceConfig, Value};

#[test]
fn instances_of_one_module_keep_separate_state() {
    let rt = runtime();
    let m = module(&rt, "counter.wat");
    let a = rt.instantiate(m, &InstanceConfig::default()).unwrap();
    let b = rt.instantiate(m, &InstanceConfig::default()).unwrap();
    for _ in 0..3 {
        a.run_sync(|l| l.call("inc", &[])).unwrap();
    }
    assert_eq!(
        a.run_sync(|l| l.call("get", &[])).unwrap(),
        vec![Value::I32(3)]
    );
    assert_eq!(
        b.run_sync(|l| l.call("get", &[])).unwrap(),
        vec![Value::I32(0)]
    );
    a.run_sync(|l| l.memory(None)?.write(0, b"A")).unwrap();
    assert_eq!(b.run_sync(|l| l.memory(None)?.read(0, 1)).unwrap(), vec![0]);
    assert_ne!(a.id(), b.id());
    assert_eq!(a.module_id(), m);
}

#[test]
fn a_missing_import_is_5001_naming_it() {
    let rt = runtime();
    let m = module(&rt, "imports.wat");
    let err = rt.instantiate(m, &InstanceConfig::default()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InstantiateError);
    assert!(err.to_string().contains("env.log"), "{err}");
}

#[test]
fn a_trapping_start_function_is_5001_with_the_trap() {
    let rt = runtime();
    let m = module(&rt, "start_trap.wat");
    let err = rt.instantiate(m, &InstanceConfig::default()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InstantiateError);
    assert_eq!(err.trap().unwrap().kind, "unreachable");
    assert_eq!(rt.instance_count(), 0);
}

#[test]
fn drop_module_drops_its_instances_but_not_others() {
    let rt = runtime();
    let m = module(&rt, "counter.wat");
    let other = module(&rt, "add.wat");
    let a = rt.instantiate(m, &InstanceConfig::default()).unwrap();
    let keep = rt.instantiate(other, &InstanceConfig::default()).unwrap();
    rt.drop_module(m).unwrap();
    assert_eq!(
        a.run_sync(|l| l.call("get", &[])).unwrap_err().code(),
        ErrorCode::InvalidInstanceHandle
    );
    assert!(!a.is_live(), "the store is freed");
    assert_eq!(
        rt.instance(a.id()).unwrap_err().code(),
        ErrorCode::InvalidInstanceHandle
    );
    assert_eq!(
        keep.run_sync(|l| l.call("answer", &[])).unwrap(),
        vec![Value::I32(42)]
    );
    assert_eq!(
        rt.instantiate(m, &InstanceConfig::default())
            .unwrap_err()
            .code(),
        ErrorCode::InvalidModuleHandle
    );
}

#[test]
fn a_dropped_instance_is_5005_everywhere() {
    let rt = runtime();
    let inst = instance(&rt, "add.wat");
    assert_eq!(rt.instance(inst.id()).unwrap().id(), inst.id());
    rt.drop_instance(&inst).unwrap();
    assert!(!inst.is_live());
    assert_eq!(
        rt.drop_instance(&inst).unwrap_err().code(),
        ErrorCode::InvalidInstanceHandle
    );
    assert_eq!(
        inst.run_sync(|l| l.call("answer", &[])).unwrap_err().code(),
        ErrorCode::InvalidInstanceHandle
    );
    assert_eq!(rt.instance_count(), 0);
}
