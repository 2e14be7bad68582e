//! An instance: its store, the work queue that serializes calls into it in
//! arrival order, and the operations that run against the live store.

use crate::call::Callee;
use crate::engine::{Engines, Flavor};
use crate::error::{Error, Result};
use crate::executor::Executor;
use crate::imports::{self, Import, Imports};
use crate::limits::{ticks, Armed, Limiter, Limits, Ticker};
use crate::module::ExternInfo;
use crate::module::{Compiled, ExportInfo};
use crate::registry::{InstanceId, ModuleId};
use crate::wasi::{Capture, WasiConfig};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use wasmtime::Store;
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::I32Exit;

/// How an instance is set up; everything is denied unless granted.
#[derive(Debug, Clone, Default)]
pub struct InstanceConfig {
    pub wasi: WasiConfig,
    pub limits: Limits,
    pub imports: Imports,
}

/// Per-store state the engine hands to host functions.
pub(crate) struct StoreData {
    pub(crate) wasi: Option<WasiP1Ctx>,
    limiter: Limiter,
    /// The instance, once built (host functions find memories through it).
    pub(crate) instance: Option<wasmtime::Instance>,
    /// When the running call must end, if it has a timeout.
    pub(crate) deadline: Option<Instant>,
    /// Host functions of this store running now; shared with `Instance`,
    /// which refuses re-entrant calls while it is non-zero.
    pub(crate) host_calls: Arc<AtomicUsize>,
}

/// The result of running a WASI command to completion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutput {
    pub exit_code: i32,
    /// Captured output, when capture was requested.
    pub stdout: Option<Vec<u8>>,
    pub stderr: Option<Vec<u8>>,
}

/// A live store and instance; only reachable through `Instance`, which
/// guarantees one operation at a time.
pub struct Live {
    pub(crate) store: Store<StoreData>,
    pub(crate) instance: wasmtime::Instance,
    stdout: Option<Capture>,
    stderr: Option<Capture>,
    /// How long each call may run, when a timeout is set.
    timeout: Option<Duration>,
    ticker: Ticker,
    /// Function handles (exports and table entries), by id.
    pub(crate) funcs: Vec<Callee>,
    /// Handles of the exports called so far, by name.
    pub(crate) exported: HashMap<String, u32>,
    /// Handles of functions taken from tables, by the engine's reference.
    pub(crate) from_tables: HashMap<usize, u32>,
}

impl Live {
    /// Instantiates from the pool when the module fits it, else (or when
    /// the pool is full) on demand.
    pub(crate) fn new(
        engines: &Engines,
        compiled: &Compiled,
        policy: &crate::Policy,
        config: &InstanceConfig,
    ) -> Result<Live> {
        let flavor = Flavor::of(&config.limits, compiled.poolable);
        if let Some(live) = Live::build(engines, compiled, policy, config, flavor)? {
            return Ok(live);
        }
        let unpooled = Live::build(engines, compiled, policy, config, flavor.unpooled())?;
        unpooled.ok_or_else(|| Error::Instantiate {
            message: "no instance slot is free".into(),
            trap: None,
        })
    }

