//! The handle on one instance: calls into its store run one at a time in
//! arrival order, sync ones on the caller's thread, async ones as futures on
//! the worker threads. Instances linked to each other share one store.

use crate::block_on::{self, block_on};
use crate::error::{Error, Result};
use crate::executor::Executor;
use crate::host_call::{self, Done, Nested};
use crate::memory::Lease;
use crate::module::Compiled;
use crate::registry::{InstanceId, ModuleId};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use super::live::LiveStore;
use super::{Code, Instance, Live};

/// An operation on the live store, as a future: the one definition behind
/// both the sync form (`Instance::run_sync` with `block_on`) and the async one.
pub type Op<'a, R> = Pin<Box<dyn Future<Output = Result<R>> + Send + 'a>>;

type Work = Box<
    dyn for<'a> FnOnce(Option<&'a mut LiveStore>) -> Pin<Box<dyn Future<Output = Done> + Send + 'a>>
        + Send,
>;

enum Task {
    /// Runs against the store (`None` once it is freed).
    Run(Work),
    /// Drops the instance (freeing the store once no instance in it is
    /// left), then settles.
    Free(Arc<Instance>, Done),
}

#[derive(Default)]
struct Queue {
    tasks: VecDeque<Task>,
    running: bool,
}

/// An operation's future, not polled while the store is lent out to the
/// thread of a host function (see `store::Gate`).
struct Gated<F>(Option<Arc<crate::store::Gate>>, F);

impl<F: Future> Future for Gated<F> {
    type Output = F::Output;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: structural pinning of the future; the gate is not pinned
        // and neither field is moved out.
        let this = unsafe { self.get_unchecked_mut() };
        if let Some(gate) = &this.0 {
            if !gate.passes(cx) {
                return Poll::Pending;
            }
        }
        // SAFETY: `this.1` is pinned as `self` is, and never moved.
        let polled = unsafe { Pin::new_unchecked(&mut this.1) }.poll(cx);
        // A loan made inside that poll may be used from now on.
        if let Some(gate) = &this.0 {
            gate.settle();
        }
        polled
    }
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

/// An async operation with the callback its result goes to: queued as a
/// task, or nested in a waiting host call (`Nested`).
struct Spawned<O, D> {
    instance: Arc<Instance>,
    op: O,
    done: D,
}

impl<O, D, R> Spawned<O, D>
where
    O: for<'a> FnOnce(&'a mut Live<'_>) -> Op<'a, R> + Send + 'static,
    D: FnOnce(Result<R>) + Send + 'static,
    R: Send + 'static,
{
    /// Runs the operation on `live` (`None`: the store is gone), then
    /// gives the callback its result to call.
    async fn finish(self, live: Option<Live<'_>>) -> Done {
        let Spawned { instance, op, done } = self;
        let deadline = live.as_ref().and_then(|l| l.store.data().deadline);
        // Dropped unfinished with the call it runs inside (that call's
        // deadline passed while it waited), its caller still hears.
        let mut done = Unfinished {
            done: Some(done),
            deadline,
            result: std::marker::PhantomData,
        };
        let result = match live {
            Some(mut live) if !instance.freed.load(Ordering::SeqCst) => {
                CatchPanic(op(&mut live)).await
            }
            _ => Err(instance.gone()),
        };
        let done = done.done.take().expect("taken only here");
        Box::new(move || done(result))
    }
}

/// An operation's callback, called with an error if the operation is
/// dropped before it ends: 5012 once the deadline it ran under has passed.
struct Unfinished<D: FnOnce(Result<R>), R> {
    done: Option<D>,
    deadline: Option<std::time::Instant>,
    result: std::marker::PhantomData<fn(R)>,
}

impl<D: FnOnce(Result<R>), R> Drop for Unfinished<D, R> {
    fn drop(&mut self) {
        let Some(done) = self.done.take() else { return };
        done(Err(match self.deadline {
            Some(at) if std::time::Instant::now() >= at => Error::Timeout { trap: None },
            _ => Error::Call {
                message: "the call it ran inside ended before it".into(),
                trap: None,
            },
        }))
    }
}

