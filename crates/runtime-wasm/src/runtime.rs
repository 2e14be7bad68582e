//! The facade: a runtime owns an engine, a policy, its module and instance
//! tables and its worker threads; handles from one runtime mean nothing to
//! another.

use crate::engine;
use crate::error::{Error, Result};
use crate::executor::Executor;
use crate::instance::{Instance, InstanceConfig, Live, StoreData};
use crate::module::{self, Compiled, ModuleInfo};
use crate::policy::Policy;
use crate::registry::{InstanceId, ModuleId, Registry};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, Weak};
use wasmtime::{Engine, Linker};

/// Settings fixed for the life of a runtime.
#[derive(Debug, Clone, Default)]
pub struct RuntimeOptions {
    pub policy: Policy,
}

struct Inner {
    engine: Engine,
    linker: Linker<StoreData>,
    policy: Policy,
    executor: Executor,
    modules: Registry<ModuleId, Compiled>,
    instances: Registry<InstanceId, Instance>,
    /// Compiled modules by content hash, so identical bytes compile once.
    cache: Mutex<HashMap<[u8; 32], Weak<Compiled>>>,
}

/// An isolated set of modules and instances sharing one engine and policy.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

impl Runtime {
    pub fn new(options: RuntimeOptions) -> Result<Runtime> {
        let engine = engine::build()?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |d: &mut StoreData| {
            d.wasi
                .as_mut()
                .expect("a module importing WASI always gets a WASI context")
        })
        .map_err(|e| Error::Type(format!("cannot link WASI: {e}")))?;
        Ok(Runtime {
            inner: Arc::new(Inner {
                engine,
                linker,
                policy: options.policy,
                executor: Executor::default(),
                modules: Registry::new(),
                instances: Registry::new(),
                cache: Mutex::default(),
            }),
        })
    }

    /// Compiles a wasm binary or WAT text and returns a new module handle;
    /// identical bytes share one compiled module.
    pub fn compile(&self, source: &[u8]) -> Result<ModuleId> {
        let binary = module::to_binary(source)?;
        let key: [u8; 32] = Sha256::digest(&binary).into();
        let cached = self.cache().get(&key).and_then(Weak::upgrade);
        let compiled = match cached {
            Some(c) => c,
            None => {
                let c = Arc::new(module::compile(&self.inner.engine, &binary)?);
                let mut cache = self.cache();
                cache.retain(|_, w| w.strong_count() > 0);
                cache.insert(key, Arc::downgrade(&c));
                c
            }
        };
        let id = ModuleId::fresh();
        self.inner.modules.insert(id, compiled);
        Ok(id)
    }

    /// Reads (policy permitting) and compiles a `.wasm` or `.wat` file; the
    /// format is told from the content, not the name.
    pub fn compile_file(&self, path: impl AsRef<Path>) -> Result<ModuleId> {
        let canon = self.inner.policy.check_read(path.as_ref())?;
        let bytes = std::fs::read(&canon).map_err(|source| Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        })?;
        self.compile(&bytes)
    }

    /// True when `source` (binary or WAT) would compile on this runtime.
    pub fn validate(&self, source: &[u8]) -> bool {
        module::to_binary(source)
            .map(|b| wasmtime::Module::validate(&self.inner.engine, &b).is_ok())
            .unwrap_or(false)
    }

    fn module(&self, id: ModuleId) -> Result<Arc<Compiled>> {
        self.inner
            .modules
            .get(id)
            .ok_or_else(|| Error::InvalidModuleHandle(id.to_string()))
    }

    pub fn module_info(&self, id: ModuleId) -> Result<ModuleInfo> {
        Ok(self.module(id)?.info.clone())
    }

    /// Frees the module and drops every instance made from it.
    pub fn drop_module(&self, id: ModuleId) -> Result<()> {
        self.inner
            .modules
            .remove(id)
            .ok_or_else(|| Error::InvalidModuleHandle(id.to_string()))?;
        for inst in self.inner.instances.remove_where(|i| i.module_id() == id) {
            let _ = inst.drop_sync();
        }
        Ok(())
    }

    /// Makes a new instance with its own store, memory and state.
    pub fn instantiate(&self, id: ModuleId, config: &InstanceConfig) -> Result<Arc<Instance>> {
        let compiled = self.module(id)?;
        let inner = &self.inner;
        let live = Live::new(
            &inner.engine,
            &inner.linker,
            &compiled,
            &inner.policy,
            config,
        )?;
        let inst_id = InstanceId::fresh();
        let inst = Arc::new(Instance::new(
            inst_id,
            id,
            compiled,
            inner.executor.clone(),
            live,
        ));
        inner.instances.insert(inst_id, inst.clone());
        Ok(inst)
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

    /// True when two handles share one compiled module (the content cache hit).
    pub fn same_compiled(&self, a: ModuleId, b: ModuleId) -> Result<bool> {
        Ok(Arc::ptr_eq(&self.module(a)?, &self.module(b)?))
    }
}
