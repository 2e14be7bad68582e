//! A compiled module and what it imports and exports, with types in the
//! names embedders use.

use crate::cache::DiskCache;
use crate::engine::{Engines, Flavor, Variant, POOL_MEMORY_BYTES, POOL_TABLE_ELEMENTS};
use crate::error::{describe, Error, Result};
use crate::limits::Limits;
use crate::tiering::{Compiler, Tier};
use crate::value::{ref_type_name, type_name};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use wasmparser::Payload;
use wasmtime::{Engine, ExternType, Mutability};

/// The shape of one import or export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExternInfo {
    Func {
        params: Vec<String>,
        results: Vec<String>,
    },
    Memory {
        minimum: u64,
        maximum: Option<u64>,
        shared: bool,
        memory64: bool,
    },
    Table {
        element: String,
        minimum: u64,
        maximum: Option<u64>,
        table64: bool,
    },
    Global {
        ty: String,
        mutable: bool,
    },
    Tag {
        params: Vec<String>,
    },
}

impl ExternInfo {
    /// `"func" | "memory" | "table" | "global" | "tag"`.
    pub fn kind(&self) -> &'static str {
        match self {
            ExternInfo::Func { .. } => "func",
            ExternInfo::Memory { .. } => "memory",
            ExternInfo::Table { .. } => "table",
            ExternInfo::Global { .. } => "global",
            ExternInfo::Tag { .. } => "tag",
        }
    }

    pub(crate) fn of(ty: &ExternType) -> ExternInfo {
        match ty {
            ExternType::Func(f) => ExternInfo::Func {
                params: f.params().map(|t| type_name(&t)).collect(),
                results: f.results().map(|t| type_name(&t)).collect(),
            },
            ExternType::Memory(m) => ExternInfo::Memory {
                minimum: m.minimum(),
                maximum: m.maximum(),
                shared: m.is_shared(),
                memory64: m.is_64(),
            },
            ExternType::Table(t) => ExternInfo::Table {
                element: ref_type_name(t.element()),
                minimum: t.minimum(),
                maximum: t.maximum(),
                table64: t.is_64(),
            },
            ExternType::Global(g) => ExternInfo::Global {
                ty: type_name(g.content()),
                mutable: g.mutability() == Mutability::Var,
            },
            ExternType::Tag(t) => ExternInfo::Tag {
                params: t.ty().params().map(|t| type_name(&t)).collect(),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportInfo {
    pub module: String,
    pub name: String,
    pub ty: ExternInfo,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportInfo {
    pub name: String,
    pub ty: ExternInfo,
}

/// Everything a module imports and exports, in declaration order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleInfo {
    pub imports: Vec<ImportInfo>,
    pub exports: Vec<ExportInfo>,
}

impl ModuleInfo {
    pub(crate) fn of(module: &wasmtime::Module) -> ModuleInfo {
        ModuleInfo {
            imports: module
                .imports()
                .map(|i| ImportInfo {
                    module: i.module().to_string(),
                    name: i.name().to_string(),
                    ty: ExternInfo::of(&i.ty()),
                })
                .collect(),
            exports: module
                .exports()
                .map(|e| ExportInfo {
                    name: e.name().to_string(),
                    ty: ExternInfo::of(&e.ty()),
                })
                .collect(),
        }
    }
}

/// A compiled module shared by every handle compiled from the same bytes;
/// builds for metered engines are made on first use, optimized builds of a
/// tiered module in the background.
pub(crate) struct Compiled {
    binary: Vec<u8>,
    /// SHA-256 of `binary`: the key of the in-memory and on-disk caches.
    key: [u8; 32],
    disk: Option<DiskCache>,
    compiler: Compiler,
    builds: Mutex<[Option<wasmtime::Module>; Flavor::COUNT]>,
    /// Signalled when a background build is done.
    built: Condvar,
    /// Meterings (`metering()`) whose optimized build is queued or running.
    pending: Mutex<u8>,
    /// The build made at compile time (also in `builds`).
    first: wasmtime::Module,
    /// Built when first asked for: large modules have many exports.
    info: OnceLock<ModuleInfo>,
    /// True when the module imports WASI preview1 and so needs a WASI context.
    pub(crate) uses_wasi: bool,
    /// True while its instances may fit the pool's slots (until the pooled
    /// engine refuses the module).
    poolable: AtomicBool,
    /// True when Winch cannot compile the module: it is optimized at once.
    no_baseline: bool,
}

/// Clears a pending build's bit and wakes its waiters when dropped.
struct Done<'a>(&'a Compiled, u8);

impl Drop for Done<'_> {
    fn drop(&mut self) {
        *self.0.pending() &= !self.1;
        self.0.built.notify_all();
    }
}

/// The bit of `Compiled::pending` for `flavor`'s metering.
fn metering(flavor: Flavor) -> u8 {
    1 << (usize::from(flavor.fuel) | usize::from(flavor.epochs) << 1)
}

impl Compiled {
    /// Compiles `binary` as `compiler` says: optimized for the plain engine
    /// (pooled when the module fits a pool slot), or baseline first; errors
    /// are 5000 with the validator's byte offset when it finds one.
    pub(crate) fn new(
        engines: &Arc<Engines>,
        binary: Vec<u8>,
        key: [u8; 32],
        disk: Option<DiskCache>,
        compiler: Compiler,
        prebuilt: Option<wasmtime::Module>,
    ) -> Result<Arc<Compiled>> {
        let poolable = fits_pool(&binary) && prebuilt.is_none();
        // Without code (the holders of standalone memories, tables and
        // globals) there is nothing to tier: the first build is the last.
        let compiler = match defines_functions(&binary) {
            true => compiler,
            false => Compiler::Optimized,
        };
        // A precompiled artifact is code for the on-demand plain engine.
        let mut found = prebuilt.map(|m| (Flavor::PLAIN.unpooled(), m));
        if found.is_none() && compiler == Compiler::Tiered {
            // A cached optimized build beats any compile.
            found = disk.as_ref().and_then(|d| {
                let (flavor, v) = plain_engine(engines, poolable).ok()?;
                d.load(&v.engine, &key).map(|m| (flavor, m))
            });
        }
        let mut no_baseline = false;
        if found.is_none() && compiler != Compiler::Optimized {
            let v = engines.on_demand(Flavor::PLAIN.baseline())?;
            let disk = disk.as_ref().filter(|_| compiler == Compiler::Baseline);
            match build(&v.engine, &binary, &key, disk) {
                Ok(m) => found = Some((Flavor::PLAIN.baseline(), m)),
                Err(e) if invalid_offset(&binary).is_some() => return Err(e),
                // Valid bytes Winch cannot compile: optimized code only.
                Err(_) => no_baseline = true,
            }
        }
        let (flavor, module) = match found {
            Some(found) => found,
            None => Self::optimized_plain(engines, &binary, &key, disk.as_ref(), poolable)?,
        };
        let uses_wasi = module
            .imports()
            .any(|i| i.module() == "wasi_snapshot_preview1");
        let mut builds: [Option<wasmtime::Module>; Flavor::COUNT] = Default::default();
        builds[flavor.index()] = Some(module.clone());
        let compiled = Arc::new(Compiled {
            binary,
            key,
            disk,
            compiler,
            builds: Mutex::new(builds),
            built: Condvar::new(),
            pending: Mutex::new(0),
            first: module,
            info: OnceLock::new(),
            uses_wasi,
            poolable: AtomicBool::new(poolable && flavor != Flavor::PLAIN.unpooled()),
            no_baseline,
        });
        if flavor.baseline && compiler == Compiler::Tiered {
            compiled.tier_up(engines, flavor);
        }
        Ok(compiled)
    }

    /// The optimized plain build: pooled when the module fits a slot.
    fn optimized_plain(
        engines: &Engines,
        binary: &[u8],
        key: &[u8; 32],
        disk: Option<&DiskCache>,
        poolable: bool,
    ) -> Result<(Flavor, wasmtime::Module)> {
        let compile = |variant: &Variant| build(&variant.engine, binary, key, disk);
        let (flavor, variant) = plain_engine(engines, poolable)?;
        match compile(&variant) {
            Ok(module) => Ok((flavor, module)),
            Err(e) if !flavor.pooled || invalid_offset(binary).is_some() => Err(e),
            // Valid bytes the pooled engine refused do not fit a slot after all.
            Err(_) => Ok((
                Flavor::PLAIN.unpooled(),
                compile(&*engines.on_demand(Flavor::PLAIN)?)?,
            )),
        }
    }

    /// What the module imports and exports.
    pub(crate) fn info(&self) -> &ModuleInfo {
        self.info.get_or_init(|| ModuleInfo::of(&self.first))
    }

    fn builds(&self) -> std::sync::MutexGuard<'_, [Option<wasmtime::Module>; Flavor::COUNT]> {
        self.builds.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, u8> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The flavor a new instance with `limits` gets: optimized code where
    /// it is built (or the compiler builds nothing else), else baseline
    /// code, the optimized build of that metering then starting in the
    /// background when the module tiers.
    pub(crate) fn flavor_for(self: &Arc<Self>, engines: &Arc<Engines>, limits: &Limits) -> Flavor {
        let optimized = Flavor::of(limits, self.poolable.load(Ordering::Relaxed));
        let baseline = optimized.baseline();
        let builds = self.builds();
        let ready = |f: Flavor| builds[f.index()].is_some();
        if ready(optimized) || ready(optimized.unpooled()) {
            return optimized;
        }
        if self.compiler == Compiler::Optimized || self.no_baseline {
            return optimized;
        }
        drop(builds);
        if self.compiler == Compiler::Tiered {
            self.tier_up(engines, baseline);
        }
        baseline
    }

    /// Which code new plain instances get now.
    pub(crate) fn tier(&self) -> Tier {
        let builds = self.builds();
        let plain = [Flavor::PLAIN, Flavor::PLAIN.unpooled()];
        match plain.iter().any(|f| builds[f.index()].is_some()) {
            true => Tier::Optimized,
            false => Tier::Baseline,
        }
    }

    /// Blocks until no optimized build of the module is pending.
    pub(crate) fn wait_optimized(&self) {
        self.wait(u8::MAX);
    }

    /// Blocks until none of the builds in `meterings` is pending.
    fn wait(&self, meterings: u8) {
        let mut pending = self.pending();
        while *pending & meterings != 0 {
            pending = self.built.wait(pending).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Queues the optimized build of `flavor`'s metering, unless it is
    /// queued already; instances made once it is done use it.
    fn tier_up(self: &Arc<Self>, engines: &Arc<Engines>, flavor: Flavor) {
        let bit = metering(flavor);
        {
            let mut pending = self.pending();
            if *pending & bit != 0 {
                return;
            }
            *pending |= bit;
        }
        let (weak, engines) = (Arc::downgrade(self), engines.clone());
        crate::tiering::in_background(Box::new(move || {
            // A module dropped meanwhile needs no better code.
            let Some(this) = weak.upgrade() else { return };
            // Whatever happens to the build (a panic included), waiters wake.
            let _done = Done(&this, bit);
            let optimized = flavor.optimized(this.poolable.load(Ordering::Relaxed));
            let built = this.build_optimized(&engines, optimized);
            if let Ok((flavor, module)) = built {
                this.builds()[flavor.index()] = Some(module);
            }
        }));
    }

    /// The optimized build of `flavor` (pooled first when it is), stored
    /// in the disk cache; the flavor it was built for.
    fn build_optimized(
        &self,
        engines: &Engines,
        flavor: Flavor,
    ) -> Result<(Flavor, wasmtime::Module)> {
        let disk = self.disk.as_ref();
        if flavor.pooled {
            if let Some(v) = engines.get(flavor)? {
                if let Ok(m) = build(&v.engine, &self.binary, &self.key, disk) {
                    return Ok((flavor, m));
                }
            }
            self.poolable.store(false, Ordering::Relaxed);
        }
        let v = engines.on_demand(flavor)?;
        let m = build(&v.engine, &self.binary, &self.key, disk)?;
        Ok((flavor.unpooled(), m))
    }

    /// The module compiled for `variant`'s engine (of `flavor`).
    pub(crate) fn module(&self, flavor: Flavor, variant: &Variant) -> Result<wasmtime::Module> {
        if !flavor.baseline {
            // Optimized code being built in the background is not built twice.
            self.wait(metering(flavor));
        }
        let mut builds = self.builds();
        if let Some(m) = &builds[flavor.index()] {
            return Ok(m.clone());
        }
        let pooled = flavor.optimized(true);
        let m = match &builds[pooled.index()] {
            // The pooled build's code serves the on-demand engine as is.
            Some(p) if !flavor.pooled && !flavor.baseline => reload(p, &variant.engine),
            _ => None,
        };
        let disk = match flavor.baseline {
            true => self
                .disk
                .as_ref()
                .filter(|_| self.compiler == Compiler::Baseline),
            false => self.disk.as_ref(),
        };
        let m = match m {
            Some(m) => m,
            None => build(&variant.engine, &self.binary, &self.key, disk)?,
        };
        builds[flavor.index()] = Some(m.clone());
        Ok(m)
    }
}

/// The engine for optimized plain code: the pooled one when the module
/// fits a slot and there is a pool, else the on-demand one.
fn plain_engine(engines: &Engines, poolable: bool) -> Result<(Flavor, Arc<Variant>)> {
    let pool = match poolable {
        true => engines.get(Flavor::PLAIN)?,
        false => None,
    };
    match pool {
        Some(v) => Ok((Flavor::PLAIN, v)),
        None => Ok((Flavor::PLAIN.unpooled(), engines.on_demand(Flavor::PLAIN)?)),
    }
}

/// `module`'s compiled code loaded into `engine`, which compiles the same
/// way (only allocation differs); `None` if the engine refuses it.
fn reload(module: &wasmtime::Module, engine: &Engine) -> Option<wasmtime::Module> {
    let bytes = module.serialize().ok()?;
    // SAFETY: the bytes were just serialized by this process's wasmtime
    // from a module of an engine with the same compilation settings.
    unsafe { wasmtime::Module::deserialize(engine, bytes) }.ok()
}

/// Converts WAT text to a wasm binary (5000 on a syntax error); binary
/// input passes through untouched.
pub fn wat2wasm(source: &[u8]) -> Result<Vec<u8>> {
    to_binary(source).map(|b| b.into_owned())
}

/// Largest module `compile_file` reads unless the runtime says otherwise.
pub const DEFAULT_MAX_MODULE_BYTES: u64 = 1 << 30;

/// What a file that is not a regular file is, for the error naming it.
fn kind_of(ty: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ty.is_fifo() {
            return "a FIFO";
        }
        if ty.is_char_device() {
            return "a character device";
        }
        if ty.is_block_device() {
            return "a block device";
        }
        if ty.is_socket() {
            return "a socket";
        }
    }
    if ty.is_dir() {
        "a directory"
    } else if ty.is_symlink() {
        "a symbolic link"
    } else {
        "a special file"
    }
}

/// Reads a module from a file the policy opened: only a regular file, and
/// at most `max` bytes, since a FIFO would block, a device never end and a
/// huge file exhaust memory.
pub(crate) fn read_source(
    file: std::fs::File,
    path: &std::path::Path,
    max: u64,
) -> Result<Vec<u8>> {
    use std::io::{self, Read};
    let fail = |source: io::Error| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let too_big = || {
        fail(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("larger than the maximum module size ({max} bytes, `maxModuleBytes`)"),
        ))
    };
    let meta = file.metadata().map_err(fail)?;
    let ty = meta.file_type();
    if !ty.is_file() {
        let kind = if ty.is_dir() {
            io::ErrorKind::IsADirectory
        } else {
            io::ErrorKind::InvalidInput
        };
        let what = kind_of(ty);
        return Err(fail(io::Error::new(
            kind,
            format!("{what}, not a regular file; only regular files are compiled"),
        )));
    }
    if meta.len() > max {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // The file may grow after the size check: read one byte past the cap
    // at most, to tell.
    (&file)
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(fail)?;
    if bytes.len() as u64 > max {
        return Err(too_big());
    }
    Ok(bytes)
}

/// Turns WAT text into binary; binary input passes through untouched.
pub(crate) fn to_binary(source: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>> {
    if source.starts_with(b"\0asm") {
        return Ok(source.into());
    }
    let text = std::str::from_utf8(source).map_err(|_| Error::Compile {
        message: "input is neither a wasm binary (no `\\0asm` header) nor UTF-8 WAT text".into(),
        offset: Some(0),
    })?;
    wat::parse_str(text)
        .map(Into::into)
        .map_err(|e| Error::Compile {
            message: e.to_string(),
            offset: None,
        })
}

/// Compiles `binary` for `engine`, through the disk cache when there is one.
fn build(
    engine: &Engine,
    binary: &[u8],
    key: &[u8; 32],
    disk: Option<&DiskCache>,
) -> Result<wasmtime::Module> {
    if let Some(module) = disk.and_then(|d| d.load(engine, key)) {
        return Ok(module);
    }
    let module =
        wasmtime::Module::from_binary(engine, binary).map_err(|e| compile_error(binary, &e))?;
    if let Some(d) = disk {
        d.store(engine, key, &module);
    }
    Ok(module)
}

/// The 5000 of the engine refusing `binary`, with the validator's offset.
pub(crate) fn compile_error(binary: &[u8], e: &wasmtime::Error) -> Error {
    Error::Compile {
        message: describe(e),
        offset: invalid_offset(binary),
    }
}

/// Whether the module's own memories and tables fit a pool slot, judged
/// from their sections so that most modules that do not are never compiled
/// for the pool (the engine has the last word).
fn fits_pool(binary: &[u8]) -> bool {
    let (mut memories, mut tables) = (0, 0);
    for payload in wasmparser::Parser::new(0).parse_all(binary) {
        match payload {
            Ok(Payload::MemorySection(section)) => {
                for memory in section {
                    let Ok(memory) = memory else { return false };
                    let page = 1u64 << memory.page_size_log2.unwrap_or(16);
                    if memory.initial.saturating_mul(page) > POOL_MEMORY_BYTES {
                        return false;
                    }
                    memories += 1;
                }
            }
            Ok(Payload::TableSection(section)) => {
                for table in section {
                    let Ok(table) = table else { return false };
                    if table.ty.initial > POOL_TABLE_ELEMENTS {
                        return false;
                    }
                    tables += 1;
                }
            }
            // Memories and tables come before the code.
            Ok(Payload::CodeSectionStart { .. }) | Err(_) => break,
            _ => {}
        }
    }
    memories <= 1 && tables <= 1
}

/// Whether the module has code of its own.
fn defines_functions(binary: &[u8]) -> bool {
    for payload in wasmparser::Parser::new(0).parse_all(binary) {
        match payload {
            Ok(Payload::FunctionSection(section)) => return section.count() > 0,
            Ok(Payload::CodeSectionStart { count, .. }) => return count > 0,
            Ok(_) => {}
            Err(_) => return true,
        }
    }
    false
}

/// The byte offset a validator reports for invalid bytes, if it finds one.
fn invalid_offset(binary: &[u8]) -> Option<usize> {
    let mut validator = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
    validator.validate_all(binary).err().map(|e| e.offset())
}