impl<O, D, R> Nested for Spawned<O, D>
where
    O: for<'a> FnOnce(&'a mut Live<'_>) -> Op<'a, R> + Send + 'static,
    D: FnOnce(Result<R>) + Send + 'static,
    R: Send + 'static,
{
    fn run<'a>(
        self: Box<Self>,
        store: wasmtime::StoreContextMut<'a, crate::store::StoreData>,
    ) -> Pin<Box<dyn Future<Output = Done> + Send + 'a>> {
        let member = self.instance.member;
        let code = self.instance.component_code();
        Box::pin(self.finish(Some(Live::nested(store, member, code))))
    }

    fn queue(self: Box<Self>) {
        let owner = self.instance.owner_arc();
        let work: Work = Box::new(move |live| {
            Box::pin(async move {
                let (member, code) = (self.instance.member, self.instance.component_code());
                self.finish(live.map(|store| store.live(member, code)))
                    .await
            })
        });
        owner.enqueue(Task::Run(work));
    }
}

/// What the owner of a store holds.
pub(super) struct Owned {
    live: Mutex<Option<LiveStore>>,
    queue: Mutex<Queue>,
    /// The store is to be freed as soon as the running operation ends.
    free_now: AtomicBool,
    /// Instances in the store not yet dropped.
    open: AtomicUsize,
    /// Views lent out, and the store kept for them once it is freed: their
    /// bytes must stay mapped, and not be reused, until the last is gone.
    leases: Mutex<Leases>,
}

#[derive(Default)]
struct Leases {
    count: usize,
    kept: Option<LiveStore>,
}

