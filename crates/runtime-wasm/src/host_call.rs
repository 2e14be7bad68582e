//! One call of a host function: its arguments, the caller's memories while
//! the guest waits for it, and the reply the embedder settles from any thread.

use crate::error::{Error, Result};
use crate::memory::{HostMemory, Memories};
use crate::registry::InstanceId;
use crate::value::{Arg, Value};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

/// A function the guest imports, implemented by the embedder.
pub trait HostFunc: Send + Sync + 'static {
    /// Starts the function. The guest waits until `call` is settled (see
    /// [`HostCall::settle`]), which may happen here or later on any thread;
    /// waiting holds no thread. In a sync call this runs on the calling
    /// thread, between polls of the guest, on that thread's own stack.
    fn call(&self, call: HostCall);
}

/// The embedder's answer to one host call.
#[derive(Default)]
pub(crate) struct Reply {
    state: Mutex<ReplyState>,
}

#[derive(Default)]
struct ReplyState {
    outcome: Option<Result<Arg>>,
    settled: bool,
    waker: Option<Waker>,
}

impl Reply {
    fn lock(&self) -> MutexGuard<'_, ReplyState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Resolves once the reply is settled.
pub(crate) struct Wait(pub(crate) Arc<Reply>);

impl Future for Wait {
    type Output = Result<Arg>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<Arg>> {
        let mut state = self.0.lock();
        match state.outcome.take() {
            Some(outcome) => Poll::Ready(outcome),
            None => {
                state.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// One call of a host function, handed to [`crate::HostFunc::call`]. Settle
/// it once, now or later and from any thread; a call dropped unsettled
/// fails the guest's call. While it is unsettled the guest waits, holding
/// no thread, and its memories are reachable through [`HostCall::memory`].
pub struct HostCall {
    args: Vec<Value>,
    memories: Arc<Memories>,
    reply: Arc<Reply>,
    deadline: Option<Instant>,
    instance: InstanceId,
    /// The embedder's thread waits for the answer (a sync form).
    pub(crate) blocking: bool,
}

thread_local! {
    /// Instances whose host function is running on this thread right now.
    static INSIDE: std::cell::RefCell<Vec<InstanceId>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` marked as inside a host function of `instance`.
pub(crate) fn run_inside<R>(instance: InstanceId, f: impl FnOnce() -> R) -> R {
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            INSIDE.with(|i| i.borrow_mut().pop());
        }
    }
    INSIDE.with(|i| i.borrow_mut().push(instance));
    let _leave = Leave;
    f()
}

/// Whether a host function of `instance` is running on this thread: a
/// call into that instance from here is re-entrant.
pub(crate) fn inside(instance: InstanceId) -> bool {
    INSIDE.with(|i| i.borrow().contains(&instance))
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
        args: Vec<Value>,
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

    /// The calling instance: an embedder that runs the function in its own
    /// async context can refuse calls from there into that instance.
    pub fn instance(&self) -> InstanceId {
        self.instance
    }

    /// Runs `f`, the host function's work for this call, marking this
    /// thread as inside the calling instance's host function: calls into
    /// that instance from `f` are refused (5002) instead of queueing behind
    /// the call that waits for `f`. The core marks its own starts; an
    /// embedder that runs the function later on another thread marks there.
    pub fn run_inside<R>(&self, f: impl FnOnce() -> R) -> R {
        run_inside(self.instance, f)
    }

    /// The arguments, as the import's declared parameters give them.
    pub fn args(&self) -> &[Value] {
        &self.args
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
