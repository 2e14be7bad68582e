//! Components load and describe themselves: told from modules by their
//! header, compiled once for the plain engine (through the disk cache and
//! as precompiled artifacts), their world printed as WIT. Their instances'
//! functions take and give values in jco's shapes, every conversion
//! checked, under the same limits as modules.
use crate::common::*;
use runtime_wasm::{
    Answer, Arg, ComponentItemInfo, ErrorCode, Instance, InstanceConfig, Lifted, Limits, Runtime,
    RuntimeOptions,
};
use std::sync::Arc;

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
    // Module-only operations say what the handle is; an import nothing
    // gives is 5001 naming it.
    let err = rt.module_info(id).unwrap_err();
    assert_eq!(err.code(), ErrorCode::TypeError, "{err}");
    assert!(err.to_string().contains("is a component"), "{err}");
    let err = rt.instantiate(id, &Default::default()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InstantiateError, "{err}");
    assert!(
        err.to_string()
            .contains("missing import `test:demo/logger#log`"),
        "{err}"
    );
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

/// An instance of `fixtures/components/types/types.wasm` (built from C by
/// `fixtures/components/build.sh`) with `limits`.
fn types(rt: &Runtime, limits: Limits) -> Arc<Instance> {
    let id = rt.compile(&fixture("components/types/types.wasm")).unwrap();
    let config = InstanceConfig {
        limits,
        ..Default::default()
    };
    rt.instantiate(id, &config).unwrap()
}

fn s(x: &str) -> Arg {
    Arg::Str(x.into())
}

