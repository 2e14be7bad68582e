//! WASI configuration, one for preview 1 modules and preview 2 components:
//! preopens opened by the policy, env, args, stdio that is inherited, fed
//! from memory or captured (bounded), no network, and the descriptor cap
//! (on preview 1's `path_open` and preview 2's `open-at`).

use crate::error::{Error, Result};
use crate::open;
use crate::policy::Policy;
use crate::store::StoreData;
use std::fs::File;
use std::path::PathBuf;
use wasmtime_wasi::filesystem::{Descriptor, WasiFilesystemView};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::bindings::filesystem::preopens::Host as _;
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::{FsPerms, WasiCtxBuilder, WasiCtxView, WasiView};

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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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

/// An instance's WASI context and its captured streams, if it has one.
pub(crate) type Parts = (Option<WasiP1Ctx>, Option<Capture>, Option<Capture>);

impl WasiConfig {
    /// The WASI context of an instance whose guest imports WASI (`uses`),
    /// else none. The settings are checked, the policy included, either
    /// way: a refused preopen is refused whether or not the guest imports
    /// WASI.
    pub(crate) fn build_for(
        &self,
        uses: bool,
        policy: &Policy,
        max_open_files: Option<u64>,
    ) -> Result<Parts> {
        if !uses && *self == WasiConfig::default() {
            return Ok((None, None, None));
        }
        let wasi = self.build(policy, max_open_files)?;
        Ok(match uses {
            true => (Some(wasi.ctx), wasi.stdout, wasi.stderr),
            false => (None, None, None),
        })
    }

    /// Builds the context: every preopen is the directory `policy` opened,
    /// and the guest may hold `max_open_files` descriptors (default 1024).
    pub(crate) fn build(&self, policy: &Policy, max_open_files: Option<u64>) -> Result<Wasi> {
        // No blocking on the guest's thread: sleeps and file I/O are futures
        // (file I/O on tokio's blocking pool), so the call's deadline can
        // abandon them and a waiting guest holds no worker.
        let mut b = WasiCtxBuilder::new();
        b.allow_blocking_current_thread(false);
        // No network: a preview 2 guest's sockets are refused at creation
        // (`access-denied`) and its name lookups fail before any query; no
        // address is allowed either way (the builder's default check).
        b.allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false);
        let mut opened = Vec::with_capacity(self.preopens.len());
        for p in &self.preopens {
            let dir = policy.open_preopen(&p.host)?;
            let perms = if p.readonly {
                FsPerms::ReadOnly
            } else {
                FsPerms::ReadWrite
            };
            // The builder takes a path, not a handle: give it one that
            // reopens this very directory, and check below that it did.
            b.preopened_dir(open::reopenable(&dir, &p.host), &p.guest, perms)
                .map_err(|e| Error::Wasi {
                    message: format!("cannot preopen `{}`: {e}", p.host.display()),
                    exit_code: None,
                })?;
            opened.push((dir, &p.host));
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
        let mut ctx = b.build_p1();
        same_preopens(&mut ctx, &opened)?;
        let cap = max_open_files.unwrap_or(DEFAULT_MAX_OPEN_FILES);
        let cap = usize::try_from(cap).unwrap_or(usize::MAX);
        ctx.ctx()
            .table
            .set_max_capacity(cap.saturating_add(HEADROOM));
        Ok(Wasi {
            ctx,
            stdout,
            stderr,
        })
    }
}

/// A preview 2 component's view of its store's WASI context (the same
/// context a preview 1 module gets, its resource table included).
impl WasiView for StoreData {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        self.wasi
            .as_mut()
            .expect("a component importing WASI always gets a WASI context")
            .ctx()
    }
}

/// Checks that each preopen the context holds is the directory the policy
/// opened (same device and inode): where the handle could not be passed on
/// as such, a name swapped meanwhile is refused rather than given out.
fn same_preopens(ctx: &mut WasiP1Ctx, opened: &[(File, &PathBuf)]) -> Result<()> {
    let mut view = ctx.filesystem();
    let held = view.get_directories().map_err(|e| Error::Wasi {
        message: format!("cannot list preopens: {e}"),
        exit_code: None,
    })?;
    let mut refused = None;
    for ((fd, _), (ours, host)) in held.into_iter().zip(opened) {
        let same = match view.table.get(&fd) {
            Ok(Descriptor::Dir(dir)) => open::same_file(&dir.dir, ours).unwrap_or(false),
            _ => false,
        };
        let _ = view.table.delete(fd);
        if !same && refused.is_none() {
            refused = Some(Error::PermissionDenied(format!(
                "preopen `{}` changed while it was being opened",
                host.display()
            )));
        }
    }
    refused.map_or(Ok(()), Err)
}

