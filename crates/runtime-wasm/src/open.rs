//! Opening a path beneath a directory handle, resolved by the kernel
//! (`openat2` with `RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS`, or a walk one
//! component at a time where that is missing), so what is checked is what is used.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// What is being opened: a module file to read, or a directory to preopen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    File,
    Dir,
}

/// Flags every module file is opened with: never block (a FIFO with no
/// writer would hang the open), never become a controlling terminal.
#[cfg(unix)]
fn file_flags() -> i32 {
    use rustix::fs::OFlags;
    (OFlags::NONBLOCK | OFlags::NOCTTY).bits() as i32
}

/// Opens `path` with the process's own authority: used where the policy
/// allows every path, so there is no root to stay beneath.
pub(crate) fn ambient(path: &Path, kind: Kind) -> io::Result<File> {
    match kind {
        Kind::Dir => {
            cap_primitives::fs::open_ambient_dir(path, cap_primitives::ambient_authority())
        }
        Kind::File => {
            let mut options = std::fs::OpenOptions::new();
            options.read(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, file_flags());
            options.open(path)
        }
    }
}

/// Opens `path` relative to the directory `root`; the kernel refuses any
/// resolution (`..`, an absolute symlink, a magic link) that leaves `root`.
fn under(root: &File, path: &Path, kind: Kind) -> io::Result<File> {
    let path = if path.as_os_str().is_empty() {
        Path::new(".")
    } else {
        path
    };
    match kind {
        Kind::Dir => cap_primitives::fs::open_dir(root, path),
        Kind::File => {
            let mut options = cap_primitives::fs::OpenOptions::new();
            options.read(true);
            #[cfg(unix)]
            cap_primitives::fs::OpenOptionsExt::custom_flags(&mut options, file_flags());
            cap_primitives::fs::open(root, path, &options)
        }
    }
}

/// True for the error a resolution that would leave its root fails with
/// (a permission error the kernel did not raise itself), as opposed to a
/// plain `EACCES`.
pub(crate) fn is_escape(err: &io::Error) -> bool {
    err.kind() == io::ErrorKind::PermissionDenied && err.raw_os_error().is_none()
}

/// Opens `path` beneath the first of `roots` it lies under.
///
/// `path` is made canonical only to learn which root it is under and what
/// remains below it; that remainder is then resolved by the kernel beneath
/// the root's handle, so a name or symlink swapped after the lookup can
/// change what is opened only to something else beneath the root. `Ok(None)`
/// when `path` is under none of them.
pub(crate) fn beneath(roots: &[PathBuf], path: &Path, kind: Kind) -> io::Result<Option<File>> {
    let canon = std::fs::canonicalize(path)?;
    for root in roots {
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.clone());
        if let Ok(rest) = canon.strip_prefix(&root) {
            let handle = ambient(&root, Kind::Dir)?;
            return under(&handle, rest, kind).map(Some);
        }
    }
    Ok(None)
}

/// Whether two handles name the same file (device and inode).
#[cfg(unix)]
pub(crate) fn same_file(a: &File, b: &File) -> io::Result<bool> {
    use std::os::unix::fs::MetadataExt;
    let (a, b) = (a.metadata()?, b.metadata()?);
    Ok(a.dev() == b.dev() && a.ino() == b.ino())
}

/// Without inode numbers two handles cannot be told to be one file, so
/// they are taken to differ (the caller refuses rather than guesses).
#[cfg(not(unix))]
pub(crate) fn same_file(_a: &File, _b: &File) -> io::Result<bool> {
    Ok(false)
}

/// A path by which `dir` itself, not whatever its name now points at, can
/// be opened again: its descriptor under `/proc/self/fd` where that exists.
pub(crate) fn reopenable(dir: &File, fallback: &Path) -> PathBuf {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let fds = Path::new("/proc/self/fd");
        if fds.is_dir() {
            return fds.join(dir.as_raw_fd().to_string());
        }
    }
    let _ = dir;
    std::fs::canonicalize(fallback).unwrap_or_else(|_| fallback.to_path_buf())
}