/// Properties with owned keys, for an object argument or result.
fn props<T: Clone>(props: &[(&str, T)]) -> Vec<(String, T)> {
    props
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn obj(p: &[(&str, Arg)]) -> Arg {
    Arg::Object(props(p))
}

fn lobj(p: &[(&str, Lifted)]) -> Lifted {
    Lifted::Object(props(p))
}

/// Calls `name` of `api`.
fn call(inst: &Instance, name: &str, args: &[Arg]) -> Answer {
    let name = format!("test:types/api@0.1.0#{name}");
    inst.run_sync(|l| l.call_component(&name, args)).unwrap()
}

fn one(answer: Answer) -> Lifted {
    match answer {
        Answer::Ok(mut v) if v.len() == 1 => v.remove(0),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_component_function_is_called_by_name() {
    let rt = runtime();
    let id = rt.compile(DOUBLER.as_bytes()).unwrap();
    let inst = rt.instantiate(id, &Default::default()).unwrap();
    assert!(inst.is_component());
    assert_eq!(inst.functions()[0].path, ["double"]);
    let answer = inst
        .run_sync(|l| l.call_component("double", &[n(21.0)]))
        .unwrap();
    assert_eq!(answer, Answer::Ok(vec![Lifted::Number(42.0)]));
    // Module operations find nothing to work on.
    let err = inst.run_sync(|l| l.call("double", &[n(1.0)])).unwrap_err();
    assert_eq!(err.code(), ErrorCode::ExportNotFound, "{err}");
    let err = inst.run_sync(|l| l.memory(None).map(|_| ())).unwrap_err();
    assert_eq!(err.code(), ErrorCode::MemoryError, "{err}");
    let err = inst
        .run_sync(|l| l.call_component("triple", &[]))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ExportNotFound, "{err}");
    let err = inst
        .run_sync(|l| l.call_component("double", &[]))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::TypeError, "{err}");
    assert!(err.to_string().contains("takes 1 argument, got 0"), "{err}");
}

#[test]
fn every_wit_type_round_trips_in_jco_shapes() {
    let rt = runtime();
    let inst = types(&rt, Limits::default());
    let echo = one(call(&inst, "echo-string", &[s("h\u{e9}llo \u{1f389}")]));
    assert_eq!(echo, Lifted::Str("h\u{e9}llo \u{1f389}".into()));
    let max = Arg::BigInt {
        negative: false,
        words: vec![u64::MAX],
    };
    let sum = one(call(&inst, "add-u64", &[max, n(1.0)]));
    assert_eq!(sum, Lifted::BigInt(0));
    let neg = one(call(&inst, "neg-s64", &[big(i64::MIN + 1)]));
    assert_eq!(neg, Lifted::BigInt(i128::from(i64::MAX)));
    let mixed = [
        n(255.0),
        n(-128.0),
        n(65535.0),
        n(-32768.0),
        n(1.5),
        n(-0.0),
        s("\u{1f389}"),
        Arg::Bool(true),
    ];
    let Lifted::Array(out) = one(call(&inst, "mix", &mixed)) else {
        panic!()
    };
    assert_eq!(
        out[..4],
        [255.0, -128.0, 65535.0, -32768.0].map(Lifted::Number)
    );
    assert_eq!(out[4], Lifted::Number(1.5));
    assert!(matches!(out[5], Lifted::Number(z) if z == 0.0 && z.is_sign_negative()));
    assert_eq!(
        out[6..],
        [Lifted::Str("\u{1f389}".into()), Lifted::Bool(true)]
    );
    let bytes = one(call(&inst, "reverse-bytes", &[Arg::Bytes(vec![1, 2, 3])]));
    assert_eq!(bytes, Lifted::Bytes(vec![3, 2, 1]));
    let none = one(call(&inst, "reverse-bytes", &[Arg::List(vec![])]));
    assert_eq!(none, Lifted::Bytes(vec![]));
    let total = one(call(
        &inst,
        "sum-list",
        &[Arg::List(vec![n(1.0), n(-2.0), n(40.0)])],
    ));
    assert_eq!(total, Lifted::Number(39.0));
    // Records: lowerCamelCase keys; an absent option field is none.
    let person = obj(&[
        ("name", s("Ann")),
        ("age", n(41.0)),
        ("tags", Arg::List(vec![s("a")])),
    ]);
    let older = one(call(&inst, "older", &[person]));
    assert_eq!(
        older,
        lobj(&[
            ("name", Lifted::Str("Ann".into())),
            ("age", Lifted::Number(42.0)),
            ("tags", Lifted::Array(vec![Lifted::Str("a".into())])),
            ("home", Lifted::Undefined),
        ])
    );
    let circle = obj(&[("tag", s("circle")), ("val", n(2.0))]);
    assert_eq!(one(call(&inst, "area", &[circle])), Lifted::Number(12.0));
    let empty = obj(&[("tag", s("empty"))]);
    assert_eq!(one(call(&inst, "area", &[empty])), Lifted::Number(0.0));
    assert_eq!(
        one(call(&inst, "next-color", &[s("blue")])),
        Lifted::Str("red".into())
    );
    let flipped = one(call(&inst, "flip", &[obj(&[("read", Arg::Bool(true))])]));
    let f = |b| Lifted::Bool(b);
    assert_eq!(
        flipped,
        lobj(&[("read", f(false)), ("write", f(true)), ("exec", f(true))])
    );
    // A returned `result`: the value, or its error as the answer's.
    assert_eq!(
        one(call(&inst, "checked-div", &[n(7.0), n(2.0)])),
        Lifted::Number(3.0)
    );
    let err = call(&inst, "checked-div", &[n(1.0), n(0.0)]);
    assert_eq!(err, Answer::Err(Lifted::Str("division by zero".into())));
    assert_eq!(
        one(call(&inst, "first", &[Arg::List(vec![])])),
        Lifted::Undefined
    );
    // `option<option<T>>`: the outer one is `{ tag, val }`.
    let some_none = obj(&[("tag", s("some")), ("val", Arg::Undefined)]);
    let back = one(call(&inst, "maybe-maybe", &[some_none]));
    assert_eq!(
        back,
        lobj(&[
            ("tag", Lifted::Str("some".into())),
            ("val", Lifted::Undefined)
        ])
    );
    let none = one(call(&inst, "maybe-maybe", &[Arg::Undefined]));
    assert_eq!(none, lobj(&[("tag", Lifted::Str("none".into()))]));
    let swapped = call(&inst, "swap", &[obj(&[("tag", s("ok")), ("val", n(5.0))])]);
    assert_eq!(swapped, Answer::Err(Lifted::Number(5.0)));
    // Short names: the interface without its version, or its name alone.
    for name in ["test:types/api#sum-list", "api#sum-list"] {
        let answer = inst
            .run_sync(|l| l.call_component(name, &[Arg::List(vec![])]))
            .unwrap();
        assert_eq!(answer, Answer::Ok(vec![Lifted::Number(0.0)]));
    }
}

/// Good arguments for `mix`, but for argument `i`.
fn mix_with(i: usize, arg: Arg) -> Vec<Arg> {
    let mut args = vec![
        n(1.0),
        n(0.0),
        n(0.0),
        n(0.0),
        n(0.0),
        n(0.0),
        s("a"),
        Arg::Bool(true),
    ];
    args[i] = arg;
    args
}

#[test]
fn a_bad_argument_names_its_path_and_the_instance_goes_on() {
    let rt = runtime();
    let inst = types(&rt, Limits::default());
    let bad = |name: &str, args: &[Arg], says: &str| {
        let name = format!("test:types/api@0.1.0#{name}");
        let err = inst
            .run_sync(|l| l.call_component(&name, args))
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::TypeError, "{err}");
        assert!(err.to_string().contains(says), "{err} / {says}");
    };
    let tags = Arg::List(vec![s("a"), n(3.0)]);
    let person = obj(&[("name", s("Ann")), ("age", n(1.0)), ("tags", tags)]);
    bad(
        "older",
        &[person],
        "arg 0 .tags[1]: expected string, got number 3",
    );
    bad(
        "older",
        &[obj(&[("name", s("Ann"))])],
        "arg 0 .age: missing (u8)",
    );
    bad(
        "mix",
        &mix_with(0, n(256.0)),
        "arg 0: 256 is out of range for u8",
    );
    bad(
        "mix",
        &mix_with(1, n(0.5)),
        "arg 1: expected s8 (an integer)",
    );
    bad("mix", &mix_with(6, s("ab")), "arg 6: expected char");
    bad(
        "add-u64",
        &[n(-1.0), n(0.0)],
        "arg 0: -1 is out of range for u64",
    );
    bad(
        "add-u64",
        &[n(2f64.powi(60)), n(0.0)],
        "expected u64 (a safe integer or a bigint)",
    );
    bad(
        "next-color",
        &[s("mauve")],
        "expected one of red, green, blue, got \"mauve\"",
    );
    bad(
        "area",
        &[obj(&[("tag", s("hexagon"))])],
        "arg 0 .tag: expected one of circle, rect, empty",
    );
    bad(
        "flip",
        &[obj(&[("rwx", Arg::Bool(true))])],
        "arg 0 .rwx: no such flag",
    );
    bad(
        "sum-list",
        &[Arg::Other("a value nested deeper than 100 levels".into())],
        "got a value nested deeper",
    );
    bad(
        "total",
        &[n(1.0)],
        "arg 0: expected a resource, got number 1",
    );
    // Nothing ran: the instance answers as before.
    assert_eq!(
        one(call(&inst, "sum-list", &[Arg::List(vec![n(2.0)])])),
        Lifted::Number(2.0)
    );
}