    /// `None` when `flavor` is pooled and the pool has no free slot (or
    /// there is no pool).
    fn build(
        engines: &Engines,
        compiled: &Compiled,
        policy: &crate::Policy,
        config: &InstanceConfig,
        flavor: Flavor,
    ) -> Result<Option<Live>> {
        let variant = match engines.get(flavor) {
            Ok(variant) => variant,
            // No pool to be had (its address space refused): on demand.
            Err(_) if flavor.pooled => return Ok(None),
            Err(e) => return Err(e),
        };
        let module = compiled.module(flavor, &variant)?;
        // WASI settings are checked (policy included) even when the module
        // does not import WASI, so a refused preopen is refused either way.
        let wasi = if compiled.uses_wasi || config.wasi != WasiConfig::default() {
            Some(config.wasi.build(policy, config.limits.max_open_files)?)
                .filter(|_| compiled.uses_wasi)
        } else {
            None
        };
        let (ctx, stdout, stderr) = match wasi {
            Some(w) => (Some(w.ctx), w.stdout, w.stderr),
            None => (None, None, None),
        };
        let data = StoreData {
            wasi: ctx,
            limiter: Limiter::new(&config.limits),
            instance: None,
            deadline: None,
            host_calls: Arc::default(),
        };
        let mut store = Store::new(&variant.engine, data);
        store.limiter(|d| &mut d.limiter);
        if let Some(fuel) = config.limits.fuel {
            store.set_fuel(fuel).map_err(Error::from_guest)?;
        }
        let externs = module
            .imports()
            .map(|import| resolve(&mut store, &variant.linker, &config.imports, import))
            .collect::<Result<Vec<_>>>()?;
        let timeout = config.limits.timeout;
        let _armed = arm(&mut store, timeout, &engines.ticker)?;
        let instance = match wasmtime::Instance::new(&mut store, &module, &externs) {
            Ok(instance) => instance,
            Err(e) if e.is::<wasmtime::PoolConcurrencyLimitError>() => return Ok(None),
            Err(e) => return Err(Error::from_instantiate(e)),
        };
        store.data_mut().limiter.instantiating = false;
        store.data_mut().instance = Some(instance);
        Ok(Some(Live {
            store,
            instance,
            stdout,
            stderr,
            timeout,
            ticker: engines.ticker.clone(),
            funcs: Vec::new(),
            exported: HashMap::new(),
            from_tables: HashMap::new(),
        }))
    }

    /// Runs guest code under the instance's deadline, if it has one.
    pub(crate) fn guest<R>(
        &mut self,
        f: impl FnOnce(&mut Store<StoreData>) -> wasmtime::Result<R>,
    ) -> Result<wasmtime::Result<R>> {
        let _armed = arm(&mut self.store, self.timeout, &self.ticker)?;
        Ok(f(&mut self.store))
    }

    /// Fuel left; 5007 when the instance was not given fuel.
    pub fn fuel(&self) -> Result<u64> {
        self.store.get_fuel().map_err(|_| no_fuel())
    }

    /// Refills (or drains) the fuel tank; 5007 without fuel.
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        self.store.set_fuel(fuel).map_err(|_| no_fuel())
    }

    /// Runs the WASI command entry point `_start`; `proc_exit(n)` is exit code `n`.
    pub fn run(&mut self) -> Result<RunOutput> {
        let func = self.func("_start")?;
        let exit_code = match self.guest(|store| func.call(store, &[], &mut []))? {
            Ok(()) => 0,
            Err(e) => match e.downcast_ref::<I32Exit>() {
                Some(exit) => exit.0,
                None => return Err(Error::from_guest(e)),
            },
        };
        Ok(RunOutput {
            exit_code,
            stdout: self.stdout.as_mut().map(Capture::take),
            stderr: self.stderr.as_mut().map(Capture::take),
        })
    }

    /// Drains captured stdout; empty when stdout is not captured.
    pub fn take_stdout(&mut self) -> Vec<u8> {
        self.stdout.as_mut().map(Capture::take).unwrap_or_default()
    }

    /// Drains captured stderr; empty when stderr is not captured.
    pub fn take_stderr(&mut self) -> Vec<u8> {
        self.stderr.as_mut().map(Capture::take).unwrap_or_default()
    }

    fn func(&mut self, name: &str) -> Result<wasmtime::Func> {
        self.export(name, "function", wasmtime::Extern::into_func)
    }

    /// Export `name` as the kind `pick` accepts; missing or another kind is 5003.
    pub(crate) fn export<T>(
        &mut self,
        name: &str,
        kind: &str,
        pick: impl FnOnce(wasmtime::Extern) -> Option<T>,
    ) -> Result<T> {
        let found = self
            .instance
            .get_export(&mut self.store, name)
            .ok_or_else(|| Error::ExportNotFound(format!("no export named `{name}`")))?;
        pick(found).ok_or_else(|| Error::ExportNotFound(format!("export `{name}` is not a {kind}")))
    }
}

fn no_fuel() -> Error {
    Error::Type("fuel is not enabled for this instance (set `fuel` when instantiating)".into())
}

