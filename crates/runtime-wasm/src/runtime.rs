//! The facade: a runtime owns its policy, module and instance tables and
//! worker threads, and shares the process's engines; handles from one
//! runtime mean nothing to another.

use crate::abort::Abort;
use crate::cache::{DiskCache, KnownSource};
use crate::component::{CompiledComponent, ComponentInfo};
use crate::engine::{Engines, Flavor};
use crate::error::{Error, Result};
use crate::executor::Executor;
use crate::instance::{Code, Instance, InstanceConfig, LiveStore};
use crate::module::{self, Binary, CodeSection, Compiled, InFile, ModuleInfo};
use crate::module::{Compiler, Tier};
use crate::policy::Policy;
use crate::precompiled;
use crate::registry::{InstanceId, ModuleId, Registry};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::{File, Metadata};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};

/// Settings fixed for the life of a runtime.
#[derive(Debug, Clone, Default)]
pub struct RuntimeOptions {
    pub policy: Policy,
    /// Live instances allowed at once; one more is 5013.
    pub max_instances: Option<usize>,
    /// Where compiled code persists across processes (a trusted directory).
    pub cache_dir: Option<PathBuf>,
    /// Instance slots kept ready per engine (default [`DEFAULT_POOL`]);
    /// instances beyond them are allocated on demand; 0 turns pooling off.
    /// Runtimes with the same value share their engines.
    pub pool: Option<u32>,
    /// Largest module `compile_file` reads, in bytes (default 1 GiB).
    pub max_module_bytes: Option<u64>,
    /// Baseline code first and optimized code in the background (the
    /// default), or one compiler only.
    pub compiler: Compiler,
    /// Whether `compile_file` loads precompiled artifacts (`precompile`'s
    /// output: native code, trusted as the program itself); otherwise 5009.
    pub allow_precompiled: bool,
}

/// Pool slots per engine. Engines are shared by the runtimes of a process
/// with the same pool size and live as long as it; each slot reserves about
/// 4 GiB of address space (not memory), and there are up to four pooled
/// engines (one per combination of fuel and deadlines in use).
pub const DEFAULT_POOL: u32 = 1000;

struct Inner {
    engines: Arc<Engines>,
    policy: Policy,
    max_instances: Option<usize>,
    max_module_bytes: u64,
    compiler: Compiler,
    allow_precompiled: bool,
    disk: Option<DiskCache>,
    executor: Executor,
    modules: Registry<ModuleId, Compiled>,
    /// Compiled components, by handles of the same kind as modules'.
    components: Registry<ModuleId, CompiledComponent>,
    instances: Registry<InstanceId, Instance>,
    /// Compiled modules by content hash, so identical bytes compile once.
    cache: Mutex<HashMap<[u8; 32], Weak<Compiled>>>,
    /// Compiled components likewise.
    component_cache: Mutex<HashMap<[u8; 32], Weak<CompiledComponent>>>,
    /// The module the last successful `validate` compiled.
    validated: Mutex<Option<Arc<Compiled>>>,
}

/// An isolated set of modules and instances sharing engines and a policy.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

impl Runtime {
    pub fn new(options: RuntimeOptions) -> Result<Runtime> {
        let engines = Engines::shared(options.pool.unwrap_or(DEFAULT_POOL));
        engines.on_demand(Flavor::PLAIN)?;
        Ok(Runtime {
            inner: Arc::new(Inner {
                engines,
                policy: options.policy,
                max_instances: options.max_instances,
                max_module_bytes: options
                    .max_module_bytes
                    .unwrap_or(module::DEFAULT_MAX_MODULE_BYTES),
                compiler: options.compiler,
                allow_precompiled: options.allow_precompiled,
                disk: options.cache_dir.as_deref().map(DiskCache::new),
                executor: Executor::default(),
                modules: Registry::new(),
                components: Registry::new(),
                instances: Registry::new(),
                cache: Mutex::default(),
                component_cache: Mutex::default(),
                validated: Mutex::default(),
            }),
        })
    }

    /// Compiles a wasm binary or WAT text and returns a new module handle;
    /// identical bytes share one compiled module.
    pub fn compile(&self, source: &[u8]) -> Result<ModuleId> {
        self.compile_binary(module::to_binary(source.into(), None)?, None)
    }

