//! A compiled module: its builds for each engine flavor (made on first use,
//! through the disk cache), shared by every handle compiled from the same
//! bytes.

use super::binary::Binary;
use super::info::ModuleInfo;
use super::source::{custom_sections, invalid_offset};
use super::tiering::{metering, Compiler};
use crate::cache::{DiskCache, KnownSource};
use crate::engine::{fits_pool, Engines, Flavor, Variant};
use crate::error::{describe, Error, Result};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use wasmtime::Engine;

/// A compiled module shared by every handle compiled from the same bytes;
/// builds for metered engines are made on first use, optimized builds of a
/// tiered module in the background.
pub(crate) struct Compiled {
    pub(crate) binary: Binary,
    pub(super) disk: Option<DiskCache>,
    pub(super) compiler: Compiler,
    pub(super) builds: Mutex<[Option<wasmtime::Module>; Flavor::COUNT]>,
    /// Signalled when a background build is done.
    pub(super) built: Condvar,
    /// Meterings (`metering()`) whose optimized build is queued or running.
    pub(super) pending: Mutex<u8>,
    /// The build made at compile time (also in `builds`).
    first: wasmtime::Module,
    /// Built when first asked for: large modules have many exports.
    info: OnceLock<ModuleInfo>,
    /// True when the module imports WASI preview1 and so needs a WASI context.
    pub(crate) uses_wasi: bool,
    /// True while its instances may fit the pool's slots (until the pooled
    /// engine refuses the module).
    pub(super) poolable: AtomicBool,
    /// True when Winch cannot compile the module: it is optimized at once.
    pub(super) no_baseline: bool,
}

impl Compiled {
    /// Compiles `binary` as `compiler` says: optimized for the plain engine
    /// (pooled when the module fits a pool slot), or baseline first; errors
    /// are 5000 with the validator's byte offset when it finds one.
    pub(crate) fn new(
        engines: &Arc<Engines>,
        binary: Binary,
        disk: Option<DiskCache>,
        compiler: Compiler,
        prebuilt: Option<wasmtime::Module>,
    ) -> Result<Arc<Compiled>> {
        let poolable = fits_pool(binary.head()) && prebuilt.is_none();
        // Without code (the holders of standalone memories, tables and
        // globals) there is nothing to tier: the first build is the last;
        // with little, the optimized build is about as quick as a process
        // start, and baseline code would cost the instance's whole life.
        let compiler = compiler.for_code(binary.code().size);
        // A precompiled artifact is code for the on-demand plain engine.
        let mut found = prebuilt.map(|m| (Flavor::PLAIN.unpooled(), m));
        if found.is_none() && compiler == Compiler::Tiered {
            // A cached optimized build beats any compile.
            found = disk.as_ref().and_then(|d| {
                let (flavor, v) = engines
                    .pooled_or_on_demand(Flavor::PLAIN.optimized(poolable))
                    .ok()?;
                d.load(&v.engine, binary.key()).map(|m| (flavor, m))
            });
        }
        let mut no_baseline = false;
        if found.is_none() && compiler != Compiler::Optimized {
            let v = engines.on_demand(Flavor::PLAIN.baseline())?;
            let disk = disk.as_ref().filter(|_| compiler == Compiler::Baseline);
            match build(&v.engine, &binary, disk) {
                Ok(m) => found = Some((Flavor::PLAIN.baseline(), m)),
                Err(e) if !valid(&binary) => return Err(e),
                // Valid bytes Winch cannot compile: optimized code only.
                Err(_) => no_baseline = true,
            }
        }
        let (flavor, module) = match found {
            Some(found) => found,
            None => build_for(
                engines,
                Flavor::PLAIN.optimized(poolable),
                &binary,
                disk.as_ref(),
            )?,
        };
        let uses_wasi = module
            .imports()
            .any(|i| i.module() == "wasi_snapshot_preview1");
        let mut builds: [Option<wasmtime::Module>; Flavor::COUNT] = Default::default();
        builds[flavor.index()] = Some(module.clone());
        let compiled = Arc::new(Compiled {
            binary,
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

    /// What the module imports and exports.
    pub(crate) fn info(&self) -> &ModuleInfo {
        self.info
            .get_or_init(|| ModuleInfo::of(&self.first, self.binary.head()))
    }

    /// What the disk cache is to remember of a file holding the module's
    /// bytes.
    pub(crate) fn known_source(&self) -> KnownSource {
        let code = self.binary.code();
        KnownSource {
            key: *self.binary.key(),
            head_len: code.head,
            code_bytes: code.size,
        }
    }

    /// Whether the module defines memories or tables of its own (instances
    /// of it hold storage that lives as long as their store).
    pub(crate) fn defines_storage(&self) -> bool {
        let r = self.first.resources_required();
        r.num_memories > 0 || r.num_tables > 0
    }

    /// The payloads of the module's custom sections named `name`, in order.
    pub(crate) fn custom_sections(&self, name: &str) -> Result<Vec<Vec<u8>>> {
        Ok(custom_sections(self.binary.whole()?, name))
    }

    pub(super) fn builds(
        &self,
    ) -> std::sync::MutexGuard<'_, [Option<wasmtime::Module>; Flavor::COUNT]> {
        self.builds.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn pending(&self) -> std::sync::MutexGuard<'_, u8> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
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
            None => build(&variant.engine, &self.binary, disk)?,
        };
        builds[flavor.index()] = Some(m.clone());
        Ok(m)
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

/// Compiles `binary` for `engine`, through the disk cache when there is one
/// (a cached build needs none of the bytes past the head).
pub(super) fn build(
    engine: &Engine,
    binary: &Binary,
    disk: Option<&DiskCache>,
) -> Result<wasmtime::Module> {
    let key = binary.key();
    if let Some(module) = disk.and_then(|d| d.load(engine, key)) {
        return Ok(module);
    }
    let bytes = binary.whole()?;
    let module =
        wasmtime::Module::from_binary(engine, bytes).map_err(|e| compile_error(bytes, &e))?;
    if let Some(d) = disk {
        d.store(engine, key, &module);
    }
    Ok(module)
}

/// Whether the validator accepts `binary` (bytes its file no longer holds
/// count as invalid: nothing more can be compiled from them).
fn valid(binary: &Binary) -> bool {
    binary.whole().is_ok_and(|b| invalid_offset(b).is_none())
}

/// The 5000 of the engine refusing `binary`, with the validator's offset.
pub(crate) fn compile_error(binary: &[u8], e: &wasmtime::Error) -> Error {
    Error::Compile {
        message: describe(e),
        offset: invalid_offset(binary),
    }
}

/// Builds `binary` for `flavor`: on the pooled engine first when `flavor`
/// is pooled, on demand when there is no pool or the pooled engine refused
/// valid bytes (they do not fit a slot after all).
pub(super) fn build_for(
    engines: &Engines,
    flavor: Flavor,
    binary: &Binary,
    disk: Option<&DiskCache>,
) -> Result<(Flavor, wasmtime::Module)> {
    let built = engines.with_fallback(flavor, |flavor, variant| {
        match build(&variant.engine, binary, disk) {
            Ok(module) => Ok(Some(module)),
            Err(_) if flavor.pooled && valid(binary) => Ok(None),
            Err(e) => Err(e),
        }
    })?;
    built.ok_or_else(|| Error::Engine("an on-demand build gives a module or an error".into()))
}
