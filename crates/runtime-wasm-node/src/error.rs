//! Core errors as JS `Error` objects carrying `code`, `codeName`, `trap`,
//! `wasmBacktrace`, `exitCode`; and promises settled from worker threads.

use crate::js_thread::{JsRef, JsThread};
use napi::bindgen_prelude::*;
use napi::sys;
use runtime_wasm as core;

#[napi(object)]
pub struct FrameJs {
    pub module: Option<String>,
    pub func_index: u32,
    pub func_name: Option<String>,
    pub module_offset: Option<u32>,
}

fn build(env: &Env, e: &core::Error) -> Result<Error> {
    // A host function's own exception passes through unchanged.
    if let core::Error::Host(core::HostError(payload)) = e {
        if let Some(value) = payload.downcast_ref::<JsRef>() {
            return Ok(Error::from(value.get(env)?));
        }
    }
    let mut obj = env.create_error(Error::new(Status::GenericFailure, e.to_string()))?;
    obj.set_named_property("code", e.code().number())?;
    obj.set_named_property("codeName", e.code().name())?;
    if let Some(trap) = e.trap() {
        obj.set_named_property("trap", trap.kind.as_str())?;
        let frames: Vec<FrameJs> = trap.backtrace.iter().map(frame).collect();
        obj.set_named_property("wasmBacktrace", frames)?;
    }
    if let Some(code) = e.exit_code() {
        obj.set_named_property("exitCode", code)?;
    }
    if let core::Error::Compile {
        offset: Some(o), ..
    } = e
    {
        obj.set_named_property("offset", *o as f64)?;
    }
    Ok(Error::from(obj.to_unknown()))
}

fn frame(f: &core::Frame) -> FrameJs {
    FrameJs {
        module: f.module.clone(),
        func_index: f.func_index,
        func_name: f.func_name.clone(),
        module_offset: f.module_offset.map(|o| o as u32),
    }
}

/// Converts a core error into the JS exception thrown or rejected with.
pub fn js_error(env: &Env, e: &core::Error) -> Error {
    build(env, e).unwrap_or_else(|fallback| fallback)
}

/// Maps a core result for a synchronous return.
pub fn sync<T>(env: &Env, r: core::Result<T>) -> Result<T> {
    r.map_err(|e| js_error(env, &e))
}

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

/// The numeric error codes by name (`{ CompileError: 5000, … }`), in numeric
/// order: the one table `ErrorCode` in lib/errors.js is built from.
// Reached only through the module registration #[napi] emits, which the
// test build of this crate does not link.
#[cfg_attr(test, allow(dead_code))]
#[napi]
pub fn error_codes(env: &Env) -> Result<Object<'_>> {
    let mut table = Object::new(env)?;
    for code in core::ErrorCode::ALL {
        table.set_named_property(code.name(), code.number())?;
    }
    Ok(table)
}