#[test]
fn limits_hold_on_a_component() {
    let rt = runtime();
    let timed = types(
        &rt,
        Limits {
            timeout: Some(std::time::Duration::from_millis(50)),
            ..Default::default()
        },
    );
    let err = timed
        .run_sync(|l| l.call_component("api#spin", &[]))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Timeout, "{err}");
    let fueled = types(
        &rt,
        Limits {
            fuel: Some(1_000_000),
            ..Default::default()
        },
    );
    let err = fueled
        .run_sync(|l| l.call_component("api#spin", &[]))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::FuelExhausted, "{err}");
    // A trap ends a component instance: later calls say so.
    let err = fueled
        .run_sync(|l| l.call_component("api#sum-list", &[Arg::List(vec![])]))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::CallError, "{err}");
    assert!(err.to_string().contains("cannot be entered again"), "{err}");
    let capped = types(
        &rt,
        Limits {
            max_memory_bytes: Some(4 << 20),
            ..Default::default()
        },
    );
    assert_eq!(
        one(call(&capped, "grow", &[n(1000.0)])),
        Lifted::Number(-1.0)
    );
}

#[test]
fn guest_values_past_the_caps_fail_the_call() {
    let rt = runtime();
    // A list claiming 1 GiB at a 16-byte buffer.
    let inst = types(&rt, Limits::default());
    let err = inst
        .run_sync(|l| l.call_component("api#forged-list", &[n((1u32 << 30).into())]))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::LimitExceeded, "{err}");
    // A real string past `max_value_bytes`, and one within it.
    let small = Limits {
        max_value_bytes: Some(1 << 20),
        ..Default::default()
    };
    let inst = types(&rt, small);
    let err = inst
        .run_sync(|l| l.call_component("api#repeat", &[s("ab"), n((1u32 << 20).into())]))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::LimitExceeded, "{err}");
    let inst = types(&rt, small);
    let answer = inst
        .run_sync(|l| l.call_component("api#repeat", &[s("ab"), n(3.0)]))
        .unwrap();
    assert_eq!(answer, Answer::Ok(vec![Lifted::Str("ababab".into())]));
}

