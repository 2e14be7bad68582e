//! Components load and describe themselves: told from modules by their
//! header, compiled once for the plain engine (through the disk cache and
//! as precompiled artifacts), their world printed as WIT.
use crate::common::*;
use runtime_wasm::{ComponentItemInfo, ErrorCode, Runtime, RuntimeOptions};

/// `fixtures/components/adder.wat`: exports `add` and imports the
/// interface `test:demo/logger`.
fn adder() -> Vec<u8> {
    fixture("components/adder.wat")
}

/// Exports `double` only.
const DOUBLER: &str = r#"(component
  (core module $m
    (func (export "double") (param i32) (result i32)
      local.get 0 local.get 0 i32.add))
  (core instance $i (instantiate $m))
  (func (export "double") (param "x" u32) (result u32)
    (canon lift (core func $i "double"))))"#;

fn item(name: &str, kind: &'static str) -> ComponentItemInfo {
    ComponentItemInfo {
        name: name.into(),
        kind,
    }
}

#[test]
fn a_component_compiles_and_describes_its_world() {
    let rt = runtime();
    let id = rt.compile(&adder()).unwrap();
    assert!(rt.is_component(id));
    let info = rt.component_info(id).unwrap();
    assert_eq!(info.exports, vec![item("add", "func")]);
    assert_eq!(info.imports, vec![item("test:demo/logger", "instance")]);
    assert!(
        info.wit
            .contains("export add: func(a: u32, b: u32) -> u32;"),
        "{}",
        info.wit
    );
    assert!(
        info.wit.contains("import test:demo/logger;"),
        "{}",
        info.wit
    );
    assert!(info.wit.contains("log: func(level: u32);"), "{}", info.wit);
    // Module-only operations say what the handle is; instantiation is not
    // there yet and says so.
    let err = rt.module_info(id).unwrap_err();
    assert_eq!(err.code(), ErrorCode::TypeError, "{err}");
    assert!(err.to_string().contains("is a component"), "{err}");
    let err = rt.instantiate(id, &Default::default()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InstantiateError, "{err}");
    assert!(err.to_string().contains("not supported yet"), "{err}");
    // Identical bytes share one compiled component.
    let again = rt.compile(&adder()).unwrap();
    assert!(rt.same_compiled(id, again).unwrap());
    let m = rt.compile(b"(module)").unwrap();
    assert!(!rt.is_component(m));
    assert_eq!(
        rt.component_info(m).unwrap_err().code(),
        ErrorCode::TypeError
    );
    rt.drop_module(id).unwrap();
    assert_eq!(
        rt.component_info(id).unwrap_err().code(),
        ErrorCode::InvalidModuleHandle
    );
}

#[test]
fn components_validate_and_bad_ones_are_compile_errors() {
    let rt = runtime();
    assert!(rt.validate(&adder()));
    let mut bytes = runtime_wasm::wat2wasm(&adder()).unwrap();
    assert!(rt.validate(&bytes));
    // Cut short: still a component by its header, but not a valid one.
    bytes.truncate(bytes.len() - 3);
    assert!(!rt.validate(&bytes));
    let err = rt.compile(&bytes).unwrap_err();
    assert_eq!(err.code(), ErrorCode::CompileError, "{err}");
    // A lift of a core function of the wrong type.
    let text = String::from_utf8(adder()).unwrap();
    let wrong = text.replace("(result u32)", "(result u64)");
    assert_ne!(wrong, text);
    assert!(!rt.validate(wrong.as_bytes()));
}

#[test]
fn a_precompiled_component_loads_as_the_component() {
    let rt = Runtime::new(RuntimeOptions {
        allow_precompiled: true,
        ..Default::default()
    })
    .unwrap();
    let artifact = rt.precompile(&adder()).unwrap();
    let path = scratch("precompiled-component").join("adder.cwasm");
    std::fs::write(&path, &artifact).unwrap();
    let id = rt.compile_file(&path).unwrap();
    assert!(rt.is_component(id));
    assert_eq!(
        rt.component_info(id).unwrap().exports,
        vec![item("add", "func")]
    );
}

#[test]
fn components_go_through_the_disk_cache() {
    let dir = scratch("component-cache");
    let cached = || {
        Runtime::new(RuntimeOptions {
            cache_dir: Some(dir.clone()),
            ..Default::default()
        })
        .unwrap()
    };
    let entries = || {
        let mut v: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "cwasm"))
            .collect();
        v.sort();
        v
    };
    cached().compile(&adder()).unwrap();
    let [entry] = &entries()[..] else {
        panic!("{:?}", entries())
    };
    cached().compile(DOUBLER.as_bytes()).unwrap();
    let doubler = entries().into_iter().find(|p| p != entry).unwrap();
    // The adder's entry now holds the doubler's (sound) code: a fresh
    // runtime loads it (the cache is trusted as the program is), which
    // shows the entry is what compiling the adder reads.
    std::fs::copy(&doubler, entry).unwrap();
    let rt = cached();
    let id = rt.compile(&adder()).unwrap();
    assert_eq!(
        rt.component_info(id).unwrap().exports,
        vec![item("double", "func")]
    );
    // A corrupt entry is rebuilt, not loaded.
    let mut bytes = std::fs::read(entry).unwrap();
    bytes[100] ^= 0xff;
    std::fs::write(entry, &bytes).unwrap();
    let rt = cached();
    let id = rt.compile(&adder()).unwrap();
    assert_eq!(
        rt.component_info(id).unwrap().exports,
        vec![item("add", "func")]
    );
}
