//! The handle on one instance: calls into it run one at a time in arrival
//! order, sync ones on the caller's thread, async ones as futures on the
//! worker threads.

use crate::block_on::block_on;
use crate::error::{Error, Result};
use crate::executor::Executor;
use crate::host_call;
use crate::lent::{Extent, Lease, Lent, Watcher};
use crate::module::{Compiled, ExportInfo};
use crate::registry::{InstanceId, ModuleId};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use super::Live;

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
    /// Where the memories are, for the embedder's views of them.
    lent: Arc<Lent>,
    /// Views lent out, and the store kept for them once the instance is
    /// freed: their bytes must stay mapped, and not be reused, until the
    /// last view is gone.
    leases: Mutex<Leases>,
}

#[derive(Default)]
struct Leases {
    count: usize,
    kept: Option<Live>,
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
            lent: live.lent(),
            leases: Mutex::default(),
            id,
            module_id,
            compiled,
            executor,
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
    /// one of this instance's host functions, when it comes from inside that
    /// host function (on this thread): it could never start.
    fn reentrant(&self) -> Result<()> {
        if host_call::inside(self.id) {
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
        let guard = match self.live.try_lock() {
            Ok(guard) => guard,
            // A panic unwound through an earlier sync operation; the guest
            // was unwound with it, as after a panic in an async one (see
            // `CatchPanic`): the instance goes on.
            Err(std::sync::TryLockError::Poisoned(p)) => {
                self.live.clear_poison();
                p.into_inner()
            }
            Err(std::sync::TryLockError::WouldBlock) => {
                return Err(Error::busy(&self.id.to_string()))
            }
        };
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
        let id = self.id;
        let work: Work = Box::new(move |live| {
            Box::pin(async move {
                let result = match live {
                    Some(live) => CatchPanic(op(live)).await,
                    None => Err(Error::InvalidInstanceHandle(id.to_string())),
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
        live.refresh();
        if self.free_now.load(Ordering::SeqCst) {
            self.free(guard.take());
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
            self.free(guard.take());
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
                    if let Some(live) = &live {
                        live.refresh();
                    }
                    if self.free_now.load(Ordering::SeqCst) {
                        self.free(live);
                    } else {
                        let mut slot = relock(&self.live);
                        if slot.is_none() {
                            *slot = live;
                        }
                    }
                    done
                }
                Task::Free(done) => {
                    let live = relock(&self.live).take();
                    self.free(live);
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

    /// Frees the store, or keeps it while views of its memories are lent
    /// out; either way the embedder hears that every view is stale.
    fn free(&self, live: Option<Live>) {
        let Some(live) = live else { return };
        // Closed first: a lease counted after this sees it (`lend_memory`),
        // and one counted before is seen here.
        self.lent.close();
        let mut leases = relock(&self.leases);
        if leases.count > 0 {
            leases.kept = Some(live);
        } else {
            drop(leases);
            drop(live);
        }
    }

    /// Sets who hears that views of a memory went stale (see [`Watcher`]);
    /// only the first call takes effect.
    pub fn watch_memories(&self, watcher: Watcher) {
        self.lent.watch(watcher);
    }

    /// The index of memory `name` (or of the default memory, as
    /// `Live::memory`) for `memory_extent`; shared memories are refused.
    pub fn memory_index(&self, name: Option<&str>) -> Result<usize> {
        let label = name.unwrap_or("memory");
        let index = self
            .lent
            .index(name)
            .ok_or_else(|| crate::memory::missing(label))?;
        if self.lent.is_shared(index) {
            return Err(crate::memory::shared(label));
        }
        Ok(index)
    }

    /// Where memory `index` was when the embedder last could run (after an
    /// operation, or when the guest called out), read without the store, so
    /// it works while the guest runs or waits; `None` once the instance is
    /// gone. The bytes stay mapped there while a [`Lease`] is held.
    pub fn memory_extent(&self, index: usize) -> Option<Extent> {
        (!self.lent.is_gone()).then(|| self.lent.extent(index))
    }

    /// A claim that keeps the memories mapped (the store is kept, not
    /// freed, until the last lease is dropped); 5005 once gone. Take it
    /// before reading the extent it covers.
    pub fn lease(self: &Arc<Self>) -> Result<Lease> {
        relock(&self.leases).count += 1;
        let me = self.clone();
        let lease = Lease {
            release: Some(Box::new(move || me.unlease())),
        };
        // Checked after the lease is counted: a store freed from here on is
        // kept for it (see `free`).
        if self.lent.is_gone() {
            return Err(self.gone());
        }
        Ok(lease)
    }

    fn unlease(&self) {
        let mut leases = relock(&self.leases);
        leases.count -= 1;
        let kept = if leases.count == 0 {
            leases.kept.take()
        } else {
            None
        };
        drop(leases);
        drop(kept);
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
