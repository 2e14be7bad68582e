//! Embeds the runtime-wasm core from Rust: compile a module (WAT text or a
//! `.wasm` binary), instantiate it with nothing granted, call its `add`
//! export and print the result.
//!
//! ```text
//! cargo run -p runtime-wasm --example embed
//! ```
use runtime_wasm::{Arg, InstanceConfig, Runtime, RuntimeOptions, Value};

const ADD: &str = r#"
(module
  (func (export "add") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.add))
"#;

fn main() -> runtime_wasm::Result<()> {
    // One runtime holds modules and instances under one policy (default:
    // everything denied).
    let runtime = Runtime::new(RuntimeOptions::default())?;
    let module = runtime.compile(ADD.as_bytes())?;
    let instance = runtime.instantiate(module, &InstanceConfig::default())?;

    // Arguments convert by the export's signature; results come back typed.
    let results =
        instance.run_sync(|live| live.call("add", &[Arg::Number(2.0), Arg::Number(3.0)]))?;
    let [Value::I32(sum)] = results.as_slice() else {
        panic!("add returned {results:?}");
    };
    println!("add(2, 3) = {sum}");

    runtime.drop_instance(&instance)?;
    Ok(())
}

// `cargo test` runs the example too (`test = true` in Cargo.toml).
#[test]
fn embed_runs() {
    main().unwrap();
}
