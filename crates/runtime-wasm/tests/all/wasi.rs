//! WASI preview1: stdio capture and stdin, exit codes, env and args, and a
//! real C program moving a file between two preopens.
use crate::common::*;
use runtime_wasm::{ErrorCode, InstanceConfig, Preopen, WasiConfig};

fn wasi(
    rt: &runtime_wasm::Runtime,
    name: &str,
    wasi: WasiConfig,
) -> runtime_wasm::Result<std::sync::Arc<runtime_wasm::Instance>> {
    let m = module(rt, name);
    rt.instantiate(
        m,
        &InstanceConfig {
            wasi,
            ..Default::default()
        },
    )
}

fn capture() -> WasiConfig {
    WasiConfig {
        capture_stdout: true,
        capture_stderr: true,
        ..Default::default()
    }
}

#[test]
fn run_captures_output_and_reports_exit_codes() {
    let rt = runtime();
    let inst = wasi(&rt, "wasi_hello.wat", capture()).unwrap();
    let out = inst.run_sync(|l| l.run()).unwrap();
    assert_eq!(out.exit_code, 0);
    assert_eq!(out.stdout.as_deref(), Some(&b"hello from wasi\n"[..]));
    assert_eq!(out.stderr.as_deref(), Some(&b"to stderr\n"[..]));

    let inst = wasi(
        &rt,
        "wasi_hello.wat",
        WasiConfig {
            stdin: Some(vec![7]),
            ..capture()
        },
    )
    .unwrap();
    let out = inst.run_sync(|l| l.run()).unwrap();
    assert_eq!(
        out.exit_code, 7,
        "proc_exit(7) is an exit code, not an error"
    );
    assert_eq!(out.stdout.as_deref(), Some(&b"hello from wasi\n"[..]));
}

#[test]
fn uncaptured_output_is_not_returned_and_take_drains() {
    let rt = runtime();
    let inst = wasi(
        &rt,
        "wasi_hello.wat",
        WasiConfig {
            capture_stdout: true,
            ..Default::default()
        },
    )
    .unwrap();
    inst.run_sync(|l| l.call("say", &[])).unwrap();
    inst.run_sync(|l| l.call("say", &[])).unwrap();
    assert_eq!(
        inst.run_sync(|l| Ok(l.take_stdout())).unwrap(),
        b"hello from wasi\nhello from wasi\n"
    );
    assert_eq!(inst.run_sync(|l| Ok(l.take_stdout())).unwrap(), b"");
    assert_eq!(inst.run_sync(|l| Ok(l.take_stderr())).unwrap(), b"");
    let out = inst.run_sync(|l| l.run()).unwrap();
    assert_eq!(out.stderr, None);
}

#[test]
fn proc_exit_inside_a_call_is_5010_with_the_exit_code() {
    let rt = runtime();
    let inst = wasi(&rt, "wasi_hello.wat", WasiConfig::default()).unwrap();
    for code in [0, 3] {
        let err = inst
            .run_sync(|l| l.call("quit", &[n(code as f64)]))
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::WasiError);
        assert_eq!(err.exit_code(), Some(code));
    }
}

#[test]
fn bad_wasi_config_is_5010() {
    let rt = runtime();
    let missing = WasiConfig {
        preopens: vec![Preopen {
            guest: "/x".into(),
            host: "/definitely/not/here".into(),
            readonly: false,
        }],
        ..Default::default()
    };
    assert_eq!(
        wasi(&rt, "wasi_hello.wat", missing).unwrap_err().code(),
        ErrorCode::WasiError
    );
    let both = WasiConfig {
        capture_stdout: true,
        inherit_stdout: true,
        ..Default::default()
    };
    assert_eq!(
        wasi(&rt, "wasi_hello.wat", both).unwrap_err().code(),
        ErrorCode::WasiError
    );
    let bad_env = WasiConfig {
        env: vec![("A=B".into(), "c".into())],
        ..Default::default()
    };
    assert_eq!(
        wasi(&rt, "wasi_hello.wat", bad_env).unwrap_err().code(),
        ErrorCode::WasiError
    );
}

#[test]
fn preopening_the_root_is_refused_by_default() {
    let rt = runtime();
    let root = WasiConfig {
        preopens: vec![Preopen {
            guest: "/".into(),
            host: "/".into(),
            readonly: true,
        }],
        ..Default::default()
    };
    assert_eq!(
        wasi(&rt, "wasi_hello.wat", root).unwrap_err().code(),
        ErrorCode::PermissionDenied
    );
}

fn files_config(
    input: &std::path::Path,
    output: &std::path::Path,
    out_readonly: bool,
) -> WasiConfig {
    WasiConfig {
        preopens: vec![
            Preopen {
                guest: "/in".into(),
                host: input.into(),
                readonly: true,
            },
            Preopen {
                guest: "/out".into(),
                host: output.into(),
                readonly: out_readonly,
            },
        ],
        env: vec![("GREETING".into(), "hey".into())],
        args: vec![
            "files".into(),
            "/in/data.txt".into(),
            "/out/copy.txt".into(),
        ],
        ..capture()
    }
}

#[test]
fn a_c_program_copies_a_file_between_preopens() {
    let rt = runtime();
    let input = scratch("wasi-c-in");
    let output = scratch("wasi-c-out");
    std::fs::write(input.join("data.txt"), "abc xyz\n").unwrap();
    let inst = wasi(&rt, "c/files.wasm", files_config(&input, &output, false)).unwrap();
    let out = inst.run_sync(|l| l.run()).unwrap();
    assert_eq!(
        out.exit_code,
        8,
        "stderr: {:?}",
        String::from_utf8_lossy(out.stderr.as_deref().unwrap())
    );
    assert_eq!(out.stdout.as_deref(), Some(&b"hey: copied 8 bytes\n"[..]));
    assert_eq!(
        std::fs::read_to_string(output.join("copy.txt")).unwrap(),
        "ABC XYZ\n"
    );
}

#[test]
fn a_read_only_preopen_refuses_writes() {
    let rt = runtime();
    let input = scratch("wasi-ro-in");
    let output = scratch("wasi-ro-out");
    std::fs::write(input.join("data.txt"), "abc").unwrap();
    let inst = wasi(&rt, "c/files.wasm", files_config(&input, &output, true)).unwrap();
    let out = inst.run_sync(|l| l.run()).unwrap();
    assert_eq!(out.exit_code, 4, "fopen for writing fails");
    assert!(!output.join("copy.txt").exists());
}
