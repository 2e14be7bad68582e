//! Promises settled from worker threads, and `either`: one operation's
//! sync form (its value returned) or async form (a Promise) from one
//! definition.

use crate::error::{js_error, sync};
use crate::js_thread::JsThread;
use napi::bindgen_prelude::*;
use napi::sys;
use runtime_wasm as core;

/// The completion callback handed to the core for one promise.
pub type Settle<T> = Box<dyn FnOnce(core::Result<T>) + Send>;

/// A promise's resolver, moved to the thread that settles it and back.
struct Deferred(sys::napi_deferred);
// SAFETY: the handle is only used on the JS thread (in the task `promise`
// sends there); other threads merely carry it.
unsafe impl Send for Deferred {}

/// Creates a promise and the callback (callable from any thread) settling
/// it. Every promise of a JS thread settles through that thread's one
/// threadsafe function, which keeps the event loop alive while any is
/// pending.
pub fn promise<T: ToNapiValue + Send + 'static>(env: &Env) -> Result<(Settle<T>, Object<'_>)> {
    let js = JsThread::current(env)?;
    let (mut deferred, mut promise) = (std::ptr::null_mut(), std::ptr::null_mut());
    // SAFETY: `env` is this JS call's env; both out-pointers are live locals.
    let status = unsafe { sys::napi_create_promise(env.raw(), &mut deferred, &mut promise) };
    if status != sys::Status::napi_ok {
        return Err(Error::from_reason("cannot create a promise"));
    }
    js.hold(env);
    let deferred = Deferred(deferred);
    let on = js.clone();
    let settle: Settle<T> = Box::new(move |r| {
        // If the JS thread is gone, the promise went with its heap.
        on.run(move |env| {
            js.release(&env);
            let raw = env.raw();
            let settled = r
                .map_err(|e| js_error(&env, &e))
                // SAFETY: on the JS thread with its live env, as the task
                // runs there.
                .and_then(|v| unsafe { T::to_napi_value(raw, v) });
            let d = deferred;
            // SAFETY: `d.0` came from `napi_create_promise` in this env and
            // is settled exactly once, here; the values are live in `env`.
            unsafe {
                match settled {
                    Ok(value) => sys::napi_resolve_deferred(raw, d.0, value),
                    Err(e) => sys::napi_reject_deferred(raw, d.0, JsError::from(e).into_value(raw)),
                };
            }
        });
    });
    Ok((settle, Object::from_raw(env.raw(), promise)))
}

/// An operation's two forms from one definition: `now`, `run` does it on
/// this thread and its value is returned; otherwise `start` begins it with
/// the callback that settles the returned Promise.
pub fn either<'e, O, R: ToNapiValue + Send + 'static>(
    env: &'e Env,
    now: bool,
    op: O,
    run: impl FnOnce(O) -> core::Result<R>,
    start: impl FnOnce(O, Settle<R>),
) -> Result<Unknown<'e>> {
    if now {
        return sync(env, run(op))?.into_unknown(env);
    }
    let (settle, p) = promise(env)?;
    start(op, settle);
    Ok(p.to_unknown())
}
