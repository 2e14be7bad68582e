//! The capability policy and what a guest can reach through preopens: `..`
//! escapes, absolute paths, symlinks out, and writes under read-only
//! preopens are refused, and host files stay untouched.
use crate::common::*;
use runtime_wasm::{
    ErrorCode, InstanceConfig, Policy, Preopen, Runtime, RuntimeOptions, WasiConfig,
};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

fn policy_runtime(read: Vec<PathBuf>, preopen: Vec<PathBuf>) -> Runtime {
    let policy = Policy {
        read: Some(read),
        preopen: Some(preopen),
    };
    Runtime::new(RuntimeOptions {
        policy,
        ..Default::default()
    })
    .unwrap()
}

#[test]
fn compile_file_outside_the_read_policy_is_5009_even_through_links_and_dots() {
    let allowed = scratch("policy-read-allowed");
    let outside = scratch("policy-read-outside");
    std::fs::copy(fixture_path("add.wat"), allowed.join("ok.wat")).unwrap();
    std::fs::copy(fixture_path("add.wat"), outside.join("secret.wat")).unwrap();
    symlink(outside.join("secret.wat"), allowed.join("link.wat")).unwrap();
    let rt = policy_runtime(vec![allowed.clone()], vec![]);
    assert!(rt.compile_file(allowed.join("ok.wat")).is_ok());
    assert!(rt
        .compile_file(allowed.join("../policy-read-allowed/ok.wat"))
        .is_ok());
    for path in [
        outside.join("secret.wat"),
        allowed.join("link.wat"),
        allowed.join("../policy-read-outside/secret.wat"),
    ] {
        assert_eq!(
            rt.compile_file(&path).unwrap_err().code(),
            ErrorCode::PermissionDenied,
            "{path:?}"
        );
    }
    assert_eq!(
        rt.compile_file(allowed.join("missing.wat"))
            .unwrap_err()
            .code(),
        ErrorCode::IoError
    );
}

#[test]
fn preopens_outside_the_policy_are_5009() {
    let allowed = scratch("policy-preopen-allowed");
    std::fs::create_dir_all(allowed.join("sub")).unwrap();
    let outside = scratch("policy-preopen-outside");
    symlink(&outside, allowed.join("escape")).unwrap();
    let rt = policy_runtime(vec![], vec![allowed.clone()]);
    let m = rt.compile(&fixture("wasi_hello.wat")).unwrap();
    let with = |host: &Path| {
        let wasi = WasiConfig {
            preopens: vec![Preopen {
                guest: "/d".into(),
                host: host.into(),
                readonly: false,
            }],
            ..Default::default()
        };
        rt.instantiate(
            m,
            &InstanceConfig {
                wasi,
                ..Default::default()
            },
        )
    };
    assert!(with(&allowed).is_ok());
    assert!(with(&allowed.join("sub")).is_ok());
    assert_eq!(
        with(&outside).unwrap_err().code(),
        ErrorCode::PermissionDenied
    );
    assert_eq!(
        with(&allowed.join("escape")).unwrap_err().code(),
        ErrorCode::PermissionDenied
    );
    assert_eq!(
        with(&allowed.join("sub/../../policy-preopen-outside"))
            .unwrap_err()
            .code(),
        ErrorCode::PermissionDenied
    );
    assert_eq!(
        with(Path::new("/")).unwrap_err().code(),
        ErrorCode::PermissionDenied
    );
    assert_eq!(
        with(&allowed.join("nope")).unwrap_err().code(),
        ErrorCode::WasiError
    );
}

/// Runs the sandbox probe with `ops` (triples) and returns its output lines.
fn probe(rt: &Runtime, preopens: Vec<Preopen>, ops: &[[&str; 3]]) -> Vec<String> {
    let m = rt.compile(&fixture("c/sandbox.wasm")).unwrap();
    let mut args = vec!["sandbox".to_string()];
    args.extend(ops.iter().flatten().map(|s| s.to_string()));
    let wasi = WasiConfig {
        preopens,
        args,
        capture_stdout: true,
        ..Default::default()
    };
    let inst = rt
        .instantiate(
            m,
            &InstanceConfig {
                wasi,
                ..Default::default()
            },
        )
        .unwrap();
    let out = inst.run_sync(|l| l.run()).unwrap();
    assert_eq!(out.exit_code, 0);
    let lines: Vec<String> = String::from_utf8(out.stdout.unwrap())
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(lines.len(), ops.len(), "{lines:?}");
    lines
}

