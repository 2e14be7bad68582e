//! The on-disk cache of compiled code (`RuntimeOptions::cache_dir`): keyed by
//! the module's content hash and the engine's configuration, written
//! atomically, checked in full (length, CRC-32, engine header) until a
//! stamp records that this very file was checked; a corrupt or foreign
//! entry is ignored and rebuilt, never loaded blindly. It also remembers the
//! content hash of module files it compiled, by the same kind of stamp.

use crate::abort::Abort;
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
    /// Set when the compile this cache serves was given up: nothing is stored.
    abort: Option<Abort>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl DiskCache {
    pub(crate) fn new(dir: &Path) -> DiskCache {
        DiskCache {
            dir: dir.to_path_buf(),
            abort: None,
        }
    }

    /// The same cache for a compile that may be given up (`abort`).
    pub(crate) fn abortable(&self, abort: &Abort) -> DiskCache {
        DiskCache {
            dir: self.dir.clone(),
            abort: Some(abort.clone()),
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
    /// is mapped, not copied, by the engine; it is read in full to check it
    /// only when its stamp does not match it (see `stamp`), so a start from
    /// a checked entry touches only the pages it runs.
    pub(crate) fn load(&self, engine: &Engine, content: &[u8; 32]) -> Option<Module> {
        let path = self.path(engine, content);
        let mut file = File::open(&path).ok()?;
        let meta = file.metadata().ok()?;
        let len = usize::try_from(meta.len()).ok()?;
        let body = len.checked_sub(TRAILER)?;
        let mut trailer = [0; TRAILER];
        file.seek(SeekFrom::Start(body as u64)).ok()?;
        file.read_exact(&mut trailer).ok()?;
        let (sum, rest) = trailer.split_at(4);
        let (length, magic) = rest.split_at(8);
        if magic != MAGIC || u64::from_le_bytes(length.try_into().ok()?) != body as u64 {
            return None;
        }
        let stamp = stamp(&meta, sum);
        let stamp_path = path.with_extension("checked");
        if stamp.is_none() || std::fs::read(&stamp_path).ok() != stamp {
            check(&mut file, body, sum)?;
            if let Some(stamp) = &stamp {
                write_atomically(&stamp_path, stamp);
            }
        }
        // SAFETY: the artifact is byte for byte what `Module::serialize` wrote for an
        // engine with this configuration: checked above, or checked before
        // and unchanged since (the stamp names this file's inode, size and
        // change time, which any write or rename moves); entries are
        // only ever replaced by rename, never rewritten in place, so the
        // mapped file stays as checked; the engine verifies its own header
        // and compatibility again (a component or foreign artifact is an
        // error) and ignores the trailer.
        unsafe { Module::deserialize_open_file(engine, file) }.ok()
    }

    /// A component from the cache, if a sound entry for it exists. The
    /// entry is read into memory and checked there, the bytes checked being
    /// the bytes loaded (the engine maps only module entries from files).
    pub(crate) fn load_component(
        &self,
        engine: &Engine,
        content: &[u8; 32],
    ) -> Option<wasmtime::component::Component> {
        let file = std::fs::read(self.path(engine, content)).ok()?;
        let body = file.len().checked_sub(TRAILER)?;
        let (code, trailer) = file.split_at(body);
        let (sum, rest) = trailer.split_at(4);
        let (length, magic) = rest.split_at(8);
        if magic != MAGIC
            || u64::from_le_bytes(length.try_into().ok()?) != body as u64
            || crc32fast::hash(code).to_le_bytes() != sum
        {
            return None;
        }
        // SAFETY: `code` is byte for byte what `Component::serialize` wrote
        // for an engine with this configuration (checked above, in memory,
        // where nothing else can change it); the engine verifies its own
        // header and compatibility again (a module or foreign artifact is
        // an error).
        unsafe { wasmtime::component::Component::deserialize(engine, code) }.ok()
    }

    /// Stores `module` for `content`; failures only cost a later recompile.
    pub(crate) fn store(&self, engine: &Engine, content: &[u8; 32], module: &Module) {
        if let Ok(code) = module.serialize() {
            self.store_code(engine, content, code);
        }
    }

    /// Stores compiled code (a module's or a component's) for `content`.
    pub(crate) fn store_code(&self, engine: &Engine, content: &[u8; 32], code: Vec<u8>) {
        if self.abort.as_ref().is_some_and(Abort::is_aborted) {
            return;
        }
        let mut file = code;
        let sum = crc32fast::hash(&file);
        let length = file.len() as u64;
        file.extend_from_slice(&sum.to_le_bytes());
        file.extend_from_slice(&length.to_le_bytes());
        file.extend_from_slice(MAGIC);
        let path = self.path(engine, content);
        if std::fs::create_dir_all(&self.dir).is_err() {
            return;
        }
        // What was just written needs no check: stamp it at once.
        let stamp = write_atomically(&path, &file).and_then(|m| stamp(&m, &sum.to_le_bytes()));
        if let Some(stamp) = stamp {
            write_atomically(&path.with_extension("checked"), &stamp);
        }
    }
}

/// What the cache remembers of a module file it compiled, valid while the
/// file's stamp is the recorded one: the SHA-256 of its bytes and where its
/// code lies; with it, a start from cached code reads only the file's head
/// (`module::Binary`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KnownSource {
    /// SHA-256 of the file's bytes.
    pub key: [u8; 32],
    /// Bytes before the code section (all of them without one).
    pub head_len: u64,
    /// Size of the code section.
    pub code_bytes: u64,
}

/// Opens a record of a module file (`KnownSource`), after its stamp.
const SOURCE_MAGIC: &[u8; 8] = b"RWSRC001";

impl DiskCache {
    /// The record of the module file with metadata `meta` (one per file,
    /// named by device and inode); none on systems without change times.
    #[cfg(unix)]
    fn source_path(&self, meta: &std::fs::Metadata) -> Option<PathBuf> {
        use std::os::unix::fs::MetadataExt;
        let name = format!("source-{:x}-{:x}.known", meta.dev(), meta.ino());
        Some(self.dir.join(name))
    }

    #[cfg(not(unix))]
    fn source_path(&self, _: &std::fs::Metadata) -> Option<PathBuf> {
        None
    }

    /// What the cache knows of the file with metadata `meta`, if the file
    /// is unchanged since (its stamp matches the record's).
    pub(crate) fn known_source(&self, meta: &std::fs::Metadata) -> Option<KnownSource> {
        let record = std::fs::read(self.source_path(meta)?).ok()?;
        let rest = record.strip_prefix(stamp(meta, SOURCE_MAGIC)?.as_slice())?;
        let (key, rest) = rest.split_first_chunk::<32>()?;
        let (head_len, rest) = rest.split_first_chunk::<8>()?;
        let code_bytes: &[u8; 8] = rest.try_into().ok()?;
        Some(KnownSource {
            key: *key,
            head_len: u64::from_le_bytes(*head_len),
            code_bytes: u64::from_le_bytes(*code_bytes),
        })
    }

    /// Records `known` for `file`, whose metadata was `before` when its
    /// bytes were read (the read began at `read_at`): only if it is
    /// unchanged since, so that no write during the read pairs the stamp
    /// with other bytes, and if it had not changed lately before the read
    /// (see `SETTLED`).
    pub(crate) fn remember_source(
        &self,
        file: &File,
        before: &std::fs::Metadata,
        read_at: std::time::SystemTime,
        known: &KnownSource,
    ) {
        if self.abort.as_ref().is_some_and(Abort::is_aborted) || !settled(before, read_at) {
            return;
        }
        let Ok(now) = file.metadata() else { return };
        if !same_stamp(before, &now) || self.known_source(&now) == Some(*known) {
            return;
        }
        let (Some(path), Some(mut record)) =
            (self.source_path(before), stamp(before, SOURCE_MAGIC))
        else {
            return;
        };
        record.extend_from_slice(&known.key);
        record.extend_from_slice(&known.head_len.to_le_bytes());
        record.extend_from_slice(&known.code_bytes.to_le_bytes());
        if std::fs::create_dir_all(&self.dir).is_ok() {
            write_atomically(&path, &record);
        }
    }
}

/// How long before a read a file must have last changed for its stamp to be
/// remembered. File systems keep times in ticks (a few milliseconds on
/// Linux's, up to 2 s on others): a write in the tick of the change before
/// would leave the stamp as it was. A change more than this before the read
/// began has a tick of its own, so any write after the read moves the stamp.
const SETTLED: std::time::Duration = std::time::Duration::from_secs(2);

/// Whether the file of `meta` last changed more than `SETTLED` before `at`.
#[cfg(unix)]
fn settled(meta: &std::fs::Metadata, at: std::time::SystemTime) -> bool {
    use std::os::unix::fs::MetadataExt;
    let since_epoch = at.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let changed = std::time::Duration::new(
        u64::try_from(meta.ctime()).unwrap_or(0),
        u32::try_from(meta.ctime_nsec()).unwrap_or(0),
    );
    since_epoch
        .checked_sub(changed)
        .is_some_and(|age| age > SETTLED)
}

#[cfg(not(unix))]
fn settled(_: &std::fs::Metadata, _: std::time::SystemTime) -> bool {
    false
}

/// Whether `a` and `b` are the metadata of the same unchanged file.
pub(crate) fn same_stamp(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    let (a, b) = (stamp(a, &[]), stamp(b, &[]));
    a.is_some() && a == b
}

/// Reads the first `body` bytes of `file` and compares their CRC-32 with `sum`.
fn check(file: &mut File, body: usize, sum: &[u8]) -> Option<()> {
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
    (crc.finalize().to_le_bytes() == sum).then_some(())
}

/// The stamp of a checked file: device, inode, size, modification and
/// change times, and `sum` (its checksum, or what the record is of). A
/// write in place changes the change time (which no process can set back),
/// a rename the inode; so a stamp that matches the open file means its
/// bytes are the ones checked.
#[cfg(unix)]
fn stamp(meta: &std::fs::Metadata, sum: &[u8]) -> Option<Vec<u8>> {
    use std::os::unix::fs::MetadataExt;
    let fields = [
        meta.dev(),
        meta.ino(),
        meta.size(),
        meta.mtime() as u64,
        meta.mtime_nsec() as u64,
        meta.ctime() as u64,
        meta.ctime_nsec() as u64,
    ];
    let mut stamp: Vec<u8> = fields.iter().flat_map(|f| f.to_le_bytes()).collect();
    stamp.extend_from_slice(sum);
    Some(stamp)
}

/// Without change times, every load checks the whole entry.
#[cfg(not(unix))]
fn stamp(_: &std::fs::Metadata, _: &[u8]) -> Option<Vec<u8>> {
    None
}

/// Writes `bytes` to `path` by rename, so no reader sees half a file; the
/// metadata of the file written (after the rename), or `None` on failure,
/// which only costs a later check or compile.
fn write_atomically(path: &Path, bytes: &[u8]) -> Option<std::fs::Metadata> {
    use std::io::Write;
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}-{n}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let written = File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        std::fs::rename(&tmp, path)?;
        // This file's own metadata, whatever is at `path` by now.
        f.metadata()
    });
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.ok()
}
