//! The JS thread as seen from worker threads: closures sent here run there
//! with its `Env`, in order, through one threadsafe function that rings
//! only when the thread is not already running them; references to JS
//! values are released there too.

use napi::bindgen_prelude::*;
use napi::{sys, UnknownRef};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

thread_local! {
    /// This JS thread's handle, made on first use.
    static CURRENT: RefCell<Option<JsThread>> = const { RefCell::new(None) };
    /// A task running now answered a guest that waits on a worker: more
    /// work for this thread (its next host call, its result) is likely to
    /// follow within microseconds.
    static ANSWERED: Cell<bool> = const { Cell::new(false) };
    /// This thread is running tasks from its inbox.
    static DRAINING: Cell<bool> = const { Cell::new(false) };
    /// Lingering found nothing this many times in a row: the next
    /// `2^misses - 1` chances to linger are skipped (see [`Shared::linger`]).
    static MISSES: Cell<u32> = const { Cell::new(0) };
    static SKIP: Cell<u32> = const { Cell::new(0) };
    /// Tasks run since the event loop last turned (see `yield_to_loop`).
    static SINCE_TURN: Cell<usize> = const { Cell::new(0) };
}

/// How long the JS thread, having answered a guest, waits for what the
/// guest sends next before it returns to the event loop: sleeping there
/// and being woken costs tens of microseconds per host call.
const LINGER: Duration = Duration::from_micros(50);

/// Past this many misses in a row, lingering is tried once in 64 chances.
const MAX_MISSES: u32 = 6;

/// Tasks run between two turns of the event loop at most, however they are
/// reached (a ring, lingering, an answer given in a Promise reaction).
const DRAIN_BUDGET: usize = 1024;

type Task = Box<dyn FnOnce(Env) + Send>;

/// Stack the code of a JS thread may use, V8's own limit with a margin.
const JS_STACK_BUDGET: usize = 920 * 1024;

struct Tsfn(sys::napi_threadsafe_function);
// SAFETY: Node-API documents a threadsafe function's handle as usable from
// any thread for `napi_call_threadsafe_function` and
// `napi_release_threadsafe_function`, the only calls made off the JS thread;
// the mutex around it (`Slot`) orders them against `finalize` taking it
// out.
unsafe impl Send for Tsfn {}

/// Tasks for the JS thread, in the order they were sent.
#[derive(Default)]
struct Inbox {
    tasks: VecDeque<Task>,
    /// The threadsafe function was called and the tasks have not all run
    /// yet: a new task needs no further call.
    ringing: bool,
}

/// The threadsafe function's handle while it may be used: shared with
/// `finalize`, which empties it when Node tears the function down, so
/// whichever of that and the last `JsThread`'s release comes first is the
/// only one to act on the handle.
type Slot = Arc<Mutex<Option<Tsfn>>>;

/// What Node hands `call_js` (as context) and `finalize` (as data).
struct Callbacks {
    shared: std::sync::Weak<Shared>,
    slot: Slot,
}

struct Shared {
    tsfn: Slot,
    inbox: Mutex<Inbox>,
    /// `inbox.tasks.len()`, readable without the lock while lingering.
    queued: AtomicUsize,
    thread: ThreadId,
    /// Promises waiting to be settled through this thread; while there are
    /// any, the threadsafe function keeps the event loop alive. Only
    /// touched on the JS thread.
    pending: AtomicUsize,
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Some(t) = self.tsfn.lock().unwrap_or_else(|e| e.into_inner()).take() {
            // SAFETY: `t.0` was created by `JsThread::new` and is released
            // only here, once, as it leaves the slot; release may be called
            // from any thread. It is still live: Node finalizes it only after
            // this release or at env teardown, and a teardown `finalize`
            // empties the same slot, under its lock, before Node frees the
            // function; so finding it here means it was not freed yet.
            unsafe {
                sys::napi_release_threadsafe_function(
                    t.0,
                    sys::ThreadsafeFunctionReleaseMode::release,
                )
            };
        }
    }
}

/// A handle on one JS thread; clones share it, the last one releases it.
#[derive(Clone)]
pub struct JsThread {
    shared: Arc<Shared>,
}

unsafe extern "C" fn call_js(
    env: sys::napi_env,
    _cb: sys::napi_value,
    ctx: *mut c_void,
    _data: *mut c_void,
) {
    // A null env means the environment is tearing down: the tasks are
    // dropped unrun with the inbox.
    if env.is_null() {
        return;
    }
    // SAFETY: the context is the `Box<Callbacks>` given to
    // `napi_create_threadsafe_function` in `JsThread::new`, which `finalize`
    // reclaims only after Node's last call of this callback.
    let callbacks = unsafe { &*ctx.cast::<Callbacks>() };
    if let Some(shared) = callbacks.shared.upgrade() {
        shared.drain(Env::from_raw(env));
    }
}

