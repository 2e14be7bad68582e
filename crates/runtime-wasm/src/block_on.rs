//! Sync forms of async operations: the future is polled on the calling
//! thread, and host functions it reaches run on that thread's own stack, not
//! the guest's fiber, between polls — as do the operations those host
//! functions run on the guest's own store (`borrow_store`).

use crate::error::Result;
use crate::host_call::{self, Drive, HostCall, HostFunc, Inside, LentStore, Reply};
use crate::native_stack;
use crate::store::{refresh_views, Gate, StoreData};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;
use wasmtime::AsContextMut;

type Deferred = (Arc<dyn HostFunc>, HostCall);

thread_local! {
    /// Host calls waiting for the innermost `block_on` of this thread.
    static DEFERRED: RefCell<Vec<Deferred>> = const { RefCell::new(Vec::new()) };
    /// `block_on`s running on this thread.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
    /// Host functions started inline on this thread (a worker polling an
    /// async call), still running.
    static INLINE: Cell<usize> = const { Cell::new(0) };
    static WAKER: (Arc<Unpark>, Waker) = {
        let unpark = Arc::new(Unpark {
            thread: std::thread::current(),
            woken: AtomicBool::new(false),
        });
        (unpark.clone(), Waker::from(unpark))
    };
}

/// Wakes the thread blocked in `block_on`.
struct Unpark {
    thread: Thread,
    woken: AtomicBool,
}

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

/// Starts a host call: inside `block_on` it is left for the blocking loop
/// to run on the thread's own stack; elsewhere (a worker polling an async
/// call) it starts at once. Inside a `block_on` on an embedder's thread (a
/// sync form) the call is blocking: that thread waits for the answer.
pub(crate) fn start(func: Arc<dyn HostFunc>, mut call: HostCall) {
    if DEPTH.with(Cell::get) > 0 {
        call.blocking = !crate::executor::on_worker();
        DEFERRED.with(|d| d.borrow_mut().push((func, call)));
    } else {
        // Inline, inside the poll of the guest's own future: that future
        // cannot lend its store to this thread meanwhile.
        INLINE.with(|i| i.set(i.get() + 1));
        struct Out;
        impl Drop for Out {
            fn drop(&mut self) {
                INLINE.with(|i| i.set(i.get() - 1));
            }
        }
        let _out = Out;
        run(&*func, call, None);
    }
}

/// Runs a host function marked as inside its instance (see `run_inside`),
/// with the sync form's future that polls its guest here, if one does.
fn run(func: &dyn HostFunc, call: HostCall, driver: Option<*mut dyn Drive>) {
    let inside = call.inside(driver);
    host_call::run_inside(inside, || func.call(call));
}

/// A sync form's future, and its output once it has one; not polled while
/// its store's gate is shut (the store lent to another thread).
struct Driven<'f, F: Future> {
    future: Pin<&'f mut F>,
    gate: Option<Arc<Gate>>,
    output: Option<F::Output>,
}

impl<F: Future> Drive for Driven<'_, F> {
    fn drive(&mut self, cx: &mut Context<'_>) -> bool {
        if self.output.is_some() {
            return true;
        }
        if self.gate.as_ref().is_some_and(|g| !g.passes(cx)) {
            return false;
        }
        let polled =
            wasmtime_wasi::runtime::with_ambient_tokio_runtime(|| self.future.as_mut().poll(cx));
        if let Some(gate) = &self.gate {
            gate.settle();
        }
        if let Poll::Ready(output) = polled {
            self.output = Some(output);
        }
        self.output.is_some()
    }
}

/// Restores this thread's depth and drops host calls left behind, even on
/// a panic.
struct Level {
    base: usize,
}

impl Drop for Level {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get() - 1));
        let stale = DEFERRED.with(|d| d.borrow_mut().split_off(self.base));
        drop(stale);
    }
}