/// The resource a call gave.
fn handle(answer: Answer) -> (runtime_wasm::ResourceRef, String) {
    match one(answer) {
        Lifted::Resource { handle, class } => (handle, class.to_string()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn resources_are_made_called_borrowed_moved_and_dropped() {
    let rt = runtime();
    let inst = types(&rt, Limits::default());
    let (c, class) = handle(call(&inst, "[constructor]counter", &[n(5.0)]));
    assert_eq!(class, "test:types/api@0.1.0#counter");
    let r = Arg::Resource(c);
    let by = |x: f64| [r.clone(), n(x)];
    assert_eq!(
        one(call(&inst, "[method]counter.increment", &by(2.0))),
        Lifted::Number(7.0)
    );
    // Borrowed: the host keeps it.
    assert_eq!(
        one(call(&inst, "total", &[Arg::Resource(c)])),
        Lifted::Number(7.0)
    );
    assert_eq!(
        one(call(&inst, "[method]counter.get", &[Arg::Resource(c)])),
        Lifted::Number(7.0)
    );
    let (m, _) = handle(call(&inst, "[static]counter.make", &[n(3.0)]));
    // Moved into the guest: the host no longer has it.
    assert_eq!(
        one(call(&inst, "consume", &[Arg::Resource(m)])),
        Lifted::Number(30.0)
    );
    let gone = |r: runtime_wasm::ResourceRef, says: &str| {
        let name = "test:types/api@0.1.0#[method]counter.get";
        let err = inst
            .run_sync(|l| l.call_component(name, &[Arg::Resource(r)]))
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::TypeError, "{err}");
        assert!(err.to_string().contains(says), "{err}");
    };
    gone(m, "disposed or moved into the guest");
    // Dropped: its destructor runs; dropping again does nothing.
    inst.run_sync(|l| l.drop_resource(c)).unwrap();
    inst.run_sync(|l| l.drop_resource(c)).unwrap();
    gone(c, "disposed or moved into the guest");
    // Another instance's resource is refused, whatever its number.
    let other = types(&rt, Limits::default());
    let (o, _) = handle(call(&other, "[constructor]counter", &[n(1.0)]));
    let err = inst
        .run_sync(|l| l.call_component("api#total", &[Arg::Resource(o)]))
        .unwrap_err();
    assert!(err.to_string().contains("another instance"), "{err}");
    let err = inst.run_sync(|l| l.drop_resource(o)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::TypeError, "{err}");
    assert_eq!(
        one(call(&other, "total", &[Arg::Resource(o)])),
        Lifted::Number(1.0)
    );
}

#[test]
fn a_wide_record_round_trips() {
    let rt = runtime();
    let inst = types(&rt, Limits::default());
    let wide = obj(&[
        ("id", n(1.0)),
        ("name", s("n")),
        ("score", n(1.5)),
        ("active", Arg::Bool(true)),
        ("balance", big(-5)),
        ("level", n(3.0)),
        ("email", s("e")),
        ("ratio", n(0.5)),
        ("tags", Arg::List(vec![s("t")])),
        ("avatar", Arg::Bytes(vec![1])),
    ]);
    let Lifted::Object(out) = one(call(&inst, "bump", &[wide])) else {
        panic!()
    };
    let keys: Vec<_> = out.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        ["id", "name", "score", "active", "balance", "level", "email", "ratio", "tags", "avatar"]
    );
    assert_eq!(out[0].1, Lifted::Number(2.0));
    assert_eq!(out[4].1, Lifted::BigInt(-5));
}

/// An instance of `fixtures/components/host/host.wasm` whose imports are
/// `imports` (interface, function, host function).
fn host_component(
    rt: &Runtime,
    imports: Vec<(&str, &str, runtime_wasm::Import)>,
) -> runtime_wasm::Result<Arc<Instance>> {
    let id = rt.compile(&fixture("components/host/host.wasm")).unwrap();
    let mut config = InstanceConfig::default();
    for (interface, name, import) in imports {
        config.imports.add(interface, name, import);
    }
    rt.instantiate(id, &config)
}

#[test]
fn imported_interfaces_are_host_functions_with_values_both_ways() {
    let rt = runtime();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = {
        let seen = seen.clone();
        host(move |call| {
            seen.lock()
                .unwrap()
                .push(call.lifted_args().unwrap().to_vec());
            Ok(Arg::Undefined)
        })
    };
    let count = {
        let seen = seen.clone();
        host(move |_| Ok(n(seen.lock().unwrap().len() as f64)))
    };
    let next = host(|call| match call.lifted_args().unwrap() {
        [Lifted::Number(i)] if *i < 3.0 => Ok(s(&format!("s{i}"))),
        _ => Ok(Arg::Undefined),
    });
    let fetch = host(|call| match call.lifted_args().unwrap() {
        [Lifted::Str(k)] if k == "bad" => Ok(Arg::Err(Box::new(s("no such key")))),
        [Lifted::Str(k)] => Ok(Arg::Bytes(vec![0; k.len()])),
        other => panic!("{other:?}"),
    });
    // By the interface's full or unversioned name; by the function's
    // lowerCamelCase or WIT name.
    let inst = host_component(
        &rt,
        vec![
            ("test:host/logger@0.1.0", "log", log),
            ("test:host/logger", "count", count),
            ("test:host/source", "next", next),
            ("test:host/source", "fetch", fetch),
        ],
    )
    .unwrap();
    let call = |name: &str, args: &[Arg]| inst.run_sync(|l| l.call_component(name, args)).unwrap();
    assert_eq!(one(call("app#log-twice", &[s("hi")])), Lifted::Number(2.0));
    let entry = |level: f64| {
        vec![lobj(&[
            ("level", Lifted::Number(level)),
            ("message", Lifted::Str("hi".into())),
        ])]
    };
    assert_eq!(*seen.lock().unwrap(), [entry(1.0), entry(2.0)]);
    assert_eq!(one(call("app#gather", &[])), Lifted::Str("s0,s1,s2".into()));
    assert_eq!(one(call("app#fetched", &[s("abcd")])), Lifted::BigInt(4));
    // `Arg::Err` answers the error of a `result` the function returns.
    assert_eq!(one(call("app#fetched", &[s("bad")])), Lifted::BigInt(-1));
}

#[test]
fn an_import_nothing_gives_or_a_bad_answer_is_an_error_naming_it() {
    let rt = runtime();
    let ok = || host(|_| Ok(Arg::Undefined));
    let err = host_component(&rt, vec![("test:host/logger", "log", ok())]).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InstantiateError, "{err}");
    assert!(
        err.to_string()
            .contains("missing import `test:host/logger@0.1.0#count`"),
        "{err}"
    );
    let all = |count: runtime_wasm::Import| {
        vec![
            ("test:host/logger", "log", ok()),
            ("test:host/logger", "count", count),
            ("test:host/source", "next", ok()),
            ("test:host/source", "fetch", ok()),
        ]
    };
    let err = host_component(
        &rt,
        all(runtime_wasm::Import::NotAFunction("number".into())),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("`test:host/logger@0.1.0#count` must be a function"),
        "{err}"
    );
    // An answer of the wrong type fails the call (5007), naming the function.
    let inst = host_component(&rt, all(host(|_| Ok(s("many"))))).unwrap();
    let err = inst
        .run_sync(|l| l.call_component("app#log-twice", &[s("x")]))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::TypeError, "{err}");
    assert!(
        err.to_string()
            .contains("the result of host function `test:host/logger@0.1.0#count`: expected u32"),
        "{err}"
    );
}

