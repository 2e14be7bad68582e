//! The on-disk cache of compiled code (`RuntimeOptions::cache_dir`): keyed by
//! the module's content hash and the engine's configuration, written
//! atomically, and checked before use — a corrupt or foreign entry is
//! ignored and rebuilt, never loaded blindly.

use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use wasmtime::{Engine, Module, Precompiled};

const MAGIC: &[u8; 8] = b"RWCACHE1";

/// A directory of compiled modules. It must be trusted like the program
/// itself: an entry that passes the checks is executed as machine code.
#[derive(Debug, Clone)]
pub(crate) struct DiskCache {
    dir: PathBuf,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl DiskCache {
    pub(crate) fn new(dir: &Path) -> DiskCache {
        DiskCache {
            dir: dir.to_path_buf(),
        }
    }

    /// The entry for `content` compiled by `engine`.
    fn path(&self, engine: &Engine, content: &[u8; 32]) -> PathBuf {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut h);
        self.dir
            .join(format!("{}-{:016x}.cwasm", hex(content), h.finish()))
    }

    /// A module from the cache, if a sound entry for it exists.
    pub(crate) fn load(&self, engine: &Engine, content: &[u8; 32]) -> Option<Module> {
        let file = std::fs::read(self.path(engine, content)).ok()?;
        let (header, payload) = file.split_at_checked(MAGIC.len() + 32)?;
        let (magic, digest) = header.split_at(MAGIC.len());
        if magic != MAGIC || digest != Sha256::digest(payload).as_slice() {
            return None;
        }
        if !matches!(
            Engine::detect_precompiled(payload),
            Some(Precompiled::Module)
        ) {
            return None;
        }
        // The payload is byte for byte what `Module::serialize` wrote for an
        // engine with this configuration (checked above); the engine
        // verifies its own header and compatibility again.
        unsafe { Module::deserialize(engine, payload) }.ok()
    }

    /// Stores `module` for `content`; failures only cost a later recompile.
    pub(crate) fn store(&self, engine: &Engine, content: &[u8; 32], module: &Module) {
        let Ok(payload) = module.serialize() else {
            return;
        };
        let path = self.path(engine, content);
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let mut file = Vec::with_capacity(MAGIC.len() + 32 + payload.len());
        file.extend_from_slice(MAGIC);
        file.extend_from_slice(&Sha256::digest(&payload));
        file.extend_from_slice(&payload);
        let written = std::fs::create_dir_all(&self.dir)
            .and_then(|()| std::fs::write(&tmp, &file))
            .and_then(|()| std::fs::rename(&tmp, &path));
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}