    /// `compile`, given up when `abort` is set: its result is then dropped
    /// (5000, "aborted"), nothing is cached and no better code is built.
    pub fn compile_abortable(&self, source: &[u8], abort: &Abort) -> Result<ModuleId> {
        self.compile_binary(module::to_binary(source.into(), None)?, Some(abort))
    }

    /// A new handle on a module or component (told apart by the header).
    fn compile_binary(&self, binary: Cow<'_, [u8]>, abort: Option<&Abort>) -> Result<ModuleId> {
        if wasmparser::Parser::is_component(&binary) {
            return self.compile_component(binary.into_owned(), None, abort);
        }
        let compiled = self.compiled_with(binary, |_| Ok(None), abort)?;
        Ok(self.register(compiled))
    }

    /// The disk cache for a compile `abort` may give up.
    fn disk_for(&self, abort: Option<&Abort>) -> Option<DiskCache> {
        let disk = self.inner.disk.as_ref()?;
        Some(match abort {
            Some(a) => disk.abortable(a),
            None => disk.clone(),
        })
    }

    /// A new handle on the component `binary`, compiled or given its code
    /// (identical bytes share one compiled component).
    fn compile_component(
        &self,
        binary: Vec<u8>,
        prebuilt: Option<wasmtime::component::Component>,
        abort: Option<&Abort>,
    ) -> Result<ModuleId> {
        let key: [u8; 32] = Sha256::digest(&binary).into();
        let inner = &self.inner;
        let relock = || {
            inner
                .component_cache
                .lock()
                .unwrap_or_else(|e| e.into_inner())
        };
        let shared = relock().get(&key).and_then(Weak::upgrade);
        let c = match shared {
            Some(c) => c,
            None => {
                let disk = self.disk_for(abort);
                let c =
                    CompiledComponent::new(&inner.engines, binary, &key, disk.as_ref(), prebuilt)?;
                aborted(abort)?;
                let mut cache = relock();
                cache.retain(|_, w| w.strong_count() > 0);
                cache.insert(key, Arc::downgrade(&c));
                c
            }
        };
        let id = ModuleId::fresh();
        inner.components.insert(id, c);
        Ok(id)
    }

    /// A new handle on `compiled`.
    fn register(&self, compiled: Arc<Compiled>) -> ModuleId {
        let id = ModuleId::fresh();
        self.inner.modules.insert(id, compiled);
        id
    }

    /// The compiled module for `binary`, from the content cache when present.
    fn compiled_binary(&self, binary: Cow<'_, [u8]>) -> Result<Arc<Compiled>> {
        self.compiled_with(binary, |_| Ok(None), None)
    }

    /// The compiled module for `binary`, given code (`prebuilt`) or compiled.
    fn compiled_with(
        &self,
        binary: Cow<'_, [u8]>,
        prebuilt: impl FnOnce(&Engines) -> Result<Option<wasmtime::Module>>,
        abort: Option<&Abort>,
    ) -> Result<Arc<Compiled>> {
        let key: [u8; 32] = Sha256::digest(&binary).into();
        let binary = || Binary::new(binary.into_owned(), key);
        self.compiled_keyed(key, binary, prebuilt, abort)
    }

    /// The compiled module whose bytes hash to `key`: the one in memory, or
    /// one made from `binary` (given code or compiled).
    fn compiled_keyed(
        &self,
        key: [u8; 32],
        binary: impl FnOnce() -> Binary,
        prebuilt: impl FnOnce(&Engines) -> Result<Option<wasmtime::Module>>,
        abort: Option<&Abort>,
    ) -> Result<Arc<Compiled>> {
        if let Some(c) = self.cache().get(&key).and_then(Weak::upgrade) {
            // One compiled from its file's head gets the bytes given here, so
            // that a later change to that file cannot cost this caller.
            if !c.binary.in_memory() {
                c.binary.adopt(binary());
            }
            return Ok(c);
        }
        let inner = &self.inner;
        let prebuilt = prebuilt(&inner.engines)?;
        let c = Compiled::new(
            &inner.engines,
            binary(),
            self.disk_for(abort),
            inner.compiler,
            prebuilt,
        )?;
        // Given up: dropped here, which also ends its background build
        // (it holds the module weakly).
        aborted(abort)?;
        let mut cache = self.cache();
        cache.retain(|_, w| w.strong_count() > 0);
        cache.insert(key, Arc::downgrade(&c));
        Ok(c)
    }