/// Descriptors a guest may hold when `maxOpenFiles` is not given.
pub const DEFAULT_MAX_OPEN_FILES: u64 = 1024;

/// Table entries allowed beyond the descriptor cap: wasmtime-wasi's own
/// default capacity, left as it was for stdio streams and the short-lived
/// entries of single calls (pollables of `poll_oneoff`, directory
/// listings), none of which holds a host descriptor. The cap itself rides
/// on the table (capacity minus this), so it needs no state of its own.
const HEADROOM: usize = 1_000_000;

/// Files and directories the guest holds open (its preopens included), and
/// how many it may.
fn open_files(ctx: &mut WasiP1Ctx) -> (usize, usize) {
    let table = ctx.ctx().table;
    let cap = table.max_capacity().saturating_sub(HEADROOM);
    let held = table
        .iter_mut()
        .filter(|entry| entry.is::<Descriptor>())
        .count();
    (held, cap)
}

/// Replaces WASI's `path_open` with one that answers `EMFILE` once the guest
/// holds its cap of descriptors, before any host descriptor is taken; below
/// the cap it runs wasmtime-wasi's own `path_open`.
///
/// wasmtime-wasi has no descriptor cap of its own: its resource table's
/// capacity makes a full table a trap, not an errno. Calling the linker's
/// original definition from here is no way out either (a host function
/// called from the host sees no caller memory), so this repeats the few
/// lines of glue the generated binding has around the same generated
/// function.
pub(crate) fn cap_path_open<T: Send + 'static>(
    linker: &mut wasmtime::Linker<T>,
    get: impl Fn(&mut T) -> &mut WasiP1Ctx + Copy + Send + Sync + 'static,
) -> wasmtime::Result<()> {
    use wasmtime_wasi::p1::types::Errno;
    use wasmtime_wasi::p1::wasi_snapshot_preview1::{path_open, WasiSnapshotPreview1};
    type Params = (i32, i32, i32, i32, i32, i64, i64, i32, i32);
    linker.allow_shadowing(true);
    let defined = linker
        .func_wrap_async(
            "wasi_snapshot_preview1",
            "path_open",
            move |mut caller: wasmtime::Caller<'_, T>, params: Params| {
                Box::new(async move {
                    let (fd, dirflags, path, path_len, oflags, base, inheriting, fdflags, opened) =
                        params;
                    let (held, cap) = open_files(get(caller.data_mut()));
                    if held >= cap {
                        return Ok(Errno::Mfile as i32);
                    }
                    let fuel = wasmtime::AsContextMut::as_context_mut(&mut caller).hostcall_fuel();
                    let export = caller.get_export("memory");
                    let (mut memory, ctx) = match &export {
                        Some(wasmtime::Extern::Memory(m)) => {
                            let (bytes, data) = m.data_and_store_mut(&mut caller);
                            (wiggle::GuestMemory::Unshared(bytes), get(data))
                        }
                        Some(wasmtime::Extern::SharedMemory(m)) => (
                            wiggle::GuestMemory::Shared(m.data()),
                            get(caller.data_mut()),
                        ),
                        _ => wasmtime::bail!("missing required memory export"),
                    };
                    ctx.set_hostcall_fuel(fuel);
                    path_open(
                        ctx,
                        &mut memory,
                        fd,
                        dirflags,
                        path,
                        path_len,
                        oflags,
                        base,
                        inheriting,
                        fdflags,
                        opened,
                    )
                    .await
                })
            },
        )
        .map(|_| ());
    linker.allow_shadowing(false);
    defined
}