/// Sets the store's deadline and keeps the ticker running meanwhile.
fn arm(
    store: &mut Store<StoreData>,
    timeout: Option<Duration>,
    ticker: &Ticker,
) -> Result<Option<Armed>> {
    match timeout {
        Some(t) => {
            store.set_epoch_deadline(ticks(t));
            store.data_mut().deadline = Some(Instant::now() + t);
            ticker.arm().map(Some)
        }
        None => Ok(None),
    }
}

/// What satisfies one import: a host function, else WASI, else 5001.
fn resolve(
    store: &mut Store<StoreData>,
    linker: &wasmtime::Linker<StoreData>,
    imports: &Imports,
    import: wasmtime::ImportType<'_>,
) -> Result<wasmtime::Extern> {
    let label = format!("{}.{}", import.module(), import.name());
    let fail = |message: String| Error::Instantiate {
        message,
        trap: None,
    };
    match (imports.get(import.module(), import.name()), import.ty()) {
        (Some(Import::Func(f)), wasmtime::ExternType::Func(ty)) => {
            Ok(imports::wrap(&mut *store, ty, f.clone(), label).into())
        }
        (Some(Import::Func(_)), ty) => Err(fail(format!(
            "import `{label}` is a {}, but a function was given",
            ExternInfo::of(&ty).kind()
        ))),
        (Some(Import::NotAFunction(kind)), _) => Err(fail(format!(
            "import `{label}` must be a function, got {kind}"
        ))),
        (None, ty) => linker.get_by_import(&mut *store, &import).ok_or_else(|| {
            fail(format!(
                "missing import `{label}` ({})",
                ExternInfo::of(&ty).kind()
            ))
        }),
    }
}

type Done = Box<dyn FnOnce() + Send>;
type Task = Box<dyn FnOnce(&Instance) -> Done + Send>;

#[derive(Default)]
struct Queue {
    tasks: VecDeque<Task>,
    running: bool,
}

/// A handle on one instance; calls into it run one at a time in arrival
/// order, sync ones on the caller's thread and async ones on worker threads.
pub struct Instance {
    id: InstanceId,
    module_id: ModuleId,
    compiled: Arc<Compiled>,
    executor: Executor,
    live: Mutex<Option<Live>>,
    queue: Mutex<Queue>,
    /// No new work is accepted: the instance was dropped.
    closing: AtomicBool,
    /// The store is to be freed as soon as the running operation ends.
    free_now: AtomicBool,
    /// Host functions of this instance running now (see `StoreData`).
    host_calls: Arc<AtomicUsize>,
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instance")
            .field("id", &self.id)
            .field("module_id", &self.module_id)
            .field("closing", &self.closing.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

fn relock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Instance {
    pub(crate) fn new(
        id: InstanceId,
        module_id: ModuleId,
        compiled: Arc<Compiled>,
        executor: Executor,
        live: Live,
    ) -> Instance {
        Instance {
            id,
            module_id,
            compiled,
            executor,
            host_calls: live.store.data().host_calls.clone(),
            live: Mutex::new(Some(live)),
            queue: Mutex::default(),
            closing: AtomicBool::new(false),
            free_now: AtomicBool::new(false),
        }
    }

    pub fn id(&self) -> InstanceId {
        self.id
    }

    pub fn module_id(&self) -> ModuleId {
        self.module_id
    }

    /// The module's exports; needs no access to the store.
    pub fn exports(&self) -> &[ExportInfo] {
        &self.compiled.info().exports
    }

    fn gone(&self) -> Error {
        Error::InvalidInstanceHandle(self.id.to_string())
    }

    /// Refuses work that would wait for a call that is itself waiting on
    /// one of this instance's host functions: it could never start.
    fn reentrant(&self) -> Result<()> {
        if self.host_calls.load(Ordering::SeqCst) > 0 {
            return Err(Error::Call {
                message: format!(
                    "instance `{}` is waiting on one of its host functions; calls into it from there are refused",
                    self.id
                ),
                trap: None,
            });
        }
        Ok(())
    }

    /// Runs `f` on the calling thread; fails at once (busy) rather than wait
    /// for asynchronous work, since that work may need the caller's thread.
    pub fn run_sync<R>(&self, f: impl FnOnce(&mut Live) -> Result<R>) -> Result<R> {
        if self.closing.load(Ordering::SeqCst) {
            return Err(self.gone());
        }
        self.reentrant()?;
        if relock(&self.queue).running {
            return Err(Error::busy(&self.id.to_string()));
        }
        let guard = self.live.try_lock().map_err(|e| match e {
            std::sync::TryLockError::Poisoned(p) => {
                drop(p.into_inner());
                self.gone()
            }
            std::sync::TryLockError::WouldBlock => Error::busy(&self.id.to_string()),
        })?;
        self.with(guard, f)
    }

    /// Queues `f` behind earlier work and runs it on a worker thread;
    /// `done` receives the result once the queue no longer counts it.
    pub fn run_async<R: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut Live) -> Result<R> + Send + 'static,
        done: impl FnOnce(Result<R>) + Send + 'static,
    ) {
        if self.closing.load(Ordering::SeqCst) {
            return done(Err(self.gone()));
        }
        if let Err(e) = self.reentrant() {
            return done(Err(e));
        }
        self.enqueue(Box::new(move |inst: &Instance| {
            // A panic must still settle the caller's promise.
            let run = std::panic::AssertUnwindSafe(|| inst.with(relock(&inst.live), f));
            let result = std::panic::catch_unwind(run).unwrap_or_else(|_| {
                Err(Error::Call {
                    message: "internal error: the operation panicked".into(),
                    trap: None,
                })
            });
            Box::new(move || done(result))
        }));
    }

