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
    // The message is the trap's own text: the frames are `backtrace`'s, not
    // written into it as well.
    assert_eq!(err.to_string().lines().count(), 1, "{err}");
    assert!(!err.to_string().contains("backtrace"), "{err}");
    assert!(!err.to_string().contains("<wasm function"), "{err}");
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

/// Input that is neither a wasm binary nor WAT text is refused saying why;
/// a file's WAT errors name the file.
#[test]
fn neither_binary_nor_text_says_why_and_wat_errors_name_the_file() {
    let rt = runtime();
    let not_utf8 = rt.compile(&[0x7e, 0x45, 0xff, 0xfe]).unwrap_err();
    assert_eq!(not_utf8.code(), ErrorCode::CompileError);
    assert!(
        not_utf8
            .to_string()
            .starts_with("input is neither a wasm binary"),
        "{not_utf8}"
    );
    assert!(
        not_utf8.to_string().contains("(it is not UTF-8)"),
        "{not_utf8}"
    );
    let script = rt
        .compile(b";; a comment\n(; a (; nested ;) one ;)\n  #!/bin/sh\n")
        .unwrap_err();
    assert!(
        script
            .to_string()
            .contains(r##"(line 3 starts with "#!/bin/sh\n", not "(")"##),
        "{script}"
    );
    let dir = scratch("errors-wat-file");
    let bad = dir.join("bad.wat");
    std::fs::write(&bad, "(module\n  (func i32.frobnicate))\n").unwrap();
    let err = rt.compile_file(&bad).unwrap_err();
    assert!(
        err.to_string().contains(&format!("{}:2:", bad.display())),
        "{err}"
    );
    let text = dir.join("notes.txt");
    std::fs::write(&text, "hello").unwrap();
    let err = rt.compile_file(&text).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("`{}` is neither", text.display())),
        "{err}"
    );
}