impl Shared {
    fn inbox(&self) -> std::sync::MutexGuard<'_, Inbox> {
        self.inbox.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs the queued tasks and those that follow soon after a task
    /// answered a guest (see [`LINGER`]), up to [`DRAIN_BUDGET`] of them
    /// before the event loop gets its turn; then lets the next task ring.
    fn drain(&self, env: Env) {
        struct Draining;
        impl Drop for Draining {
            fn drop(&mut self) {
                DRAINING.with(|d| d.set(false));
            }
        }
        DRAINING.with(|d| d.set(true));
        let _draining = Draining;
        // Only answers given by these tasks count.
        ANSWERED.with(|a| a.set(false));
        loop {
            loop {
                if SINCE_TURN.with(Cell::get) >= DRAIN_BUDGET {
                    // Timers, I/O and microtasks go first; the inbox stays
                    // marked ringing, so what comes meanwhile waits for the
                    // drain that follows the turn.
                    if yield_to_loop(env) {
                        return;
                    }
                    // No `setImmediate` here: rung for again instead (locks
                    // in `run`'s order).
                    SINCE_TURN.with(|n| n.set(0));
                    let tsfn = self.tsfn.lock().unwrap_or_else(|e| e.into_inner());
                    let mut inbox = self.inbox();
                    inbox.ringing = !inbox.tasks.is_empty() && tsfn.as_ref().is_some_and(ring);
                    return;
                }
                let next = {
                    let mut inbox = self.inbox();
                    let task = inbox.tasks.pop_front();
                    self.queued.store(inbox.tasks.len(), Ordering::Release);
                    task
                };
                let Some(task) = next else { break };
                SINCE_TURN.with(|n| n.set(n.get() + 1));
                task(env);
            }
            if ANSWERED.with(|a| a.replace(false)) && self.linger() {
                continue;
            }
            let mut inbox = self.inbox();
            if inbox.tasks.is_empty() {
                inbox.ringing = false;
                return;
            }
        }
    }

    /// Waits up to [`LINGER`] for a task; true if one came. Where waiting
    /// keeps finding nothing (host functions whose guests go on computing),
    /// it is tried ever more rarely, so the event loop loses at most a
    /// small share of its time to it.
    fn linger(&self) -> bool {
        let skip = SKIP.with(Cell::get);
        if skip > 0 {
            SKIP.with(|s| s.set(skip - 1));
            return self.queued.load(Ordering::Acquire) > 0;
        }
        let start = Instant::now();
        loop {
            for _ in 0..64 {
                if self.queued.load(Ordering::Acquire) > 0 {
                    MISSES.with(|m| m.set(0));
                    return true;
                }
                std::hint::spin_loop();
            }
            if start.elapsed() >= LINGER {
                let misses = MISSES.with(|m| {
                    m.set((m.get() + 1).min(MAX_MISSES));
                    m.get()
                });
                SKIP.with(|s| s.set((1 << misses) - 1));
                return false;
            }
        }
    }
}

/// Schedules `resume` with the host's `setImmediate`, which runs after the
/// event loop's pending I/O; false if there is no such function.
fn yield_to_loop(env: Env) -> bool {
    let raw = env.raw();
    let (mut global, mut set_immediate, mut callback, mut out) = (
        ptr::null_mut(),
        ptr::null_mut(),
        ptr::null_mut(),
        ptr::null_mut(),
    );
    let mut kind = sys::ValueType::napi_undefined;
    // SAFETY: `raw` is the live env of this JS thread (a task or `resume`
    // runs here with it); every out-pointer is a live local, each value is
    // used only after the call making it succeeded, and calling a function
    // value with `global` as `this` and one argument is what the call is for.
    unsafe {
        sys::napi_get_global(raw, &mut global) == sys::Status::napi_ok
            && sys::napi_get_named_property(
                raw,
                global,
                c"setImmediate".as_ptr(),
                &mut set_immediate,
            ) == sys::Status::napi_ok
            && sys::napi_typeof(raw, set_immediate, &mut kind) == sys::Status::napi_ok
            && kind == sys::ValueType::napi_function
            && sys::napi_create_function(
                raw,
                c"resume".as_ptr(),
                6,
                Some(resume),
                ptr::null_mut(),
                &mut callback,
            ) == sys::Status::napi_ok
            && sys::napi_call_function(raw, global, set_immediate, 1, &callback, &mut out)
                == sys::Status::napi_ok
    }
}

