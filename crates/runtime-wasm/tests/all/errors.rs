//! The error surface: one code per variant, names, and engine errors
//! classified by type.
use crate::common::*;
use runtime_wasm::{Error, ErrorCode};

#[test]
fn codes_are_5000_to_5013_each_with_a_name() {
    let all = [
        (
            Error::Compile {
                message: String::new(),
                offset: None,
            },
            5000,
            "CompileError",
        ),
        (
            Error::Instantiate {
                message: String::new(),
                trap: None,
            },
            5001,
            "InstantiateError",
        ),
        (
            Error::Call {
                message: String::new(),
                trap: None,
            },
            5002,
            "CallError",
        ),
        (Error::ExportNotFound(String::new()), 5003, "ExportNotFound"),
        (
            Error::InvalidModuleHandle(String::new()),
            5004,
            "InvalidModuleHandle",
        ),
        (
            Error::InvalidInstanceHandle(String::new()),
            5005,
            "InvalidInstanceHandle",
        ),
        (Error::Memory(String::new()), 5006, "MemoryError"),
        (Error::Type(String::new()), 5007, "TypeError"),
        (
            Error::Io {
                path: "x".into(),
                source: std::io::ErrorKind::NotFound.into(),
            },
            5008,
            "IoError",
        ),
        (
            Error::PermissionDenied(String::new()),
            5009,
            "PermissionDenied",
        ),
        (
            Error::Wasi {
                message: String::new(),
                exit_code: Some(1),
            },
            5010,
            "WasiError",
        ),
        (Error::FuelExhausted { trap: None }, 5011, "FuelExhausted"),
        (Error::Timeout { trap: None }, 5012, "Timeout"),
        (Error::LimitExceeded(String::new()), 5013, "LimitExceeded"),
    ];
    for (err, number, name) in &all {
        assert_eq!(err.code().number(), *number);
        assert_eq!(err.code().name(), *name);
    }
    assert_eq!(all[10].0.exit_code(), Some(1));
    assert_eq!(ErrorCode::Timeout.number(), 5012);
}

#[test]
fn engine_errors_are_classified_by_type_with_details() {
    let rt = runtime();
    let inst = instance(&rt, "traps.wat");
    let err = inst.run_sync(|l| l.call("unreachable", &[])).unwrap_err();
    let trap = err.trap().unwrap();
    assert_eq!(trap.kind, "unreachable");
    let frame = &trap.backtrace[0];
    assert!(frame.module_offset.is_some());
    assert!(err.to_string().contains("unreachable"), "{err}");
    let compile = rt.compile(b"\0asm\x01\0\0\0\x01").unwrap_err();
    assert!(matches!(
        compile,
        Error::Compile {
            offset: Some(_),
            ..
        }
    ));
    let wat = rt
        .compile(b"(module (func (export \"f\") (result i32) i64.const 1))")
        .unwrap_err();
    assert_eq!(wat.code(), ErrorCode::CompileError);
    assert!(wat.to_string().contains("type mismatch"), "{wat}");
}
