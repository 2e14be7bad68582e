//! One call of a host function: its arguments, the caller's memories while
//! the guest waits for it, the reply the embedder settles from any thread,
//! and the loans of the guest's store to operations the host function runs
//! on it meanwhile (nested calls: the waiting call lends its `Caller`'s
//! store to the host function's thread and waits until it is given back).

use crate::error::{Error, Result};
use crate::memory::{Exported, HostMemory, Memories};
use crate::registry::InstanceId;
use crate::store::StoreData;
use crate::value::{Arg, Lifted, Value};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::Instant;
use wasmtime::StoreContextMut;

/// A host call's arguments: a module import's values, or a component
/// import's in jco's shapes.
#[derive(Debug)]
pub enum HostArgs {
    Core(Vec<Value>),
    /// `returns_result`: the function returns a `result<T, E>`, whose error
    /// the embedder answers with `Arg::Err`.
    Component {
        args: Vec<Lifted>,
        returns_result: bool,
    },
}

/// A function the guest imports, implemented by the embedder.
pub trait HostFunc: Send + Sync + 'static {
    /// Starts the function. The guest waits until `call` is settled (see
    /// [`HostCall::settle`]), which may happen here or later on any thread;
    /// waiting holds no thread. In a sync call this runs on the calling
    /// thread, between polls of the guest, on that thread's own stack.
    fn call(&self, call: HostCall);
}

/// The guest's store, lent by its waiting host call to the thread its host
/// function runs on, for one operation nested in the call; with the call's
/// memories, which the borrower renews as the operation leaves them.
pub(crate) struct LentStore {
    pub(crate) store: StoreContextMut<'static, StoreData>,
    /// The store's gate, read before the loan (the borrower waits on it
    /// until the poll that lent the store is over: see `Gate::settle`).
    pub(crate) gate: Arc<crate::store::Gate>,
    pub(crate) memories: Arc<Memories>,
    pub(crate) exported: Exported,
}

/// Settles an operation's caller (its result is inside), once nothing
/// about the operation is left to do.
pub(crate) type Done = Box<dyn FnOnce() + Send>;

/// An async operation started from inside a host function while its guest
/// waits: the waiting call runs it on its own store, inside the call, before
/// the guest resumes (a sync one borrows the store instead).
pub(crate) trait Nested: Send {
    /// The operation on the waiting call's store; what it gives is called
    /// once the call has taken its store back (it tells the embedder).
    fn run<'a>(
        self: Box<Self>,
        store: StoreContextMut<'a, StoreData>,
    ) -> Pin<Box<dyn Future<Output = Done> + Send + 'a>>;
    /// The call stopped waiting before it could run this one: it queues
    /// behind the call, as work from anywhere else does.
    fn queue(self: Box<Self>);
}

/// The embedder's answer to one host call, and the loans of its store to
/// operations nested in it before the answer comes.
#[derive(Default)]
pub(crate) struct Reply {
    state: Mutex<ReplyState>,
}

#[derive(Default)]
struct ReplyState {
    outcome: Option<Result<Arg>>,
    settled: bool,
    waker: Option<Waker>,
    /// A nested operation wants the store.
    asked: bool,
    /// The store, lent and not yet taken by the borrower.
    lent: Option<LentStore>,
    /// The borrower gave the store back.
    returned: bool,
    /// The call returned to the guest or was abandoned: nothing is lent.
    closed: bool,
    /// The thread that asked for the store, woken when it is lent (or the
    /// call ends).
    borrower: Option<std::thread::Thread>,
    /// A loan is asked for or under way (one at a time).
    loaned: bool,
    /// Async operations to run inside the call, in the order they came.
    jobs: VecDeque<Box<dyn Nested>>,
    /// One of them is running.
    running: bool,
}