fn relock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Instance {
    /// The first instance of a new store.
    pub(crate) fn new(
        id: InstanceId,
        module_id: ModuleId,
        code: Code,
        executor: Executor,
        live: LiveStore,
    ) -> Instance {
        Instance {
            lent: live.lent(0),
            tier: live.tier(),
            id,
            module_id,
            code,
            executor,
            owner: None,
            member: 0,
            closing: AtomicBool::new(false),
            freed: AtomicBool::new(false),
            store: Some(Owned {
                live: Mutex::new(Some(live)),
                queue: Mutex::default(),
                free_now: AtomicBool::new(false),
                open: AtomicUsize::new(1),
                leases: Mutex::default(),
            }),
        }
    }

    /// Instantiates `compiled` into the store that `owner` owns (which the
    /// instances whose exports it imports live in). When the join is only
    /// `optional` (functions that can be called through the embedder
    /// instead), `None` where the store refuses it or is busy.
    pub(crate) fn join(
        id: InstanceId,
        module_id: ModuleId,
        compiled: Arc<Compiled>,
        owner: Arc<Instance>,
        policy: &crate::Policy,
        config: &super::InstanceConfig,
        optional: bool,
    ) -> Result<Option<Instance>> {
        let store = owner.owned();
        if optional && relock(&store.queue).running {
            return Ok(None);
        }
        store.open.fetch_add(1, Ordering::SeqCst);
        let joined = owner.with_store(|live| {
            if optional
                && (live.refuses(&compiled, config).is_some() || !live.takes_linkable(&compiled))
            {
                return Ok(None);
            }
            let member = match live.join(id, &compiled, policy, config)? {
                Some(member) => member,
                None if optional => return Ok(None),
                None => {
                    return Err(Error::Instantiate {
                        message: "no instance slot is free".into(),
                        trap: None,
                    })
                }
            };
            Ok(Some((member, live.lent(member), live.tier())))
        });
        let (member, lent, tier) = match joined {
            Ok(Some(j)) => j,
            Ok(None) => {
                owner.leave_store();
                return Ok(None);
            }
            Err(e) => {
                owner.leave_store();
                return Err(e);
            }
        };
        Ok(Some(Instance {
            id,
            module_id,
            code: Code::Module(compiled),
            executor: owner.executor.clone(),
            owner: Some(owner),
            member,
            closing: AtomicBool::new(false),
            freed: AtomicBool::new(false),
            lent,
            tier,
            store: None,
        }))
    }

    fn owned(&self) -> &Owned {
        self.owner()
            .store
            .as_ref()
            .expect("the owner of a store holds it")
    }

    fn refused(&self) -> Error {
        Error::Call {
            message: format!(
                "instance `{}` is waiting on one of its host functions; calls into it from there are refused",
                self.id
            ),
            trap: None,
        }
    }

    /// Runs `f` on the calling thread; fails at once (busy) rather than wait
    /// for asynchronous work, since that work may need the caller's thread.
    pub fn run_sync<R>(&self, f: impl FnOnce(&mut Live<'_>) -> Result<R>) -> Result<R> {
        if self.closing.load(Ordering::SeqCst) {
            return Err(self.gone());
        }
        let member = self.member;
        // From a host function of this store, whose guest waits for it (on
        // this thread's stack, or its code after an `await` as the embedder
        // marks it): on the store that guest's call lends, inside that call;
        // refused when the call cannot lend it now. A call that no longer
        // waits leaves the work to the store as anyone's.
        if let Some(inside) = host_call::inside(self.owner().id) {
            match block_on::borrow_store(&inside) {
                Some(borrowed) => {
                    let code = self.component_code();
                    return borrowed.run(|store| f(&mut Live::nested(store, member, code)));
                }
                None if !inside.reply.is_over() => return Err(self.refused()),
                None => {}
            }
        }
        let code = self.component_code();
        self.owner()
            .with_store(|store| f(&mut store.live(member, code)))
    }

    /// Runs `f` against the store on the calling thread (the owner only).
    fn with_store<R>(&self, f: impl FnOnce(&mut LiveStore) -> Result<R>) -> Result<R> {
        let store = self.owned();
        if relock(&store.queue).running {
            return Err(Error::busy(&self.id.to_string()));
        }
        let mut guard = match store.live.try_lock() {
            Ok(guard) => guard,
            // A panic unwound through an earlier sync operation; the guest
            // was unwound with it, as after a panic in an async one (see
            // `CatchPanic`): the instance goes on.
            Err(std::sync::TryLockError::Poisoned(p)) => {
                store.live.clear_poison();
                p.into_inner()
            }
            Err(std::sync::TryLockError::WouldBlock) => {
                return Err(Error::busy(&self.id.to_string()))
            }
        };
        let live = guard.as_mut().ok_or_else(|| self.gone())?;
        let result = f(live);
        live.refresh();
        if store.free_now.load(Ordering::SeqCst) {
            self.free(guard.take());
        }
        result
    }

    /// Queues `f` behind earlier work and runs it on a worker thread;
    /// `done` receives the result once the queue no longer counts it.
    pub fn run_async<R: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut Live<'_>) -> Result<R> + Send + 'static,
        done: impl FnOnce(Result<R>) + Send + 'static,
    ) {
        self.spawn(move |live| Box::pin(async move { f(live) }), done)
    }

    /// Queues the operation `op` behind earlier work; while it waits (on a
    /// host function's reply, a WASI sleep) it holds no thread. `done`
    /// receives the result once the queue no longer counts it.
    pub fn spawn<R: Send + 'static>(
        self: &Arc<Self>,
        op: impl for<'a> FnOnce(&'a mut Live<'_>) -> Op<'a, R> + Send + 'static,
        done: impl FnOnce(Result<R>) + Send + 'static,
    ) {
        if self.closing.load(Ordering::SeqCst) {
            return done(Err(self.gone()));
        }
        let work = Box::new(Spawned {
            instance: self.clone(),
            op,
            done,
        });
        // From a host function of the store whose guest waits on it: inside
        // that call, or it could never start; once the call no longer
        // waits, queued as anyone's.
        match host_call::inside(self.owner().id) {
            Some(inside) => {
                if let Err(work) = inside.reply.send(work) {
                    work.queue();
                }
            }
            None => work.queue(),
        }
    }

    /// Runs the operation `op` on the calling thread (see `run_sync`).
    pub fn block<R>(&self, op: impl for<'a> FnOnce(&'a mut Live<'_>) -> Op<'a, R>) -> Result<R> {
        self.run_sync(|live| block_on(&live.gate(), op(live)))
    }

    /// Marks the instance dropped; false if it already was.
    fn close(&self) -> bool {
        !self.closing.swap(true, Ordering::SeqCst)
    }

    /// The instance is gone from its store: its views are stale, work still
    /// queued for it fails, and the last instance out frees the store (now,
    /// or once the running operation ends).
    fn release(&self) {
        self.freed.store(true, Ordering::SeqCst);
        self.lent.close();
        self.owner().leave_store();
    }

    /// One instance fewer in the store (the owner only); the last one out
    /// frees it, now or once the running operation ends.
    fn leave_store(&self) {
        let store = self.owned();
        if store.open.fetch_sub(1, Ordering::SeqCst) == 1 {
            store.free_now.store(true, Ordering::SeqCst);
            if let Ok(mut guard) = store.live.try_lock() {
                self.free(guard.take());
            }
        }
    }

    /// Drops now: queued work fails with 5005, a running call finishes first.
    pub(crate) fn drop_sync(&self) -> Result<()> {
        if !self.close() {
            return Err(self.gone());
        }
        self.release();
        Ok(())
    }

    /// Drops after the work queued before it (from host code of the store
    /// whose guest waits on it, at once: the queue would wait for that
    /// call); `done` runs once freed.
    pub(crate) fn drop_async(self: &Arc<Self>, done: impl FnOnce(Result<()>) + Send + 'static) {
        if host_call::inside(self.owner().id).is_some_and(|i| !i.reply.is_over()) {
            return done(self.drop_sync());
        }
        if !self.close() {
            return done(Err(self.gone()));
        }
        self.owner_arc()
            .enqueue(Task::Free(self.clone(), Box::new(move || done(Ok(())))));
    }

    fn enqueue(self: &Arc<Self>, task: Task) {
        let store = self.owned();
        let mut queue = relock(&store.queue);
        queue.tasks.push_back(task);
        if !queue.running {
            queue.running = true;
            let me = self.clone();
            self.executor.spawn_future(async move { me.drain().await });
        }
    }

    /// Runs queued tasks in order (the owner only); the store is taken out of
    /// its slot while a task runs (sync callers find the queue running and
    /// are refused).
    async fn drain(&self) {
        let store = self.owned();
        let mut next = relock(&store.queue).tasks.pop_front();
        while let Some(task) = next {
            let done = match task {
                Task::Run(work) => {
                    let mut live = relock(&store.live).take();
                    let gate = live.as_ref().map(|l| l.store.data().gate.clone());
                    let done = Gated(gate, work(live.as_mut())).await;
                    if let Some(live) = &live {
                        live.refresh();
                    }
                    if store.free_now.load(Ordering::SeqCst) {
                        self.free(live);
                    } else {
                        let mut slot = relock(&store.live);
                        if slot.is_none() {
                            *slot = live;
                        }
                    }
                    done
                }
                Task::Free(inst, done) => {
                    inst.release();
                    done
                }
            };
            let mut queue = relock(&store.queue);
            next = queue.tasks.pop_front();
            queue.running = next.is_some();
            drop(queue);
            // Settled only after the queue stopped counting this task, so a
            // caller reacting to it finds the instance idle.
            done();
        }
    }

    /// Frees the store (the owner only), or keeps it while views of its
    /// memories are lent out.
    fn free(&self, live: Option<LiveStore>) {
        let Some(live) = live else { return };
        let mut leases = relock(&self.owned().leases);
        if leases.count > 0 {
            leases.kept = Some(live);
        } else {
            drop(leases);
            drop(live);
        }
    }

    /// A claim that keeps the memories mapped (the store is kept, not
    /// freed, until the last lease is dropped); 5005 once gone. Take it
    /// before reading the extent it covers.
    pub fn lease(self: &Arc<Self>) -> Result<Lease> {
        let owner = self.owner_arc();
        relock(&owner.owned().leases).count += 1;
        let lease = Lease {
            release: Some(Box::new(move || owner.unlease())),
        };
        // Checked after the lease is counted: the instance's views are
        // closed (`release`) before its store can be freed, so a store freed
        // from here on is kept for this lease.
        if self.lent.is_gone() {
            return Err(self.gone());
        }
        Ok(lease)
    }

    fn unlease(&self) {
        let mut leases = relock(&self.owned().leases);
        leases.count -= 1;
        let kept = if leases.count == 0 {
            leases.kept.take()
        } else {
            None
        };
        drop(leases);
        drop(kept);
    }

    /// True while its store exists and it has not been freed from it.
    ///
    /// Blocks while an operation runs; meant for tests and diagnostics.
    pub fn is_live(&self) -> bool {
        !self.freed.load(Ordering::SeqCst) && relock(&self.owned().live).is_some()
    }
}
