//! Capability policy: which host directories `compileFile` may read and WASI
//! may preopen, checked on canonical paths so `..` and symlinks cannot escape.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// What a runtime may touch on the host file system.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Directories `compileFile` may read below; `None` allows any.
    pub read: Option<Vec<PathBuf>>,
    /// Directories WASI may preopen (or below); `None` allows any but `/`.
    pub preopen: Option<Vec<PathBuf>>,
}

/// Makes `path` absolute with symlinks resolved; a missing path yields `None`.
fn canonical(path: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(path).ok()
}

/// Policy directories are compared canonically too, so a policy naming a
/// symlinked directory allows what the link points at.
fn within(path: &Path, dirs: &[PathBuf]) -> bool {
    dirs.iter().any(|dir| {
        let dir = canonical(dir).unwrap_or_else(|| dir.clone());
        path.starts_with(dir)
    })
}

impl Policy {
    /// Checks a file `compileFile` wants to read; returns its canonical path.
    pub(crate) fn check_read(&self, path: &Path) -> Result<PathBuf> {
        let canon = std::fs::canonicalize(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        match &self.read {
            Some(dirs) if !within(&canon, dirs) => Err(Error::PermissionDenied(format!(
                "policy does not allow reading `{}`",
                canon.display()
            ))),
            _ => Ok(canon),
        }
    }

    /// Checks a host directory WASI wants to preopen; returns its canonical path.
    pub(crate) fn check_preopen(&self, path: &Path) -> Result<PathBuf> {
        let canon = canonical(path).ok_or_else(|| Error::Wasi {
            message: format!("preopen directory `{}` does not exist", path.display()),
            exit_code: None,
        })?;
        if !canon.is_dir() {
            return Err(Error::Wasi {
                message: format!("preopen `{}` is not a directory", path.display()),
                exit_code: None,
            });
        }
        let allowed = match &self.preopen {
            Some(dirs) => within(&canon, dirs),
            None => canon.parent().is_some(),
        };
        if allowed {
            Ok(canon)
        } else {
            Err(Error::PermissionDenied(format!(
                "policy does not allow preopening `{}`",
                canon.display()
            )))
        }
    }
}