/// Runs `future`, an operation on a store whose gate is `gate`, to
/// completion on the calling thread, first checking that the thread has
/// stack left for it.
pub(crate) fn block_on<T>(gate: &Arc<Gate>, future: impl Future<Output = Result<T>>) -> Result<T> {
    native_stack::check()?;
    let mut driven = Driven {
        future: pin!(future),
        gate: Some(gate.clone()),
        output: None,
    };
    let _level = Level {
        base: DEFERRED.with(|d| d.borrow().len()),
    };
    DEPTH.with(|d| d.set(d.get() + 1));
    let base = _level.base;
    let (unpark, waker) = WAKER.with(|(u, w)| (u.clone(), w.clone()));
    let mut cx = Context::from_waker(&waker);
    loop {
        if driven.drive(&mut cx) {
            return driven
                .output
                .take()
                .expect("a finished future has its output");
        }
        let next = DEFERRED.with(|d| {
            let mut d = d.borrow_mut();
            (d.len() > base).then(|| d.pop()).flatten()
        });
        match next {
            // Every nesting level passes through here: a host function that
            // calls another instance synchronously comes back to `block_on`.
            Some((func, call)) => match native_stack::check() {
                Ok(()) => {
                    let driver: *mut (dyn Drive + '_) = &mut driven;
                    // SAFETY: only the lifetime bound is erased. The pointer
                    // is used (by `borrow_store`, from the host function run
                    // here) only while `run` runs, during which this frame
                    // neither moves nor touches `driven`.
                    let driver: *mut (dyn Drive + 'static) = unsafe { std::mem::transmute(driver) };
                    run(&*func, call, Some(driver))
                }
                Err(e) => call.settle(Err(e)),
            },
            None => {
                while !unpark.woken.swap(false, Ordering::Acquire) {
                    std::thread::park();
                }
            }
        }
    }
}

/// Borrows the store of the guest that waits on the host call `inside`
/// (the host function calling this runs on this thread, or host code of
/// that store's): asks the call to lend its store and waits until it does —
/// polling the sync form's future once, when one polls the guest below on
/// this thread's stack; else the guest's call runs on a worker, which lends
/// the store when it next polls it, and this thread waits. `None` when the
/// call no longer waits or is busy, or the host function runs inside the
/// poll of its guest's future (started inline on a worker).
pub(crate) fn borrow_store(inside: &Inside) -> Option<Borrowed<'_>> {
    // A host function running inside the poll of its guest's future (a
    // worker's) would wait for that very poll to lend the store: refused.
    if inside.driver.is_none() && INLINE.with(Cell::get) > 0 {
        return None;
    }
    if !inside.reply.ask() {
        return None;
    }
    if let Some(driver) = inside.driver {
        let waker = WAKER.with(|(_, w)| w.clone());
        // SAFETY: `driver` points at the `Driven` of the `block_on` below on
        // this thread's stack that ran this host function (see `block_on`);
        // it is not polled anywhere else meanwhile, and polling it here,
        // between that `block_on`'s own polls, is what it is for.
        unsafe { (*driver).drive(&mut Context::from_waker(&waker)) };
    }
    let lent = loop {
        match inside.reply.take_lent() {
            Some(lent) => break lent,
            // A sync form lends at once when polled; an async call's guest,
            // polled on a worker, when it gets there.
            None if inside.driver.is_none() && !inside.reply.is_over() => std::thread::park(),
            None => {
                inside.reply.withdraw();
                return None;
            }
        }
    };
    // The loan ends when the `Borrowed` is dropped, a panic in its
    // operation included: the guest's call then goes on, and the store's
    // other futures may be polled again.
    let loan = Loan {
        reply: &inside.reply,
        gate: lent.gate.clone(),
    };
    // Lent from a poll on a worker, the store is the borrower's once that
    // poll is over (the guest's fiber has suspended).
    loan.gate.wait_settled();
    Some(Borrowed { lent, _loan: loan })
}

/// A waiting call's store, lent to this thread until dropped.
pub(crate) struct Borrowed<'r> {
    lent: LentStore,
    _loan: Loan<'r>,
}

impl Borrowed<'_> {
    /// Runs `op` on the store here, on this thread's own stack, then
    /// records where the memories are now and gives the store back.
    pub(crate) fn run<R>(
        mut self,
        op: impl FnOnce(wasmtime::StoreContextMut<'_, StoreData>) -> Result<R>,
    ) -> Result<R> {
        let result = op(self.lent.store.as_context_mut());
        refresh_views(&self.lent.store);
        self.lent
            .memories
            .renew(&self.lent.store, &self.lent.exported);
        result
    }
}

/// Gives a lent store back when dropped.
struct Loan<'a> {
    reply: &'a Reply,
    gate: Arc<Gate>,
}

impl Drop for Loan<'_> {
    fn drop(&mut self) {
        self.reply.give_back();
        self.gate.open();
    }
}
