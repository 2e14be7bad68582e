//! The JS thread as seen from worker threads: closures sent here run there
//! with its `Env`; references to JS values are released there too.

use napi::bindgen_prelude::*;
use napi::{sys, UnknownRef};
use std::ffi::c_void;
use std::ptr;
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;

type Task = Box<dyn FnOnce(Env) + Send>;

/// Stack the code of a JS thread may use, V8's own limit with a margin.
const JS_STACK_BUDGET: usize = 920 * 1024;

struct Tsfn(sys::napi_threadsafe_function);
// A threadsafe function may be called from any thread; the mutex around it
// orders calls against its finalization.
unsafe impl Send for Tsfn {}

struct Shared {
    tsfn: Mutex<Option<Tsfn>>,
    thread: ThreadId,
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Some(t) = self.tsfn.lock().unwrap_or_else(|e| e.into_inner()).take() {
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
    _ctx: *mut c_void,
    data: *mut c_void,
) {
    let task = unsafe { Box::from_raw(data.cast::<Task>()) };
    // A null env means the environment is tearing down: drop the task unrun.
    if !env.is_null() {
        task(Env::from_raw(env));
    }
}

unsafe extern "C" fn finalize(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    let slot = unsafe { Box::from_raw(data.cast::<std::sync::Weak<Shared>>()) };
    if let Some(shared) = slot.upgrade() {
        // Already finalized by Node (teardown): nothing left to release.
        shared.tsfn.lock().unwrap_or_else(|e| e.into_inner()).take();
    }
}

impl JsThread {
    /// Binds to the current (JS) thread.
    pub fn new(env: &Env) -> Result<JsThread> {
        // V8 stops JS at its own stack limit (984 KiB below the top of the
        // thread's stack by default): nested sync calls stop before it.
        runtime_wasm::stack::set_budget(JS_STACK_BUDGET);
        let shared = Arc::new(Shared {
            tsfn: Mutex::new(None),
            thread: std::thread::current().id(),
        });
        let weak = Box::into_raw(Box::new(Arc::downgrade(&shared))).cast::<c_void>();
        let name = env.create_string("runtime-wasm")?;
        let mut tsfn = ptr::null_mut();
        let status = unsafe {
            sys::napi_create_threadsafe_function(
                env.raw(),
                ptr::null_mut(),
                ptr::null_mut(),
                name.raw(),
                0,
                1,
                weak,
                Some(finalize),
                ptr::null_mut(),
                Some(call_js),
                &mut tsfn,
            )
        };
        if status != sys::Status::napi_ok {
            drop(unsafe { Box::from_raw(weak.cast::<std::sync::Weak<Shared>>()) });
            return Err(Error::from_reason("cannot create a threadsafe function"));
        }
        // Waiting guests keep the loop alive through their own promises.
        unsafe { sys::napi_unref_threadsafe_function(env.raw(), tsfn) };
        *shared.tsfn.lock().unwrap_or_else(|e| e.into_inner()) = Some(Tsfn(tsfn));
        Ok(JsThread { shared })
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
        let data = Box::into_raw(Box::new(Box::new(task) as Task)).cast::<c_void>();
        let status = unsafe {
            sys::napi_call_threadsafe_function(
                t.0,
                data,
                sys::ThreadsafeFunctionCallMode::nonblocking,
            )
        };
        if status != sys::Status::napi_ok {
            drop(unsafe { Box::from_raw(data.cast::<Task>()) });
            return false;
        }
        true
    }
}

/// A reference to a JS value that may be held and dropped on any thread;
/// it is released on the JS thread.
pub struct JsRef {
    inner: Option<UnknownRef<false>>,
    js: JsThread,
}

// The reference is only read through an `Env`, which exists on the JS thread
// alone, and released there; sharing the handle elsewhere is harmless.
unsafe impl Sync for JsRef {}

impl JsRef {
    pub fn new(value: &Unknown, js: &JsThread) -> Result<JsRef> {
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