#[test]
fn the_guest_cannot_step_outside_its_preopens() {
    let base = scratch("sandbox-escape");
    let root = base.join("root");
    std::fs::create_dir_all(root.join("inner")).unwrap();
    std::fs::write(root.join("ok.txt"), "inside").unwrap();
    std::fs::write(base.join("secret.txt"), "host secret").unwrap();
    symlink(base.join("secret.txt"), root.join("link")).unwrap();
    symlink("/etc", root.join("etc")).unwrap();
    let rt = runtime();
    let preopens = vec![Preopen {
        guest: "/sandbox".into(),
        host: root.clone(),
        readonly: false,
    }];
    let lines = probe(
        &rt,
        preopens,
        &[
            ["read", "/sandbox/ok.txt", "-"],
            ["read", "/sandbox/inner/../ok.txt", "-"],
            ["read", "/sandbox/../secret.txt", "-"],
            ["read", "/sandbox/inner/../../secret.txt", "-"],
            ["read", "/etc/passwd", "-"],
            ["read", "/sandbox/link", "-"],
            ["read", "/sandbox/etc/passwd", "-"],
            ["write", "/sandbox/../planted.txt", "-"],
            ["symlink", "/sandbox/made", "../secret.txt"],
            ["read", "/sandbox/made", "-"],
            ["symlink", "/sandbox/abs", "/etc/passwd"],
            ["read", "/sandbox/abs", "-"],
        ],
    );
    assert_eq!(lines[0], "read /sandbox/ok.txt: ok inside");
    assert_eq!(lines[1], "read /sandbox/inner/../ok.txt: ok inside");
    for line in &lines[2..] {
        if line.starts_with("symlink") {
            continue; // creating a dangling link inside is allowed; following it is not
        }
        assert!(line.contains("denied"), "{line}");
    }
    assert!(!lines
        .iter()
        .any(|l| l.contains("host secret") || l.contains("root:")));
    assert!(!base.join("planted.txt").exists());
    assert_eq!(
        std::fs::read_to_string(base.join("secret.txt")).unwrap(),
        "host secret"
    );
}

#[test]
fn a_read_only_preopen_refuses_every_mutation() {
    let base = scratch("sandbox-readonly");
    std::fs::create_dir_all(base.join("dir")).unwrap();
    std::fs::write(base.join("file.txt"), "original").unwrap();
    let before = snapshot(&base);
    let rt = runtime();
    let preopens = vec![Preopen {
        guest: "/ro".into(),
        host: base.clone(),
        readonly: true,
    }];
    let lines = probe(
        &rt,
        preopens,
        &[
            ["read", "/ro/file.txt", "-"],
            ["write", "/ro/file.txt", "-"],
            ["append", "/ro/file.txt", "-"],
            ["write", "/ro/new.txt", "-"],
            ["mkdir", "/ro/newdir", "-"],
            ["rmdir", "/ro/dir", "-"],
            ["unlink", "/ro/file.txt", "-"],
            ["rename", "/ro/file.txt", "/ro/moved.txt"],
            ["symlink", "/ro/link", "file.txt"],
        ],
    );
    assert_eq!(lines[0], "read /ro/file.txt: ok original");
    for line in &lines[1..] {
        assert!(line.contains("denied"), "{line}");
    }
    assert_eq!(snapshot(&base), before, "the host directory is untouched");
}

/// Names and contents of everything below `dir`, sorted.
fn snapshot(dir: &Path) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let content = std::fs::read_to_string(&path).ok();
        out.push((
            path.file_name().unwrap().to_string_lossy().into_owned(),
            content,
        ));
        if path.is_dir() {
            out.extend(snapshot(&path));
        }
    }
    out.sort();
    out
}