impl Reply {
    fn lock(&self) -> MutexGuard<'_, ReplyState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wake(state: MutexGuard<'_, ReplyState>) {
        let mut state = state;
        let waker = state.waker.take();
        drop(state);
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Asks the waiting call to lend its store; `false` when it no longer
    /// waits (answered, or abandoned), or is busy: lent to another thread,
    /// or running async operations, which a blocked thread cannot wait for
    /// (their host functions may need that thread).
    pub(crate) fn ask(&self) -> bool {
        let mut state = self.lock();
        if state.closed || state.settled || state.loaned || state.running || !state.jobs.is_empty()
        {
            return false;
        }
        state.asked = true;
        state.loaned = true;
        state.borrower = Some(std::thread::current());
        Reply::wake(state);
        true
    }

    /// Whether the call no longer waits (answered, or abandoned).
    pub(crate) fn is_over(&self) -> bool {
        let state = self.lock();
        state.closed || state.outcome.is_some() || state.settled
    }

    /// The store, once the waiting call has lent it.
    pub(crate) fn take_lent(&self) -> Option<LentStore> {
        self.lock().lent.take()
    }

    /// The thread that asked for the store.
    pub(crate) fn borrower(&self) -> Option<std::thread::ThreadId> {
        self.lock().borrower.as_ref().map(std::thread::Thread::id)
    }

    /// Lends the store (the waiting call, when asked).
    pub(crate) fn lend(&self, store: LentStore) {
        let mut state = self.lock();
        state.lent = Some(store);
        if let Some(t) = state.borrower.take() {
            t.unpark();
        }
    }

    /// The borrower no longer wants the store: a request not served is
    /// withdrawn, a loan not taken ends.
    pub(crate) fn withdraw(&self) {
        let mut state = self.lock();
        state.asked = false;
        state.loaned = false;
        if state.lent.take().is_some() {
            state.returned = true;
            Reply::wake(state);
        }
    }

    /// The borrower is done with the store.
    pub(crate) fn give_back(&self) {
        let mut state = self.lock();
        state.returned = true;
        state.loaned = false;
        Reply::wake(state);
    }

    /// Hands the waiting call an async operation to run inside it; given
    /// back when the call no longer waits.
    pub(crate) fn send(&self, job: Box<dyn Nested>) -> Result<(), Box<dyn Nested>> {
        let mut state = self.lock();
        if state.closed || state.settled {
            return Err(job);
        }
        state.jobs.push_back(job);
        Reply::wake(state);
        Ok(())
    }

    /// The operation the waiting call ran ended.
    pub(crate) fn job_done(&self) {
        self.lock().running = false;
    }

    /// Whether async operations are still to run inside the call.
    pub(crate) fn has_jobs(&self) -> bool {
        !self.lock().jobs.is_empty()
    }

    /// Lends nothing more; operations that were to run inside the call
    /// queue behind it instead.
    pub(crate) fn close(&self) {
        let mut state = self.lock();
        state.closed = true;
        state.lent = None;
        if let Some(t) = state.borrower.take() {
            t.unpark();
        }
        let jobs = std::mem::take(&mut state.jobs);
        drop(state);
        jobs.into_iter().for_each(|job| job.queue());
    }
}

/// What a waiting host call hears next.
pub(crate) enum Heard {
    /// Its answer.
    Answer(Result<Arg>),
    /// A request to lend its store to a nested operation.
    Asked,
    /// The store lent is given back.
    Returned,
    /// An async operation to run inside the call.
    Job(Box<dyn Nested>),
}

/// Resolves with the next thing a waiting host call hears (`lent`: its
/// store is lent out, so it runs no operation meanwhile).
pub(crate) struct Wait {
    pub(crate) reply: Arc<Reply>,
    pub(crate) lent: bool,
}