    /// Reads (policy permitting) and compiles a `.wasm` or `.wat` file; the
    /// format is told from the content, not the name. The file the policy
    /// approved is the one read (one handle, opened beneath the allowed
    /// directory); anything but a regular file, or one over
    /// `max_module_bytes`, is 5008.
    pub fn compile_file(&self, path: impl AsRef<Path>) -> Result<ModuleId> {
        self.compile_file_with(path.as_ref(), None)
    }

    /// `compile_file`, given up when `abort` is set (see `compile_abortable`).
    pub fn compile_file_abortable(
        &self,
        path: impl AsRef<Path>,
        abort: &Abort,
    ) -> Result<ModuleId> {
        self.compile_file_with(path.as_ref(), Some(abort))
    }

    fn compile_file_with(&self, path: &Path, abort: Option<&Abort>) -> Result<ModuleId> {
        let file = self.inner.policy.open_read(path)?;
        let max = self.inner.max_module_bytes;
        let read_at = std::time::SystemTime::now();
        let before = file.metadata().ok();
        if let Some((known, head)) = before.as_ref().and_then(|m| self.known_head(&file, m)) {
            // The disk cache knows these bytes: their code comes from it, and
            // the rest of the file is read only if something needs it.
            let path = path.to_path_buf();
            let code = CodeSection {
                head: known.head_len,
                size: known.code_bytes,
            };
            let binary = || Binary::in_file(InFile { path, max }, head, known.key, code);
            let compiled = self.compiled_keyed(known.key, binary, |_| Ok(None), abort)?;
            return Ok(self.register(compiled));
        }
        let bytes = module::read_source(&file, path, max)?;
        let plain_module = bytes.starts_with(b"\0asm") && !wasmparser::Parser::is_component(&bytes);
        if plain_module {
            let compiled = self.compiled_with(bytes.into(), |_| Ok(None), abort)?;
            if let (Some(disk), Some(before)) = (self.disk_for(abort), &before) {
                disk.remember_source(&file, before, read_at, &compiled.known_source());
            }
            return Ok(self.register(compiled));
        }
        if !precompiled::is_precompiled(&bytes) {
            return self.compile_binary(module::to_binary(bytes.into(), Some(path))?, abort);
        }
        if !self.inner.allow_precompiled {
            return Err(Error::PermissionDenied(format!(
                "`{}` is a precompiled artifact (native code); this runtime loads those only with `allowPrecompiled`",
                path.display()
            )));
        }
        let (code, binary) = precompiled::split(&bytes).ok_or_else(|| Error::Compile {
            message: format!(
                "`{}` is native code but not an artifact of `precompile` (truncated, or another tool's)",
                path.display()
            ),
            offset: None,
        })?;
        let refused = |e: wasmtime::Error| Error::Compile {
            message: format!(
                "`{}` cannot be loaded as precompiled code of this engine: {}",
                path.display(),
                crate::error::describe(&e)
            ),
            offset: None,
        };
        if wasmparser::Parser::is_component(binary) {
            let plain = self.inner.engines.on_demand(Flavor::PLAIN)?;
            // SAFETY: as for a module's code, below.
            let component =
                unsafe { wasmtime::component::Component::deserialize(&plain.engine, code) };
            return self.compile_component(
                binary.to_vec(),
                Some(component.map_err(refused)?),
                abort,
            );
        }
        let compiled = self.compiled_with(
            binary.into(),
            |engines| {
                let plain = engines.on_demand(Flavor::PLAIN)?;
                // SAFETY: the runtime was told to trust precompiled artifacts
                // (`allow_precompiled`) as it trusts the program itself; the
                // engine checks the artifact's header, version and settings and
                // refuses one made for another configuration.
                let module = unsafe { wasmtime::Module::deserialize(&plain.engine, code) };
                module.map(Some).map_err(refused)
            },
            abort,
        )?;
        Ok(self.register(compiled))
    }

