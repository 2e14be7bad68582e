//! WASI preview 2 commands: a component importing `wasi:*` gets the same
//! WASI setup as a preview 1 module (preopens, read-only ones included,
//! env, args, stdin, captured output), `run` calls its `wasi:cli/run`, and
//! fuel and deadlines stop it.
use crate::common::*;
use runtime_wasm::{
    ErrorCode, InstanceConfig, Limits, Policy, Preopen, Runtime, RuntimeOptions, WasiConfig,
};
use std::time::Duration;

/// `fixtures/components/command/command.c` through the preview 1 adapter.
fn command(rt: &Runtime, wasi: WasiConfig, limits: Limits) -> runtime_wasm::Result<String> {
    let id = rt.compile(&fixture("components/command/command.wasm"))?;
    let inst = rt.instantiate(
        id,
        &InstanceConfig {
            wasi,
            limits,
            ..Default::default()
        },
    )?;
    let out = inst.run_sync(|l| l.run())?;
    Ok(format!(
        "exit {}\n{}--\n{}",
        out.exit_code,
        String::from_utf8(out.stdout.unwrap_or_default()).unwrap(),
        String::from_utf8(out.stderr.unwrap_or_default()).unwrap()
    ))
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn captured() -> WasiConfig {
    WasiConfig {
        capture_stdout: true,
        capture_stderr: true,
        ..Default::default()
    }
}

#[test]
fn a_command_component_sees_its_args_env_stdin_and_preopens() {
    let dir = scratch("p2-report");
    let (input, output) = (dir.join("in"), dir.join("out"));
    std::fs::create_dir_all(&input).unwrap();
    std::fs::create_dir_all(&output).unwrap();
    std::fs::write(input.join("input.txt"), "some text").unwrap();
    let rt = runtime();
    let wasi = WasiConfig {
        args: args(&["command", "report", "/in/input.txt", "/out/output.txt"]),
        env: vec![
            ("B".into(), "2".into()),
            ("A".into(), "1".into()),
            ("EXIT_CODE".into(), "0".into()),
        ],
        stdin: Some(b"from stdin".to_vec()),
        preopens: vec![
            Preopen {
                guest: "/in".into(),
                host: input.clone(),
                readonly: true,
            },
            Preopen {
                guest: "/out".into(),
                host: output.clone(),
                readonly: false,
            },
        ],
        ..captured()
    };
    let out = command(&rt, wasi.clone(), Limits::default()).unwrap();
    assert_eq!(
        out,
        "exit 0\n\
         arg 0: command\narg 1: report\narg 2: /in/input.txt\narg 3: /out/output.txt\n\
         env: B=2\nenv: A=1\nenv: EXIT_CODE=0\n\
         stdin: 10 bytes: from stdin\n\
         read /in/input.txt: some text\nwrote /out/output.txt\n--\nto stderr\n"
    );
    assert_eq!(
        std::fs::read_to_string(output.join("output.txt")).unwrap(),
        "SOME TEXT"
    );

    // A read-only preopen refuses the write. Through the preview 1
    // adapter, any exit code but 0 arrives as `exit(err)`: exit code 1.
    let mut ro = wasi.clone();
    ro.args[3] = "/in/output.txt".into();
    ro.env[2].1 = "3".into();
    let out = command(&rt, ro, Limits::default()).unwrap();
    assert!(out.starts_with("exit 1\n"), "{out}");
    assert!(
        out.contains("cannot write /in/output.txt: Operation not permitted"),
        "{out}"
    );
    assert!(!input.join("output.txt").exists());
}

#[test]
fn a_command_component_sees_nothing_it_was_not_given() {
    let rt = runtime();
    // No preopens, no env: the file is beyond reach (wasi-libc finds no
    // preopen for the path), and `main` returning 2 is exit code 1.
    let out = command(
        &rt,
        WasiConfig {
            args: args(&["command", "report", "/in/input.txt", "/out/x"]),
            ..captured()
        },
        Limits::default(),
    )
    .unwrap();
    assert_eq!(
        out,
        "exit 1\narg 0: command\narg 1: report\narg 2: /in/input.txt\narg 3: /out/x\n\
         stdin: 0 bytes: \n--\ncannot read /in/input.txt: Capabilities insufficient\n"
    );
}

#[test]
fn fuel_and_deadlines_stop_a_command_component() {
    let rt = runtime();
    let spin = || WasiConfig {
        args: args(&["command", "spin"]),
        ..Default::default()
    };
    let err = command(
        &rt,
        spin(),
        Limits {
            fuel: Some(50_000_000),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::FuelExhausted, "{err}");
    let err = command(
        &rt,
        spin(),
        Limits {
            timeout: Some(Duration::from_millis(200)),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Timeout, "{err}");
}

#[test]
fn preopens_of_a_component_answer_to_the_policy() {
    let allowed = scratch("p2-policy-allowed");
    let outside = scratch("p2-policy-outside");
    let rt = Runtime::new(RuntimeOptions {
        policy: Policy {
            read: None,
            preopen: Some(vec![allowed.clone()]),
        },
        ..Default::default()
    })
    .unwrap();
    let with = |host| WasiConfig {
        preopens: vec![Preopen {
            guest: "/d".into(),
            host,
            readonly: true,
        }],
        ..captured()
    };
    let err = command(&rt, with(outside), Limits::default()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::PermissionDenied, "{err}");
    let err = command(&rt, with(allowed.join("missing")), Limits::default()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::WasiError, "{err}");
    assert_eq!(
        command(&rt, with(allowed), Limits::default()).unwrap(),
        "exit 0\nstdin: 0 bytes: \n--\n"
    );
}

#[test]
fn a_component_importing_wasi_http_is_refused_naming_it() {
    let rt = runtime();
    let wat = r#"(component
      (import "wasi:http/outgoing-handler@0.2.0" (instance))
    )"#;
    let id = rt.compile(wat.as_bytes()).unwrap();
    let err = rt.instantiate(id, &Default::default()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InstantiateError, "{err}");
    assert!(
        err.to_string()
            .contains("missing import `wasi:http/outgoing-handler@0.2.0`"),
        "{err}"
    );
}

#[test]
fn max_open_files_caps_a_component_s_descriptors() {
    let dir = scratch("p2-open-files");
    std::fs::write(dir.join("input.txt"), "x").unwrap();
    let rt = runtime();
    let open = |n: &str, cap: Option<u64>| {
        let wasi = WasiConfig {
            args: args(&["command", "open", "/in/input.txt", n]),
            preopens: vec![Preopen {
                guest: "/in".into(),
                host: dir.clone(),
                readonly: true,
            }],
            ..captured()
        };
        let limits = Limits {
            max_open_files: cap,
            ..Default::default()
        };
        command(&rt, wasi, limits).unwrap()
    };
    // The preopen is one of the five; the guest is refused the fifth file
    // before any host descriptor is taken, and goes on running.
    assert_eq!(
        open("10", Some(5)),
        "exit 0\nopened 4\nthen: Out of memory\n--\n"
    );
    assert_eq!(open("40", None), "exit 0\nopened 40\n--\n");
}