impl Future for Wait {
    type Output = Heard;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Heard> {
        let mut state = self.reply.lock();
        if std::mem::take(&mut state.returned) {
            return Poll::Ready(Heard::Returned);
        }
        if std::mem::take(&mut state.asked) {
            return Poll::Ready(Heard::Asked);
        }
        if !self.lent {
            if let Some(job) = state.jobs.pop_front() {
                state.running = true;
                return Poll::Ready(Heard::Job(job));
            }
        }
        match state.outcome.take() {
            Some(outcome) => Poll::Ready(Heard::Answer(outcome)),
            None => {
                state.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// The future of the sync form that waits on a host call, as the nested
/// operations asked for from inside it need it: polled once more (from the
/// same thread, inside the host function) to let the guest's call serve
/// them. `true` once it has finished.
pub(crate) trait Drive {
    fn drive(&mut self, cx: &mut Context<'_>) -> bool;
}

/// A host function running on this thread, for the calls it makes.
#[derive(Clone)]
pub(crate) struct Inside {
    pub(crate) instance: InstanceId,
    pub(crate) reply: Arc<Reply>,
    /// The sync form's future the guest's call is part of, when it is
    /// polled on this thread (by `block_on`, below on this stack).
    pub(crate) driver: Option<*mut dyn Drive>,
}

/// One call of a host function, handed to [`crate::HostFunc::call`]. Settle
/// it once, now or later and from any thread; a call dropped unsettled
/// fails the guest's call. While it is unsettled the guest waits, holding
/// no thread, and its memories are reachable through [`HostCall::memory`].
pub struct HostCall {
    args: HostArgs,
    memories: Arc<Memories>,
    reply: Arc<Reply>,
    deadline: Option<Instant>,
    instance: InstanceId,
    /// The embedder's thread waits for the answer (a sync form).
    pub(crate) blocking: bool,
}

thread_local! {
    /// Host functions running on this thread right now, innermost last.
    static INSIDE: std::cell::RefCell<Vec<Inside>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` marked as inside a host function (`inside`).
pub(crate) fn run_inside<R>(inside: Inside, f: impl FnOnce() -> R) -> R {
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            INSIDE.with(|i| i.borrow_mut().pop());
        }
    }
    INSIDE.with(|i| i.borrow_mut().push(inside));
    let _leave = Leave;
    f()
}

/// The innermost host function of the store `instance` owns that is
/// running on this thread: a call into that store from here is nested.
pub(crate) fn inside(instance: InstanceId) -> Option<Inside> {
    INSIDE.with(|i| {
        i.borrow()
            .iter()
            .rev()
            .find(|x| x.instance == instance)
            .cloned()
    })
}

impl std::fmt::Debug for HostCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostCall")
            .field("args", &self.args)
            .finish_non_exhaustive()
    }
}

impl HostCall {
    pub(crate) fn new(
        args: HostArgs,
        memories: Arc<Memories>,
        reply: Arc<Reply>,
        deadline: Option<Instant>,
        instance: InstanceId,
    ) -> HostCall {
        HostCall {
            args,
            memories,
            reply,
            deadline,
            instance,
            blocking: false,
        }
    }

    /// Whether the embedder's thread is blocked on this call (a sync form
    /// called it, and the host function runs on that thread): the answer
    /// must not need that thread to be free first.
    pub fn is_blocking(&self) -> bool {
        self.blocking
    }

    /// The rule for an answer still to come — a Promise, whose settling
    /// needs the event loop of the thread this call may block. In an async
    /// call the guest waits for it, holding no thread: `false`, settle the
    /// call once it arrives. In a blocking call it would never arrive: the
    /// call is settled now with 5007 and `true` says it is answered.
    pub fn refuse_deferred(&self) -> bool {
        if !self.blocking {
            return false;
        }
        self.settle(Err(Error::Type(
            "a host function returned a Promise during a synchronous call; use call() for async host functions".into(),
        )));
        true
    }

    /// Runs `f`, the host function's work for this call, marking this
    /// thread as inside the calling instance's host function: calls into
    /// that instance from `f` do not queue behind the call that waits for
    /// `f` (they are nested while it waits, or refused where it cannot lend
    /// its store). The core marks its own starts; an embedder that runs the
    /// function later, on another thread or after an `await`, marks there.
    /// Already marked on this thread (host calls nested in it since may be
    /// marked above it), `f` just runs.
    pub fn run_inside<R>(&self, f: impl FnOnce() -> R) -> R {
        let marked = INSIDE.with(|i| {
            i.borrow()
                .iter()
                .any(|x| Arc::ptr_eq(&x.reply, &self.reply))
        });
        if marked {
            return f();
        }
        run_inside(self.inside(None), f)
    }

    /// This call as the host function's thread knows it (`driver`: the
    /// sync form polling the guest on this thread, if one does).
    pub(crate) fn inside(&self, driver: Option<*mut dyn Drive>) -> Inside {
        Inside {
            instance: self.instance,
            reply: self.reply.clone(),
            driver,
        }
    }

    /// The arguments of a module's import, as its declared parameters give
    /// them (none for a component's: see `lifted_args`).
    pub fn args(&self) -> &[Value] {
        match &self.args {
            HostArgs::Core(args) => args,
            HostArgs::Component { .. } => &[],
        }
    }

    /// The arguments of a component's import, in jco's shapes; `None` for
    /// a module's. Its answer is read as a component value too (an object's
    /// properties, strings, booleans).
    pub fn lifted_args(&self) -> Option<&[Lifted]> {
        match &self.args {
            HostArgs::Component { args, .. } => Some(args),
            HostArgs::Core(_) => None,
        }
    }

    /// Whether the call answers a component function returning a
    /// `result<T, E>`: its error is then answered as `Arg::Err`.
    pub fn returns_result(&self) -> bool {
        matches!(
            self.args,
            HostArgs::Component {
                returns_result: true,
                ..
            }
        )
    }

    /// When the running call's deadline passes, if it has one: the guest's
    /// call fails with 5012 then, whether or not this call is settled.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Answers the call: the value is converted by the import's declared
    /// results (ignored for none, the value for one, an `Arg::List` for
    /// several). Only the first answer counts.
    pub fn settle(&self, outcome: Result<Arg>) {
        let mut state = self.reply.lock();
        if state.settled {
            return;
        }
        state.settled = true;
        state.outcome = Some(outcome);
        let waker = state.waker.take();
        drop(state);
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Whether the call was answered already.
    pub fn is_settled(&self) -> bool {
        self.reply.lock().settled
    }

    /// Memory `name` of the calling instance (with `None`: the export
    /// `memory`, else the first exported memory), while the guest waits.
    pub fn memory(&self, name: Option<&str>) -> Result<HostMemory<'_>> {
        self.memories.get(name)
    }
}

impl Drop for HostCall {
    fn drop(&mut self) {
        self.settle(Err(Error::Call {
            message: "the host function was dropped without settling".into(),
            trap: None,
        }));
    }
}