    /// The disk cache's record of the module file `file` (metadata
    /// `before`) and the file's head, read now, when the file is unchanged
    /// since the record was made and still after the head was read.
    fn known_head(&self, file: &File, before: &Metadata) -> Option<(KnownSource, Vec<u8>)> {
        let known = self.inner.disk.as_ref()?.known_source(before)?;
        if !before.is_file()
            || before.len() > self.inner.max_module_bytes
            || known.head_len > before.len()
        {
            return None;
        }
        let mut head = vec![0; usize::try_from(known.head_len).ok()?];
        (&*file).read_exact(&mut head).ok()?;
        crate::cache::same_stamp(before, &file.metadata().ok()?).then_some((known, head))
    }

    /// A precompiled artifact of `source` for `compile_file` of a runtime
    /// with `allow_precompiled`: its optimized code and its bytes.
    pub fn precompile(&self, source: &[u8]) -> Result<Vec<u8>> {
        self.precompile_binary(&module::to_binary(source.into(), None)?)
    }

    /// `precompile` of the file at `path` (policy-checked as `compile_file`
    /// reads: a regular file, at most `max_module_bytes`).
    pub fn precompile_file(&self, path: impl AsRef<Path>) -> Result<Vec<u8>> {
        let path = path.as_ref();
        let file = self.inner.policy.open_read(path)?;
        let bytes = module::read_source(&file, path, self.inner.max_module_bytes)?;
        self.precompile_binary(&module::to_binary(bytes.into(), Some(path))?)
    }

    fn precompile_binary(&self, binary: &[u8]) -> Result<Vec<u8>> {
        let plain = self.inner.engines.on_demand(Flavor::PLAIN)?;
        let code = match wasmparser::Parser::is_component(binary) {
            true => plain.engine.precompile_component(binary),
            false => plain.engine.precompile_module(binary),
        };
        let code = code.map_err(|e| module::compile_error(binary, &e))?;
        Ok(precompiled::join(code, binary))
    }

    /// Which code new instances of module `id` get now.
    pub fn tier(&self, id: ModuleId) -> Result<Tier> {
        if self.is_component(id) {
            return Ok(Tier::Optimized);
        }
        Ok(self.module(id)?.tier())
    }

    /// Waits until the optimized code of module `id` that is being built in
    /// the background is ready (at once when none is).
    pub fn tier_up(&self, id: ModuleId) -> Result<()> {
        if self.is_component(id) {
            return Ok(());
        }
        self.module(id)?.wait_optimized();
        Ok(())
    }

    /// True exactly when `compile(source)` would succeed. The engine's
    /// validator accepts some modules its compiler then refuses (proposals it
    /// parses but does not implement), so a module that validates is also
    /// compiled, and kept until the next `validate` so that compiling it
    /// right after costs nothing.
    pub fn validate(&self, source: &[u8]) -> bool {
        let Ok(plain) = self.inner.engines.on_demand(Flavor::PLAIN) else {
            return false;
        };
        let Ok(binary) = module::to_binary(source.into(), None) else {
            return false;
        };
        if wasmparser::Parser::is_component(&binary) {
            return wasmtime::component::Component::from_binary(&plain.engine, &binary).is_ok();
        }
        let compiled = Some(binary)
            .filter(|b| wasmtime::Module::validate(&plain.engine, b).is_ok())
            .and_then(|b| self.compiled_binary(b).ok());
        let ok = compiled.is_some();
        *self
            .inner
            .validated
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = compiled;
        ok
    }

    fn module(&self, id: ModuleId) -> Result<Arc<Compiled>> {
        if let Some(m) = self.inner.modules.get(id) {
            return Ok(m);
        }
        match self.inner.components.get(id) {
            Some(_) => Err(Error::Type(format!(
                "`{id}` is a component; this takes a core module"
            ))),
            None => Err(Error::InvalidModuleHandle(id.to_string())),
        }
    }

    /// Whether handle `id` is a component's (else a module's, or unknown).
    pub fn is_component(&self, id: ModuleId) -> bool {
        self.inner.components.get(id).is_some()
    }