/// The event loop turned since `yield_to_loop`: the budget starts afresh
/// and the inbox is drained on.
unsafe extern "C" fn resume(env: sys::napi_env, _info: sys::napi_callback_info) -> sys::napi_value {
    SINCE_TURN.with(|n| n.set(0));
    let js = CURRENT.with(|c| c.borrow().clone());
    if let Some(js) = js {
        js.shared.drain(Env::from_raw(env));
    }
    ptr::null_mut()
}

unsafe extern "C" fn finalize(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the finalize data given to
    // `napi_create_threadsafe_function` in `JsThread::new`, a `Box<Callbacks>`
    // from `Box::into_raw`; creation succeeded (else `new` reclaims it), and
    // Node calls this finalizer once, after the last `call_js`, so it is
    // reclaimed exactly once here.
    let callbacks = unsafe { Box::from_raw(data.cast::<Callbacks>()) };
    // Node frees the function after this: nothing may release it any more.
    callbacks
        .slot
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
}

impl JsThread {
    /// Binds to the current (JS) thread.
    fn new(env: &Env) -> Result<JsThread> {
        // V8 stops JS at its own stack limit (984 KiB below the top of the
        // thread's stack by default): nested sync calls stop before it.
        runtime_wasm::native_stack::set_budget(JS_STACK_BUDGET);
        let shared = Arc::new(Shared {
            tsfn: Slot::default(),
            inbox: Mutex::default(),
            queued: AtomicUsize::new(0),
            thread: std::thread::current().id(),
            pending: AtomicUsize::new(0),
        });
        let callbacks = Box::into_raw(Box::new(Callbacks {
            shared: Arc::downgrade(&shared),
            slot: shared.tsfn.clone(),
        }))
        .cast::<c_void>();
        let name = env.create_string("runtime-wasm")?;
        let mut tsfn = ptr::null_mut();
        // SAFETY: `env` is the env of the JS call running `new` on this
        // thread; no JS function is given, which Node-API allows when a
        // `call_js` callback is; `name` is a string just created in `env`;
        // `callbacks` passes to `call_js` and `finalize` (both have the
        // expected signatures); `tsfn` is a live out-pointer.
        let status = unsafe {
            sys::napi_create_threadsafe_function(
                env.raw(),
                ptr::null_mut(),
                ptr::null_mut(),
                name.raw(),
                0,
                1,
                callbacks,
                Some(finalize),
                callbacks,
                Some(call_js),
                &mut tsfn,
            )
        };
        if status != sys::Status::napi_ok {
            // SAFETY: creation failed, so Node never took `callbacks` and
            // will not call `finalize`; this reclaims the `Box::into_raw`
            // from above, once.
            drop(unsafe { Box::from_raw(callbacks.cast::<Callbacks>()) });
            return Err(Error::from_reason("cannot create a threadsafe function"));
        }
        // Waiting guests keep the loop alive through their own promises.
        // SAFETY: `tsfn` was just created (status checked) in `env`, and this
        // runs on its JS thread, the only one allowed to unref it.
        unsafe { sys::napi_unref_threadsafe_function(env.raw(), tsfn) };
        *shared.tsfn.lock().unwrap_or_else(|e| e.into_inner()) = Some(Tsfn(tsfn));
        Ok(JsThread { shared })
    }

    /// The handle of the calling JS thread, shared by everything on it.
    pub fn current(env: &Env) -> Result<JsThread> {
        let cached = CURRENT.with(|c| c.borrow().clone());
        if let Some(js) = cached.filter(JsThread::is_open) {
            return Ok(js);
        }
        let js = JsThread::new(env)?;
        CURRENT.with(|c| *c.borrow_mut() = Some(js.clone()));
        Ok(js)
    }

    fn is_open(&self) -> bool {
        self.shared
            .tsfn
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    /// Sets `f` on the threadsafe function, on the JS thread.
    fn with_tsfn(&self, f: impl FnOnce(sys::napi_threadsafe_function)) {
        if let Some(t) = self
            .shared
            .tsfn
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            f(t.0);
        }
    }

    /// Keeps the event loop alive until a matching `release`: a promise
    /// that will be settled through this thread is pending.
    pub fn hold(&self, env: &Env) {
        if self.shared.pending.fetch_add(1, Ordering::Relaxed) == 0 {
            // SAFETY: called on the JS thread (from a JS call's `env`), the
            // only thread allowed to ref; the handle is live under the lock.
            self.with_tsfn(|t| unsafe {
                sys::napi_ref_threadsafe_function(env.raw(), t);
            });
        }
    }

    /// Ends one `hold`; the last lets the loop exit again.
    pub fn release(&self, env: &Env) {
        if self.shared.pending.fetch_sub(1, Ordering::Relaxed) == 1 {
            // SAFETY: as in `hold`: on the JS thread, with a live handle.
            self.with_tsfn(|t| unsafe {
                sys::napi_unref_threadsafe_function(env.raw(), t);
            });
        }
    }

