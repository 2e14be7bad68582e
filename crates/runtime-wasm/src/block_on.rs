//! Sync forms of async operations: the future is polled on the calling
//! thread, and host functions it reaches run on that thread's own stack, not
//! the guest's fiber, between polls.

use crate::error::Result;
use crate::host_call::{self, HostCall, HostFunc};
use crate::native_stack;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;

type Deferred = (Arc<dyn HostFunc>, HostCall);

thread_local! {
    /// Host calls waiting for the innermost `block_on` of this thread.
    static DEFERRED: RefCell<Vec<Deferred>> = const { RefCell::new(Vec::new()) };
    /// `block_on`s running on this thread.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
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
        run(&*func, call);
    }
}

/// Runs a host function marked as inside its instance (see `run_inside`).
fn run(func: &dyn HostFunc, call: HostCall) {
    let instance = call.instance();
    host_call::run_inside(instance, || func.call(call));
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

/// Runs `future` to completion on the calling thread, first checking that
/// the thread has stack left for it.
pub(crate) fn block_on<T>(future: impl Future<Output = Result<T>>) -> Result<T> {
    native_stack::check()?;
    let mut future = pin!(future);
    let _level = Level {
        base: DEFERRED.with(|d| d.borrow().len()),
    };
    DEPTH.with(|d| d.set(d.get() + 1));
    let base = _level.base;
    let (unpark, waker) = WAKER.with(|(u, w)| (u.clone(), w.clone()));
    let mut cx = Context::from_waker(&waker);
    loop {
        let polled =
            wasmtime_wasi::runtime::with_ambient_tokio_runtime(|| future.as_mut().poll(&mut cx));
        if let Poll::Ready(result) = polled {
            return result;
        }
        let next = DEFERRED.with(|d| {
            let mut d = d.borrow_mut();
            (d.len() > base).then(|| d.pop()).flatten()
        });
        match next {
            // Every nesting level passes through here: a host function that
            // calls another instance synchronously comes back to `block_on`.
            Some((func, call)) => match native_stack::check() {
                Ok(()) => run(&*func, call),
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