    /// What component `id` imports and exports, and its world as WIT text.
    pub fn component_info(&self, id: ModuleId) -> Result<ComponentInfo> {
        if let Some(c) = self.inner.components.get(id) {
            return Ok(c.info().clone());
        }
        match self.inner.modules.get(id) {
            Some(_) => Err(Error::Type(format!("`{id}` is a module, not a component"))),
            None => Err(Error::InvalidModuleHandle(id.to_string())),
        }
    }

    pub fn module_info(&self, id: ModuleId) -> Result<ModuleInfo> {
        Ok(self.module(id)?.info().clone())
    }

    /// The payloads of module `id`'s custom sections named `name`, in
    /// order (the WebAssembly JS API's `Module.customSections`).
    pub fn custom_sections(&self, id: ModuleId, name: &str) -> Result<Vec<Vec<u8>>> {
        self.module(id)?.custom_sections(name)
    }

    /// Frees the module and drops every instance made from it.
    pub fn drop_module(&self, id: ModuleId) -> Result<()> {
        self.forget_module(id)?;
        for inst in self.inner.instances.remove_where(|i| i.module_id() == id) {
            let _ = inst.drop_sync();
        }
        Ok(())
    }

    /// Forgets the handle `id` without touching its instances: the compiled
    /// code is freed once the last of them is gone. (For an embedder whose
    /// own module object was collected while instances of it may live on.)
    pub fn forget_module(&self, id: ModuleId) -> Result<()> {
        let inner = &self.inner;
        let module = inner.modules.remove(id).map(drop);
        module
            .or_else(|| inner.components.remove(id).map(drop))
            .ok_or_else(|| Error::InvalidModuleHandle(id.to_string()))
    }

    /// Frees every module and instance this runtime holds (what `using`
    /// does at the end of a runtime's scope); the runtime stays usable.
    pub fn close(&self) {
        self.inner.modules.remove_where(|_| true);
        self.inner.components.remove_where(|_| true);
        for inst in self.inner.instances.remove_where(|_| true) {
            let _ = inst.drop_sync();
        }
    }

    /// Makes a new instance with its own store, memory, state and limits.
    pub fn instantiate(&self, id: ModuleId, config: &InstanceConfig) -> Result<Arc<Instance>> {
        let inner = &self.inner;
        let cap = inner.max_instances.unwrap_or(usize::MAX);
        let over = || Error::LimitExceeded(format!("maxInstances ({cap}) instances are live"));
        let code = match inner.components.get(id) {
            Some(c) => Code::Component(c),
            None => Code::Module(self.module(id)?),
        };
        if inner.instances.len() >= cap {
            return Err(over());
        }
        let inst_id = InstanceId::fresh();
        let inst = match code {
            Code::Component(c) => {
                let live =
                    LiveStore::for_component(inst_id, &inner.engines, &c, &inner.policy, config)?;
                Instance::new(
                    inst_id,
                    id,
                    Code::Component(c),
                    inner.executor.clone(),
                    live,
                )
            }
            Code::Module(compiled) => self.instantiate_module(inst_id, id, compiled, config)?,
        };
        let inst = Arc::new(inst);
        // Checked again on insertion: instantiations may race past the first check.
        if !inner.instances.insert_within(inst_id, inst.clone(), cap) {
            return Err(over());
        }
        Ok(inst)
    }

    /// An instance of a module: in the store of the instances whose exports
    /// it imports, else in a new one.
    fn instantiate_module(
        &self,
        inst_id: InstanceId,
        id: ModuleId,
        compiled: Arc<Compiled>,
        config: &InstanceConfig,
    ) -> Result<Instance> {
        let inner = &self.inner;
        let joined = match self.linked_owner(config)? {
            // Imports another instance's exports: it joins that store.
            Some(owner) => {
                let made = Instance::join(
                    inst_id,
                    id,
                    compiled.clone(),
                    owner,
                    &inner.policy,
                    config,
                    false,
                )?;
                Some(made.expect("a join that is not optional gives an instance or an error"))
            }
            None => self.join_linkable(inst_id, id, &compiled, config)?,
        };
        Ok(match joined {
            Some(inst) => inst,
            None => {
                let live =
                    LiveStore::new(inst_id, &inner.engines, &compiled, &inner.policy, config)?;
                Instance::new(
                    inst_id,
                    id,
                    Code::Module(compiled),
                    inner.executor.clone(),
                    live,
                )
            }
        })
    }

