//! The on-disk cache of compiled code (`RuntimeOptions::cache_dir`): keyed by
//! the module's content hash and the engine's configuration, written
//! atomically, and checked before use (length, CRC-32, engine header) — a
//! corrupt or foreign entry is ignored and rebuilt, never loaded blindly.

use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use wasmtime::{Engine, Module};

/// Ends every entry, after the CRC-32 and length of the artifact before it.
const MAGIC: &[u8; 8] = b"RWCACHE2";
const TRAILER: usize = 4 + 8 + MAGIC.len();

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

    /// A module from the cache, if a sound entry for it exists. The entry
    /// is read once to check it, then mapped, not copied, by the engine.
    pub(crate) fn load(&self, engine: &Engine, content: &[u8; 32]) -> Option<Module> {
        let mut file = File::open(self.path(engine, content)).ok()?;
        let len = usize::try_from(file.metadata().ok()?.len()).ok()?;
        let body = len.checked_sub(TRAILER)?;
        let mut trailer = [0; TRAILER];
        file.seek(SeekFrom::Start(body as u64)).ok()?;
        file.read_exact(&mut trailer).ok()?;
        let (sum, rest) = trailer.split_at(4);
        let (length, magic) = rest.split_at(8);
        if magic != MAGIC || u64::from_le_bytes(length.try_into().ok()?) != body as u64 {
            return None;
        }
        file.seek(SeekFrom::Start(0)).ok()?;
        let mut crc = crc32fast::Hasher::new();
        let mut chunk = vec![0; (1 << 20).min(body)];
        let mut left = body;
        while left > 0 {
            let n = chunk.len().min(left);
            file.read_exact(&mut chunk[..n]).ok()?;
            crc.update(&chunk[..n]);
            left -= n;
        }
        if crc.finalize().to_le_bytes() != sum {
            return None;
        }
        // SAFETY: the artifact is byte for byte what `Module::serialize` wrote for an
        // engine with this configuration (checked above), and entries are
        // only ever replaced by rename, never rewritten in place, so the
        // mapped file stays as checked; the engine verifies its own header
        // and compatibility again (a component or foreign artifact is an
        // error) and ignores the trailer.
        unsafe { Module::deserialize_open_file(engine, file) }.ok()
    }

    /// Stores `module` for `content`; failures only cost a later recompile.
    pub(crate) fn store(&self, engine: &Engine, content: &[u8; 32], module: &Module) {
        let Ok(mut file) = module.serialize() else {
            return;
        };
        let sum = crc32fast::hash(&file);
        let length = file.len() as u64;
        file.extend_from_slice(&sum.to_le_bytes());
        file.extend_from_slice(&length.to_le_bytes());
        file.extend_from_slice(MAGIC);
        let path = self.path(engine, content);
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let written = std::fs::create_dir_all(&self.dir)
            .and_then(|()| std::fs::write(&tmp, &file))
            .and_then(|()| std::fs::rename(&tmp, &path));
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}
