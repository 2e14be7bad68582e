//! Compiling binary and text modules, validation, introspection and the
//! content cache.
use crate::common::*;
use runtime_wasm::{Error, ErrorCode, ExternInfo};

#[test]
fn wat_and_binary_compile_to_the_same_module() {
    let rt = runtime();
    let from_text = module(&rt, "add.wat");
    let binary = wat::parse_bytes(&fixture("add.wat")).unwrap().into_owned();
    let from_binary = rt.compile(&binary).unwrap();
    assert_ne!(from_text, from_binary, "each compile gets its own handle");
    assert!(
        rt.same_compiled(from_text, from_binary).unwrap(),
        "one compiled module"
    );
}

#[test]
fn malformed_bytes_give_5000_with_offset() {
    let rt = runtime();
    let err = rt.compile(b"\0asm\x01\0\0\0\x09").unwrap_err();
    assert_eq!(err.code(), ErrorCode::CompileError);
    assert!(
        matches!(
            err,
            Error::Compile {
                offset: Some(9),
                ..
            }
        ),
        "{err:?}"
    );
    let err = rt.compile(b"(module (func (result i32)))").unwrap_err();
    assert_eq!(err.code(), ErrorCode::CompileError);
    let err = rt.compile(&[0xff, 0xfe, 0x00]).unwrap_err();
    assert_eq!(err.code(), ErrorCode::CompileError);
}

#[test]
fn validate_answers_without_registering() {
    let rt = runtime();
    assert!(rt.validate(&fixture("add.wat")));
    assert!(!rt.validate(b"\0asm\x02\0\0\0"));
    assert!(!rt.validate(b"not wasm"));
}

#[test]
fn module_info_lists_typed_imports_and_exports() {
    let rt = runtime();
    let info = rt.module_info(module(&rt, "imports.wat")).unwrap();
    assert_eq!(info.imports.len(), 1);
    assert_eq!(info.imports[0].module, "env");
    assert_eq!(info.imports[0].name, "log");
    assert_eq!(
        info.imports[0].ty,
        ExternInfo::Func {
            params: vec!["i32".into(), "i32".into()],
            results: vec![]
        }
    );
    let info = rt.module_info(module(&rt, "memory.wat")).unwrap();
    let mem = info.exports.iter().find(|e| e.name == "memory").unwrap();
    assert_eq!(
        mem.ty,
        ExternInfo::Memory {
            minimum: 1,
            maximum: Some(4),
            shared: false,
            memory64: false
        }
    );
    let info = rt.module_info(module(&rt, "add.wat")).unwrap();
    let g = info.exports.iter().find(|e| e.name == "g").unwrap();
    assert_eq!(
        g.ty,
        ExternInfo::Global {
            ty: "i32".into(),
            mutable: false
        }
    );
    let swap = info.exports.iter().find(|e| e.name == "swap").unwrap();
    assert_eq!(
        swap.ty,
        ExternInfo::Func {
            params: vec!["i32".into(), "f64".into()],
            results: vec!["f64".into(), "i32".into()]
        }
    );
}

#[test]
fn compile_file_reads_text_and_binary_and_reports_io_errors() {
    let rt = runtime();
    let id = rt.compile_file(fixture_path("add.wat")).unwrap();
    assert!(rt.module_info(id).is_ok());
    let id = rt.compile_file(fixture_path("c/files.wasm")).unwrap();
    assert!(rt.module_info(id).unwrap().imports.len() > 3);
    let err = rt.compile_file(fixture_path("missing.wasm")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::IoError);
}

#[test]
fn dropping_a_module_invalidates_its_handle() {
    let rt = runtime();
    let id = module(&rt, "add.wat");
    rt.drop_module(id).unwrap();
    assert_eq!(
        rt.module_info(id).unwrap_err().code(),
        ErrorCode::InvalidModuleHandle
    );
    assert_eq!(
        rt.drop_module(id).unwrap_err().code(),
        ErrorCode::InvalidModuleHandle
    );
    let other = runtime();
    let foreign = module(&other, "add.wat");
    assert_eq!(
        rt.module_info(foreign).unwrap_err().code(),
        ErrorCode::InvalidModuleHandle
    );
}

#[test]
fn validate_agrees_with_compile_where_the_validator_alone_would_not() {
    // A mutant of clock.wat found by the JS robustness suite: the engine's
    // validator accepts its custom-descriptors encoding, its compiler refuses
    // it. validate() must answer as compile() does.
    let mut bin = runtime_wasm::wat2wasm(&fixture("clock.wat")).unwrap();
    for (at, flip) in [(69, 32), (80, 8), (114, 128), (201, 8)] {
        bin[at] ^= flip;
    }
    let engine = wasmtime::Engine::default();
    assert!(wasmtime::Module::validate(&engine, &bin).is_ok());
    let rt = runtime();
    assert!(!rt.validate(&bin));
    assert_eq!(
        rt.compile(&bin).unwrap_err().code(),
        ErrorCode::CompileError
    );
}