    /// True on the JS thread itself.
    pub fn is_current(&self) -> bool {
        std::thread::current().id() == self.shared.thread
    }

    /// Queues `task` to run on the JS thread; false if it is shutting down.
    pub fn run(&self, task: impl FnOnce(Env) + Send + 'static) -> bool {
        let guard = self.shared.tsfn.lock().unwrap_or_else(|e| e.into_inner());
        let Some(t) = guard.as_ref() else {
            return false;
        };
        let mut inbox = self.shared.inbox();
        inbox.tasks.push_back(Box::new(task));
        self.shared
            .queued
            .store(inbox.tasks.len(), Ordering::Release);
        if inbox.ringing {
            return true;
        }
        // Rung with the inbox locked, so on failure the task just pushed
        // is still the last one.
        if !ring(t) {
            inbox.tasks.pop_back();
            return false;
        }
        inbox.ringing = true;
        true
    }

    /// A guest waiting on a worker was just answered: the JS thread
    /// lingers for what that guest sends next, after the running task (in a
    /// task) or now (elsewhere, e.g. in the reaction to a host function's
    /// Promise), running what comes before it returns to the event loop.
    pub fn answered(&self, env: &Env) {
        if DRAINING.with(Cell::get) {
            ANSWERED.with(|a| a.set(true));
            return;
        }
        // The next task comes by a ring, after the loop's other work.
        if SINCE_TURN.with(Cell::get) >= DRAIN_BUDGET || !self.shared.linger() {
            return;
        }
        // Tasks sent meanwhile need no ring: they are run here.
        self.shared.inbox().ringing = true;
        self.shared.drain(*env);
    }
}

/// Asks Node to run `call_js` on the JS thread.
fn ring(t: &Tsfn) -> bool {
    // SAFETY: calls may come from any thread. `t` is borrowed from the
    // `Shared::tsfn` mutex, held by the caller until after this call, so
    // neither `Shared::drop` (which cannot run while a `JsThread` or the
    // draining thread holds an `Arc`) nor `finalize` (which takes it out
    // under that lock before Node frees it) has released it. No data is
    // queued: `call_js` takes the tasks from the inbox.
    let status = unsafe {
        sys::napi_call_threadsafe_function(
            t.0,
            ptr::null_mut(),
            sys::ThreadsafeFunctionCallMode::nonblocking,
        )
    };
    status == sys::Status::napi_ok
}

/// A reference to a JS value that may be held and dropped on any thread;
/// it is released on the JS thread.
pub struct JsRef {
    inner: Option<UnknownRef<false>>,
    js: JsThread,
}

// SAFETY: through `&JsRef` the reference is only read by `get`, which needs
// an `Env`; an `Env` is `!Send` and exists on the JS thread alone, so the
// `napi_ref` is never touched off that thread. Releasing it takes ownership
// (`Drop`), and that is sent to the JS thread. `JsThread` is `Sync` itself.
unsafe impl Sync for JsRef {}

impl JsRef {
    pub fn new(value: &Unknown, js: &JsThread) -> Result<JsRef> {
        // SAFETY: `value` is a live `Unknown` borrowed from the JS call in
        // progress on this thread, and `value.value().env` is the env it
        // belongs to, as creating a reference to it requires.
        let inner =
            unsafe { UnknownRef::<false>::from_napi_value(value.value().env, value.raw()) }?;
        Ok(JsRef {
            inner: Some(inner),
            js: js.clone(),
        })
    }

    pub fn get<'e>(&self, env: &'e Env) -> Result<Unknown<'e>> {
        self.inner
            .as_ref()
            .expect("held until dropped")
            .get_value(env)
    }
}

impl Drop for JsRef {
    fn drop(&mut self) {
        if let Some(r) = self.inner.take() {
            // If the JS thread is gone the reference goes with its heap.
            self.js.run(move |env| {
                let _ = r.unref(&env);
            });
        }
    }
}

thread_local! {
    /// Set while a sync operation runs guest code on this (JS) thread.
    static SYNC_ENV: Cell<sys::napi_env> = const { Cell::new(std::ptr::null_mut()) };
}

/// Runs `f`, a sync operation that may enter guest code, so that host
/// functions it reaches run directly on this thread.
pub fn on_js_thread<R>(env: &Env, f: impl FnOnce() -> R) -> R {
    let prev = SYNC_ENV.with(|c| c.replace(env.raw()));
    let r = f();
    SYNC_ENV.with(|c| c.set(prev));
    r
}

/// The env of the sync operation running on this thread, if one is (see
/// `on_js_thread`); null otherwise.
pub fn on_js_thread_env() -> sys::napi_env {
    SYNC_ENV.with(|c| c.get())
}
