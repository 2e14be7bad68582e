//! An instance: its store, the work queue that serializes calls into it in
//! arrival order, and the operations that run against the live store.

use crate::block_on::block_on;
use crate::call::Callee;
use crate::engine::{Engines, Flavor};
use crate::error::{Error, Result};
use crate::executor::Executor;
use crate::imports::{self, Import, Imports};
use crate::limits::{ticks, within, Armed, Limiter, Limits, Ticker};
use crate::module::ExternInfo;
use crate::module::{Compiled, ExportInfo};
use crate::registry::{InstanceId, ModuleId};
use crate::stack;
use crate::store::StoreData;
use crate::wasi::{Capture, WasiConfig};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use wasmtime::Store;

/// How an instance is set up; everything is denied unless granted.
#[derive(Debug, Clone, Default)]
pub struct InstanceConfig {
    pub wasi: WasiConfig,
    pub limits: Limits,
    pub imports: Imports,
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
    /// The store holds async host functions (JS imports, WASI), so guest
    /// code is entered through a fiber; otherwise directly.
    needs_async: bool,
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
            memories: None,
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
        let needs_async = module
            .imports()
            .any(|i| matches!(i.ty(), wasmtime::ExternType::Func(_)));
        let _armed = arm(&mut store, timeout, &engines.ticker)?;
        let made = if needs_async {
            let deadline = store.data().deadline;
            let building = wasmtime::Instance::new_async(&mut store, &module, &externs);
            block_on(async { within(deadline, building).await })
        } else {
            Ok(wasmtime::Instance::new(&mut store, &module, &externs))
        };
        let instance = match made? {
            Ok(instance) => instance,
            Err(e) if e.is::<wasmtime::PoolConcurrencyLimitError>() => return Ok(None),
            Err(e) => return Err(Error::from_instantiate(e)),
        };
        store.data_mut().limiter.instantiating = false;
        let memories: Vec<_> = instance
            .exports(&mut store)
            .filter_map(|e| {
                let name: Arc<str> = e.name().into();
                let ext = e.into_extern();
                matches!(
                    ext,
                    wasmtime::Extern::Memory(_) | wasmtime::Extern::SharedMemory(_)
                )
                .then_some((name, ext))
            })
            .collect();
        store.data_mut().memories = Some(memories.into());
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
            needs_async,
        }))
    }

    /// Runs guest code under the instance's deadline, if it has one: guest
    /// code stops at the deadline by an epoch trap, and a wait (a host
    /// function's reply, blocking WASI) is abandoned then. Without async host
    /// functions in the store the call is direct, with no fiber.
    pub(crate) async fn enter(
        &mut self,
        func: wasmtime::Func,
        params: &[wasmtime::Val],
        results: &mut [wasmtime::Val],
    ) -> Result<()> {
        let _armed = arm(&mut self.store, self.timeout, &self.ticker)?;
        let done = if self.needs_async {
            let deadline = self.store.data().deadline;
            within(deadline, func.call_async(&mut self.store, params, results)).await?
        } else {
            stack::check()?;
            func.call(&mut self.store, params, results)
        };
        done.map_err(Error::from_guest)
    }

    /// Whether guest code is entered through a fiber (see `enter`).
    pub(crate) fn needs_async(&self) -> bool {
        self.needs_async
    }

    /// Runs raw-valued guest code directly under the instance's deadline;
    /// only for stores without async host functions.
    pub(crate) fn enter_direct<R>(
        &mut self,
        f: impl FnOnce(&mut Store<StoreData>) -> wasmtime::Result<R>,
    ) -> Result<R> {
        debug_assert!(!self.needs_async);
        stack::check()?;
        let _armed = arm(&mut self.store, self.timeout, &self.ticker)?;
        f(&mut self.store).map_err(Error::from_guest)
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
    pub async fn run_async(&mut self) -> Result<RunOutput> {
        let func = self.func("_start")?;
        let exit_code = match self.enter(func, &[], &mut []).await {
            Ok(()) => 0,
            Err(Error::Wasi {
                exit_code: Some(code),
                ..
            }) => code,
            Err(e) => return Err(e),
        };
        Ok(RunOutput {
            exit_code,
            stdout: self.stdout.as_mut().map(Capture::take),
            stderr: self.stderr.as_mut().map(Capture::take),
        })
    }

    /// `run_async` on the calling thread.
    pub fn run(&mut self) -> Result<RunOutput> {
        block_on(self.run_async())
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

/// An operation on the live store, as a future: the one definition behind
/// both the sync form (`Instance::run_sync` with `block_on`) and the async one.
pub type Op<'a, R> = Pin<Box<dyn Future<Output = Result<R>> + Send + 'a>>;

type Work = Box<
    dyn for<'a> FnOnce(Option<&'a mut Live>) -> Pin<Box<dyn Future<Output = Done> + Send + 'a>>
        + Send,
>;

enum Task {
    /// Runs against the store (`None` once it is freed).
    Run(Work),
    /// Frees the store, then settles.
    Free(Done),
}

#[derive(Default)]
struct Queue {
    tasks: VecDeque<Task>,
    running: bool,
}

/// Turns a panic inside an operation into an error for its caller.
struct CatchPanic<F>(F);

impl<F: Future<Output = Result<R>>, R> Future for CatchPanic<F> {
    type Output = Result<R>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<R>> {
        // SAFETY: structural pinning of the only field; it is never moved.
        let inner = unsafe { self.map_unchecked_mut(|s| &mut s.0) };
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(poll) => poll,
            Err(_) => Poll::Ready(Err(Error::Call {
                message: "internal error: the operation panicked".into(),
                trap: None,
            })),
        }
    }
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
        self.spawn(move |live| Box::pin(async move { f(live) }), done)
    }

    /// Queues the operation `op` behind earlier work; while it waits (on a
    /// host function's reply, a WASI sleep) it holds no thread. `done`
    /// receives the result once the queue no longer counts it.
    pub fn spawn<R: Send + 'static>(
        self: &Arc<Self>,
        op: impl for<'a> FnOnce(&'a mut Live) -> Op<'a, R> + Send + 'static,
        done: impl FnOnce(Result<R>) + Send + 'static,
    ) {
        if self.closing.load(Ordering::SeqCst) {
            return done(Err(self.gone()));
        }
        if let Err(e) = self.reentrant() {
            return done(Err(e));
        }
        let gone = self.gone();
        let work: Work = Box::new(move |live| {
            Box::pin(async move {
                let result = match live {
                    Some(live) => CatchPanic(op(live)).await,
                    None => Err(gone),
                };
                Box::new(move || done(result)) as Done
            })
        });
        self.enqueue(Task::Run(work));
    }

    /// Runs the operation `op` on the calling thread (see `run_sync`).
    pub fn block<R>(&self, op: impl for<'a> FnOnce(&'a mut Live) -> Op<'a, R>) -> Result<R> {
        self.run_sync(|live| block_on(op(live)))
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
        self.enqueue(Task::Free(Box::new(move || done(Ok(())))));
    }

    fn enqueue(self: &Arc<Self>, task: Task) {
        let mut queue = relock(&self.queue);
        queue.tasks.push_back(task);
        if !queue.running {
            queue.running = true;
            let me = self.clone();
            self.executor.spawn_future(async move { me.drain().await });
        }
    }

    /// Runs queued tasks in order; the store is taken out of its slot while
    /// a task runs (sync callers find the queue running and are refused).
    async fn drain(&self) {
        let mut next = relock(&self.queue).tasks.pop_front();
        while let Some(task) = next {
            let done = match task {
                Task::Run(work) => {
                    let mut live = relock(&self.live).take();
                    let done = work(live.as_mut()).await;
                    if !self.free_now.load(Ordering::SeqCst) {
                        let mut slot = relock(&self.live);
                        if slot.is_none() {
                            *slot = live;
                        }
                    }
                    done
                }
                Task::Free(done) => {
                    *relock(&self.live) = None;
                    done
                }
            };
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
