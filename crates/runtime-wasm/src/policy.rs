//! Capability policy: which host directories `compileFile` may read and WASI
//! may preopen. The policy opens what it approves, beneath the allowed
//! directory's handle, so a path swapped between check and use cannot win.

use crate::error::{Error, Result};
use crate::open::{self, Kind};
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// What a runtime may touch on the host file system.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Directories `compileFile` may read below; `None` allows any.
    pub read: Option<Vec<PathBuf>>,
    /// Directories WASI may preopen (or below); `None` allows any but `/`.
    pub preopen: Option<Vec<PathBuf>>,
}

fn escaped(path: &Path, what: &str) -> Error {
    Error::PermissionDenied(format!(
        "policy does not allow {what} `{}`: it resolves outside the allowed directories",
        path.display()
    ))
}

fn wasi(message: String) -> Error {
    Error::Wasi {
        message,
        exit_code: None,
    }
}

impl Policy {
    /// Opens a file `compileFile` wants to read, without blocking and
    /// beneath an allowed directory; the handle is what gets read.
    pub(crate) fn open_read(&self, path: &Path) -> Result<File> {
        let io = |source: io::Error| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let Some(dirs) = &self.read else {
            return open::ambient(path, Kind::File).map_err(io);
        };
        match open::beneath(dirs, path, Kind::File) {
            Ok(Some(file)) => Ok(file),
            Ok(None) => Err(escaped(path, "reading")),
            Err(e) if open::is_escape(&e) => Err(escaped(path, "reading")),
            Err(e) => Err(io(e)),
        }
    }

    /// Opens a host directory WASI wants to preopen, beneath an allowed
    /// directory; the handle is what the guest is given.
    pub(crate) fn open_preopen(&self, path: &Path) -> Result<File> {
        let failed = |e: io::Error| match e.kind() {
            io::ErrorKind::NotFound => wasi(format!(
                "preopen directory `{}` does not exist",
                path.display()
            )),
            io::ErrorKind::NotADirectory => {
                wasi(format!("preopen `{}` is not a directory", path.display()))
            }
            _ if open::is_escape(&e) => escaped(path, "preopening"),
            _ => wasi(format!("cannot preopen `{}`: {e}", path.display())),
        };
        match &self.preopen {
            Some(dirs) => match open::beneath(dirs, path, Kind::Dir) {
                Ok(Some(dir)) => Ok(dir),
                Ok(None) => Err(escaped(path, "preopening")),
                Err(e) => Err(failed(e)),
            },
            None => {
                let dir = open::ambient(path, Kind::Dir).map_err(failed)?;
                let root = open::ambient(Path::new("/"), Kind::Dir).map_err(failed)?;
                if open::same_file(&dir, &root).map_err(failed)? {
                    return Err(Error::PermissionDenied(format!(
                        "policy does not allow preopening `{}` (the root directory)",
                        path.display()
                    )));
                }
                Ok(dir)
            }
        }
    }
}