    fn with<R>(
        &self,
        mut guard: MutexGuard<'_, Option<Live>>,
        f: impl FnOnce(&mut Live) -> Result<R>,
    ) -> Result<R> {
        let live = guard.as_mut().ok_or_else(|| self.gone())?;
        let result = f(live);
        if self.free_now.load(Ordering::SeqCst) {
            *guard = None;
        }
        result
    }

    /// Marks the instance dropped; false if it already was.
    fn close(&self) -> bool {
        !self.closing.swap(true, Ordering::SeqCst)
    }

    /// Drops now: queued work fails with 5005, a running call finishes first.
    pub(crate) fn drop_sync(&self) -> Result<()> {
        if !self.close() {
            return Err(self.gone());
        }
        self.free_now.store(true, Ordering::SeqCst);
        if let Ok(mut guard) = self.live.try_lock() {
            *guard = None;
        }
        Ok(())
    }

    /// Drops after the work queued before it; `done` runs once freed.
    pub(crate) fn drop_async(self: &Arc<Self>, done: impl FnOnce(Result<()>) + Send + 'static) {
        if !self.close() {
            return done(Err(self.gone()));
        }
        self.enqueue(Box::new(move |inst: &Instance| {
            *relock(&inst.live) = None;
            Box::new(move || done(Ok(())))
        }));
    }

    fn enqueue(self: &Arc<Self>, task: Task) {
        let mut queue = relock(&self.queue);
        queue.tasks.push_back(task);
        if !queue.running {
            queue.running = true;
            let me = self.clone();
            self.executor.spawn(move || me.drain());
        }
    }

    fn drain(&self) {
        let mut next = relock(&self.queue).tasks.pop_front();
        while let Some(task) = next {
            let done = task(self);
            let mut queue = relock(&self.queue);
            next = queue.tasks.pop_front();
            queue.running = next.is_some();
            drop(queue);
            // Settled only after the queue stopped counting this task, so a
            // caller reacting to it finds the instance idle.
            done();
        }
    }

    /// True once dropped (by `drop`, its module's drop or its runtime's
    /// close), whether or not the store is freed yet.
    pub fn is_dropped(&self) -> bool {
        self.closing.load(Ordering::SeqCst)
    }

    /// True while a store exists (not yet freed).
    ///
    /// Blocks while an operation runs; meant for tests and diagnostics.
    pub fn is_live(&self) -> bool {
        relock(&self.live).is_some()
    }
}
