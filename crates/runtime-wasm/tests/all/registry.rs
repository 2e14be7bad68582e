//! Handles: text forms, lookups, and isolation between runtimes.
use crate::common::*;
use runtime_wasm::{ErrorCode, InstanceId, ModuleId, Value};

#[test]
fn handles_parse_back_and_garbage_is_an_invalid_handle() {
    let rt = runtime();
    let m = module(&rt, "add.wat");
    assert_eq!(m.to_string().parse::<ModuleId>().unwrap(), m);
    for text in [
        "",
        "module",
        "module-x",
        "module--1",
        "instance-1",
        " module-1",
        "module-1 ",
        "module-01",
        "module-+1",
        "module-0",
        "module-١",
    ] {
        assert_eq!(
            text.parse::<ModuleId>().unwrap_err().code(),
            ErrorCode::InvalidModuleHandle,
            "{text:?}"
        );
    }
    for text in ["", "instance", "instance-", "module-1", "instance-1.5"] {
        assert_eq!(
            text.parse::<InstanceId>().unwrap_err().code(),
            ErrorCode::InvalidInstanceHandle,
            "{text:?}"
        );
    }
}

#[test]
fn instances_are_found_by_handle_only_in_their_runtime() {
    let (a, b) = (runtime(), runtime());
    let inst = instance(&a, "add.wat");
    assert_eq!(a.instance(inst.id()).unwrap().id(), inst.id());
    assert_eq!(
        b.instance(inst.id()).unwrap_err().code(),
        ErrorCode::InvalidInstanceHandle
    );
    let other = instance(&b, "add.wat");
    assert_ne!(other.id(), inst.id(), "ids are unique across runtimes");
    assert_eq!(a.instance_count(), 1);
    a.drop_instance(&inst).unwrap();
    assert_eq!(
        a.instance(inst.id()).unwrap_err().code(),
        ErrorCode::InvalidInstanceHandle
    );
    assert_eq!(b.instance_count(), 1);
}

#[test]
fn a_forgotten_module_keeps_its_instances() {
    let rt = runtime();
    let m = module(&rt, "memory.wat");
    let inst = rt.instantiate(m, &Default::default()).unwrap();
    rt.forget_module(m).unwrap();
    assert_eq!(
        rt.module_info(m).unwrap_err().code(),
        ErrorCode::InvalidModuleHandle
    );
    assert_eq!(
        rt.forget_module(m).unwrap_err().code(),
        ErrorCode::InvalidModuleHandle
    );
    assert!(inst.is_live());
    assert_eq!(
        inst.run_sync(|l| l.call("load", &[n(0.0)])).unwrap(),
        vec![Value::I32(104)]
    );
}
