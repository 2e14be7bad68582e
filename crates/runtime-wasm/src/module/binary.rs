//! A module's bytes as its compiled builds need them: in memory, or — when
//! the disk cache already holds its code — left in their file, of which only
//! the sections before the code are read until something needs the rest.

use super::source::{read_source, CodeSection};
use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

/// The bytes of one module and what the compile decides from them.
pub(crate) struct Binary {
    /// SHA-256 of the whole: the key of the in-memory and on-disk caches.
    key: [u8; 32],
    /// Where the code section is, and how big.
    code: CodeSection,
    /// The sections before the code (types, imports, memories, tables,
    /// exports), when the whole is left in `file`.
    head: Option<Vec<u8>>,
    whole: OnceLock<Vec<u8>>,
    /// Where the whole is read from, at most once, when first needed.
    file: Mutex<Option<InFile>>,
}

/// A module file whose bytes hashed to the module's key when the policy
/// opened it. It is opened again by path when the whole is needed (no
/// descriptor is held meanwhile): whatever is there then counts only if it
/// hashes to the key, so other bytes are never taken for the module's.
pub(crate) struct InFile {
    pub(crate) path: PathBuf,
    /// `maxModuleBytes`: the most read from it.
    pub(crate) max: u64,
}

impl Binary {
    /// Bytes in memory; `key` is their SHA-256.
    pub(crate) fn new(bytes: Vec<u8>, key: [u8; 32]) -> Binary {
        Binary {
            key,
            code: CodeSection::of(&bytes),
            head: None,
            whole: OnceLock::from(bytes),
            file: Mutex::new(None),
        }
    }

    /// Bytes left in `file`, of which `head` (the sections before the code)
    /// has been read; `key` and `code` are what the whole was found to
    /// have when last read.
    pub(crate) fn in_file(file: InFile, head: Vec<u8>, key: [u8; 32], code: CodeSection) -> Binary {
        Binary {
            key,
            code,
            head: Some(head),
            whole: OnceLock::new(),
            file: Mutex::new(Some(file)),
        }
    }

    /// SHA-256 of the module's bytes.
    pub(crate) fn key(&self) -> &[u8; 32] {
        &self.key
    }

    /// Where the module's code section is, and how big.
    pub(crate) fn code(&self) -> CodeSection {
        self.code
    }

    /// At least the sections before the code: enough for what a module
    /// imports, exports and defines, not for its code or custom sections.
    pub(crate) fn head(&self) -> &[u8] {
        match (self.whole.get(), &self.head) {
            (Some(whole), _) => whole,
            (None, Some(head)) => head,
            (None, None) => &[],
        }
    }

    /// Whether all the bytes are in memory.
    pub(crate) fn in_memory(&self) -> bool {
        self.whole.get().is_some()
    }

    /// Takes `other`'s bytes (the same module's: same key) when they are in
    /// memory and these are still in their file, which is then let go.
    pub(crate) fn adopt(&self, other: Binary) {
        debug_assert_eq!(self.key, other.key);
        if let Some(bytes) = other.whole.into_inner() {
            if self.whole.set(bytes).is_ok() {
                *self.file.lock().unwrap_or_else(|e| e.into_inner()) = None;
            }
        }
    }

    /// All the bytes, read from the file the first time; an error (5008)
    /// when the file no longer holds them (rewritten in place since).
    pub(crate) fn whole(&self) -> Result<&[u8]> {
        if let Some(whole) = self.whole.get() {
            return Ok(whole);
        }
        let mut slot = self.file.lock().unwrap_or_else(|e| e.into_inner());
        // Another thread may have read it while this one waited.
        if let Some(whole) = self.whole.get() {
            return Ok(whole);
        }
        let Some(InFile { path, max }) = slot.as_ref() else {
            return Err(Error::Engine(
                "a module's bytes are in memory or in a file".into(),
            ));
        };
        let file = File::open(path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        let bytes = read_source(&file, path, *max)?;
        if <[u8; 32]>::from(Sha256::digest(&bytes)) != self.key {
            return Err(Error::Io {
                path: path.clone(),
                source: std::io::Error::other(
                    "changed since it was compiled: it no longer holds the module's bytes",
                ),
            });
        }
        *slot = None;
        Ok(self.whole.get_or_init(|| bytes))
    }
}