/// The preview 2 counterpart of `cap_path_open`: `descriptor.open-at`
/// answers `insufficient-memory` once the guest holds its cap of
/// descriptors, before any host descriptor is taken (WASI preview 2 has no
/// error code for a process's descriptor limit; this is the one the preview
/// 1 adapter turns into `ENOMEM`). Below the cap it is wasmtime-wasi's own
/// `open-at`, its errors converted as its bindings convert them.
pub(crate) fn cap_open_at(
    linker: &mut wasmtime::component::Linker<StoreData>,
) -> wasmtime::Result<()> {
    use wasmtime::component::Resource;
    use wasmtime_wasi::filesystem::WasiFilesystemView;
    use wasmtime_wasi::p2::bindings::filesystem::types::{
        DescriptorFlags, ErrorCode, HostDescriptor, OpenFlags, PathFlags,
    };
    type Params = (
        Resource<Descriptor>,
        PathFlags,
        String,
        OpenFlags,
        DescriptorFlags,
    );
    linker.allow_shadowing(true);
    let defined = linker.instance(P2_FILESYSTEM_TYPES).and_then(|mut types| {
        types.func_wrap_async(
            "[method]descriptor.open-at",
            |mut store, (fd, path_flags, path, oflags, flags): Params| {
                Box::new(async move {
                    let data = store.data_mut();
                    let ctx = data
                        .wasi
                        .as_mut()
                        .expect("a component importing WASI always gets a WASI context");
                    let (held, cap) = open_files(ctx);
                    if held >= cap {
                        return Ok((Err(ErrorCode::InsufficientMemory),));
                    }
                    let mut view = data.filesystem();
                    match view.open_at(fd, path_flags, path, oflags, flags).await {
                        Ok(opened) => Ok((Ok(opened),)),
                        Err(e) => Ok((Err(e.downcast()?),)),
                    }
                })
            },
        )
    });
    linker.allow_shadowing(false);
    defined
}

/// The name wasmtime-wasi gives `wasi:filesystem/types` (a guest's import of
/// any `0.2.x` resolves to it).
const P2_FILESYSTEM_TYPES: &str = "wasi:filesystem/types@0.2.12";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::open::Kind;
    use crate::ErrorCode;

    /// The guest gets no network: a preview 2 socket of either kind is
    /// refused at creation (`access-denied`), and a name lookup fails
    /// before any query (wasmtime-wasi answers `permanent-resolver-failure`).
    #[test]
    fn no_socket_and_no_name_lookup() {
        use wasmtime_wasi::p2::bindings::sockets::network::{ErrorCode, IpAddressFamily};
        use wasmtime_wasi::p2::bindings::sockets::tcp_create_socket::Host as _;
        use wasmtime_wasi::p2::bindings::sockets::{instance_network, ip_name_lookup};
        use wasmtime_wasi::p2::bindings::sync::sockets::udp_create_socket::Host as _;
        use wasmtime_wasi::sockets::WasiSocketsView;
        let refused = |e: wasmtime_wasi::p2::SocketError| e.downcast().ok();
        let mut wasi = WasiConfig::default()
            .build(&Policy::default(), None)
            .unwrap();
        let mut view = wasi.ctx.sockets();
        let tcp = view.create_tcp_socket(IpAddressFamily::Ipv4).map(|_| ());
        assert_eq!(tcp.map_err(refused), Err(Some(ErrorCode::AccessDenied)));
        let udp = view.create_udp_socket(IpAddressFamily::Ipv6).map(|_| ());
        assert_eq!(udp.map_err(refused), Err(Some(ErrorCode::AccessDenied)));
        let network = instance_network::Host::instance_network(&mut view).unwrap();
        let lookup =
            ip_name_lookup::Host::resolve_addresses(&mut view, network, "localhost".into());
        assert_eq!(
            lookup.map(|_| ()).map_err(refused),
            Err(Some(ErrorCode::PermanentResolverFailure))
        );
    }

    /// Where a preopen has to be passed on by name (no `/proc/self/fd`),
    /// one that is not the directory the policy opened is refused.
    #[test]
    fn a_preopen_other_than_the_opened_directory_is_refused() {
        let base = std::env::temp_dir().join(format!("runtime-wasm-same-{}", std::process::id()));
        let (a, b) = (base.join("a"), base.join("b"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        let build = |host: &PathBuf| {
            let mut builder = WasiCtxBuilder::new();
            builder
                .preopened_dir(host, "/d", FsPerms::ReadOnly)
                .unwrap();
            builder.build_p1()
        };
        let ours = open::ambient(&b, Kind::Dir).unwrap();
        let err = same_preopens(&mut build(&a), &[(ours, &b)]).unwrap_err();
        assert_eq!(err.code(), ErrorCode::PermissionDenied);
        let ours = open::ambient(&b, Kind::Dir).unwrap();
        same_preopens(&mut build(&b), &[(ours, &b)]).unwrap();
        let _ = std::fs::remove_dir_all(&base);
    }
}