    /// The owner of the store whose instances' exports `config` imports, if
    /// any; 5001 when they are gone or live in different stores.
    fn linked_owner(&self, config: &InstanceConfig) -> Result<Option<Arc<Instance>>> {
        let mut owner: Option<Arc<Instance>> = None;
        for (label, from) in config.imports.linked() {
            let fail = |why: &str| Error::Instantiate {
                message: format!("import `{label}` {why}"),
                trap: None,
            };
            let source = self
                .inner
                .instances
                .get(from)
                .ok_or_else(|| fail("is an export of an instance that was dropped"))?;
            let its = source.owner_arc();
            match &owner {
                None => owner = Some(its),
                Some(o) if Arc::ptr_eq(o, &its) => {}
                Some(_) => {
                    return Err(fail(
                        "comes from an instance that is not linked to the other imported ones",
                    ))
                }
            }
        }
        Ok(owner)
    }

    /// Joins the store of the first instance whose functions `config` may
    /// link directly (`Import::Linkable`) that takes it; `None` when none
    /// does (the functions are then called through their fallbacks).
    fn join_linkable(
        &self,
        inst_id: InstanceId,
        id: ModuleId,
        compiled: &Arc<Compiled>,
        config: &InstanceConfig,
    ) -> Result<Option<Instance>> {
        let mut tried: Vec<Arc<Instance>> = Vec::new();
        for from in config.imports.linkable() {
            let Some(owner) = self.inner.instances.get(from).map(|s| s.owner_arc()) else {
                continue;
            };
            if tried.iter().any(|t| Arc::ptr_eq(t, &owner)) {
                continue;
            }
            tried.push(owner.clone());
            let made = Instance::join(
                inst_id,
                id,
                compiled.clone(),
                owner,
                &self.inner.policy,
                config,
                true,
            )?;
            if made.is_some() {
                return Ok(made);
            }
        }
        Ok(None)
    }

    /// Looks up a live instance by handle.
    pub fn instance(&self, id: InstanceId) -> Result<Arc<Instance>> {
        self.inner
            .instances
            .get(id)
            .ok_or_else(|| Error::InvalidInstanceHandle(id.to_string()))
    }

    /// Drops an instance now; see `Instance` for what happens to queued work.
    pub fn drop_instance(&self, inst: &Instance) -> Result<()> {
        self.inner.instances.remove(inst.id());
        inst.drop_sync()
    }

    /// Drops an instance after the work already queued on it.
    pub fn drop_instance_async(
        &self,
        inst: &Arc<Instance>,
        done: impl FnOnce(Result<()>) + Send + 'static,
    ) {
        self.inner.instances.remove(inst.id());
        inst.drop_async(done)
    }

    /// How many instances are live.
    pub fn instance_count(&self) -> usize {
        self.inner.instances.len()
    }

    /// Runs `work` on a worker thread (compile, instantiate) and hands the
    /// result to `done` there.
    pub fn spawn<R: Send + 'static>(
        &self,
        work: impl FnOnce(&Runtime) -> Result<R> + Send + 'static,
        done: impl FnOnce(Result<R>) + Send + 'static,
    ) {
        let rt = self.clone();
        self.inner.executor.spawn(move || done(work(&rt)));
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Weak<Compiled>>> {
        self.inner.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// True when two handles share one compiled module or component (the
    /// content cache hit).
    pub fn same_compiled(&self, a: ModuleId, b: ModuleId) -> Result<bool> {
        let components = &self.inner.components;
        if let (Some(a), Some(b)) = (components.get(a), components.get(b)) {
            return Ok(Arc::ptr_eq(&a, &b));
        }
        Ok(Arc::ptr_eq(&self.module(a)?, &self.module(b)?))
    }
}

/// 5000 when the compile was given up.
fn aborted(abort: Option<&Abort>) -> Result<()> {
    match abort.is_some_and(Abort::is_aborted) {
        true => Err(Error::Compile {
            message: "the compile was aborted".into(),
            offset: None,
        }),
        false => Ok(()),
    }
}
