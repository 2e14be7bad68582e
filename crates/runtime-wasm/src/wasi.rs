//! WASI preview1 configuration: preopens checked against the policy, env,
//! args, and stdio that is inherited, fed from memory or captured (bounded).

use crate::error::{Error, Result};
use crate::policy::Policy;
use std::path::PathBuf;
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

/// Default bound on captured output per stream, over the instance's life.
pub const DEFAULT_CAPTURE_LIMIT: usize = 16 << 20;

/// A host directory made visible to the guest under `guest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preopen {
    pub guest: String,
    pub host: PathBuf,
    /// No write, create or delete rights for the guest.
    pub readonly: bool,
}

/// What a WASI guest sees of the outside world; nothing unless granted.
#[derive(Debug, Clone, Default)]
pub struct WasiConfig {
    pub preopens: Vec<Preopen>,
    pub env: Vec<(String, String)>,
    /// The full argv, `args[0]` being the program name (as in `node:wasi`).
    pub args: Vec<String>,
    pub inherit_stdin: bool,
    pub inherit_stdout: bool,
    pub inherit_stderr: bool,
    /// Bytes the guest reads from stdin (exclusive with `inherit_stdin`).
    pub stdin: Option<Vec<u8>>,
    pub capture_stdout: bool,
    pub capture_stderr: bool,
    /// Bytes each captured stream may hold; `None` for the default 16 MiB.
    pub capture_limit: Option<usize>,
}

/// Output collected in memory; `take` hands out what is new since last time.
pub(crate) struct Capture {
    pipe: MemoryOutputPipe,
    taken: usize,
}

impl Capture {
    fn new(limit: usize) -> Capture {
        Capture {
            pipe: MemoryOutputPipe::new(limit),
            taken: 0,
        }
    }

    pub(crate) fn take(&mut self) -> Vec<u8> {
        let all = self.pipe.contents();
        let fresh = all[self.taken..].to_vec();
        self.taken = all.len();
        fresh
    }
}

/// A built WASI context with handles on its captured streams.
pub(crate) struct Wasi {
    pub(crate) ctx: WasiP1Ctx,
    pub(crate) stdout: Option<Capture>,
    pub(crate) stderr: Option<Capture>,
}

fn conflict(what: &str) -> Error {
    Error::Wasi {
        message: format!("{what} cannot be both inherited and given"),
        exit_code: None,
    }
}

/// One output stream: captured (bounded), inherited, or by default discarded.
fn output(capture: bool, inherit: bool, name: &str, limit: usize) -> Result<Option<Capture>> {
    if capture && inherit {
        return Err(conflict(name));
    }
    Ok(capture.then(|| Capture::new(limit)))
}

impl WasiConfig {
    /// Builds the context, checking every preopen against `policy`.
    pub(crate) fn build(&self, policy: &Policy) -> Result<Wasi> {
        let mut b = WasiCtxBuilder::new();
        b.allow_blocking_current_thread(true);
        for p in &self.preopens {
            let host = policy.check_preopen(&p.host)?;
            let perms = if p.readonly {
                FsPerms::ReadOnly
            } else {
                FsPerms::ReadWrite
            };
            b.preopened_dir(&host, &p.guest, perms)
                .map_err(|e| Error::Wasi {
                    message: format!("cannot preopen `{}`: {e}", host.display()),
                    exit_code: None,
                })?;
        }
        for (k, v) in &self.env {
            if k.is_empty() || k.contains('=') || k.contains('\0') || v.contains('\0') {
                return Err(Error::Wasi {
                    message: format!("invalid environment variable `{k}`"),
                    exit_code: None,
                });
            }
        }
        b.envs(&self.env).args(&self.args);
        match (&self.stdin, self.inherit_stdin) {
            (Some(_), true) => return Err(conflict("stdin")),
            (Some(bytes), false) => {
                b.stdin(MemoryInputPipe::new(bytes.clone()));
            }
            (None, true) => {
                b.inherit_stdin();
            }
            (None, false) => {}
        }
        let limit = self.capture_limit.unwrap_or(DEFAULT_CAPTURE_LIMIT);
        let stdout = output(self.capture_stdout, self.inherit_stdout, "stdout", limit)?;
        let stderr = output(self.capture_stderr, self.inherit_stderr, "stderr", limit)?;
        if self.inherit_stdout {
            b.inherit_stdout();
        }
        if self.inherit_stderr {
            b.inherit_stderr();
        }
        if let Some(c) = &stdout {
            b.stdout(c.pipe.clone());
        }
        if let Some(c) = &stderr {
            b.stderr(c.pipe.clone());
        }
        Ok(Wasi {
            ctx: b.build_p1(),
            stdout,
            stderr,
        })
    }
}