#[test]
fn a_components_exports_are_described_as_typescript() {
    let rt = runtime();
    let id = rt.compile(&fixture("components/types/types.wasm")).unwrap();
    let dts = rt.component_info(id).unwrap().dts;
    for line in [
        "export declare namespace api {",
        "  export interface Point {\n    x: number;\n    y: number;\n  }",
        "    home?: api.Point | undefined;",
        "  export type Color = \"red\" | \"green\" | \"blue\";",
        "  export class Counter {\n    constructor(start: number);",
        "    static make(start: number): api.Counter;",
        "  export function addU64(a: bigint, b: bigint): bigint;",
        // A returned result is its `ok` value (its error is thrown).
        "  export function checkedDiv(a: number, b: number): number;",
        "export { api as \"test:types/api@0.1.0\" };",
    ] {
        assert!(dts.contains(line), "{line}\n---\n{dts}");
    }
    let id = rt.compile(&adder()).unwrap();
    let dts = rt.component_info(id).unwrap().dts;
    assert!(
        dts.contains("export declare function add(a: number, b: number): number;"),
        "{dts}"
    );
}

#[test]
fn a_batch_of_component_calls_ends_at_the_first_returned_error() {
    let rt = runtime();
    let inst = types(&rt, Limits::default());
    let batches = [
        vec![n(4.0), n(2.0)],
        vec![n(1.0), n(0.0)],
        vec![n(9.0), n(3.0)],
    ];
    let answers = inst
        .run_sync(|l| l.call_component_many("api#checked-div", &batches))
        .unwrap();
    assert_eq!(
        answers,
        [
            Answer::Ok(vec![Lifted::Number(2.0)]),
            Answer::Err(Lifted::Str("division by zero".into())),
        ]
    );
}
