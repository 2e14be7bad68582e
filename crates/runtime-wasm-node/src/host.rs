//! JS functions as host functions: each call is converted to and from JS
//! and run on the JS thread; the core owns the waiting, the deadline and
//! the caller's memory while the function works.

use crate::convert::{to_arg, to_value_arg, HostArgsJs};
use crate::error::js_error;
use crate::js_thread::{on_js_thread_env, JsRef, JsThread};
use crate::read::{describe, object, own_entries, Read};
use napi::bindgen_prelude::*;
use napi::sys;
use runtime_wasm as core;
use std::sync::Arc;

fn failed(message: &str) -> core::Error {
    core::Error::Call {
        message: message.into(),
        trap: None,
    }
}

/// A thrown JS value as the core carries it: held like an `externref`'s,
/// so it can ride in the wasm exception that carries it and come back.
fn thrown(error: &Unknown) -> Result<core::HostError> {
    let held = crate::held::hold(error, crate::convert::kind(error.get_type()?))?;
    Ok(core::HostError(held.value))
}

/// One invocation of a JS host function, handed to the JS dispatcher
/// (`lib/host.js`): its arguments, its caller's memory, and how to settle.
#[napi]
pub struct HostCall {
    call: Arc<core::HostCall>,
    js: JsThread,
}

type Mem = Option<String>;

impl HostCall {
    fn answer(&self, env: &Env, outcome: core::Result<core::Arg>) {
        self.call.settle(outcome);
        self.answered(env);
    }

    /// A guest waiting on a worker is answered: more work for this thread
    /// is likely to follow.
    fn answered(&self, env: &Env) {
        if !self.call.is_blocking() {
            self.js.answered(env);
        }
    }

    fn memory<R>(
        &self,
        env: &Env,
        mem: Mem,
        op: impl FnOnce(&mut core::HostMemory<'_>) -> core::Result<R>,
    ) -> Result<R> {
        let r = self
            .call
            .memory(mem.as_deref())
            .and_then(|mut m| op(&mut m));
        r.map_err(|e| js_error(env, &e))
    }
}

#[napi]
impl HostCall {
    #[napi]
    pub fn resolve(&self, env: Env, value: Unknown) -> Result<()> {
        if value.is_promise()? && self.call.refuse_deferred() {
            self.answered(&env);
            return Ok(());
        }
        let answer = match self.call.lifted_args() {
            Some(_) => to_value_arg(&env, &value, 0)?,
            None => to_arg(&value)?,
        };
        self.answer(&env, Ok(answer));
        Ok(())
    }

    /// Answers a component function returning `result<T, E>` with the
    /// error `payload` (its host function threw a `ComponentError`).
    #[napi]
    pub fn resolve_err(&self, env: Env, payload: Unknown) -> Result<()> {
        let payload = to_value_arg(&env, &payload, 0)?;
        self.answer(&env, Ok(core::Arg::Err(Box::new(payload))));
        Ok(())
    }

    /// Whether the call is a component function's that returns a `result`.
    #[napi(getter)]
    pub fn returns_result(&self) -> bool {
        self.call.returns_result()
    }

    /// Runs `f`, a native operation started from this call's host function
    /// after an `await` (`lib/inside.js` tracks that code): on the calling
    /// store it runs inside this call while the guest still waits on it.
    #[napi]
    pub fn run_inside<'e>(&self, f: Function<'e, (), Unknown<'e>>) -> Result<Unknown<'e>> {
        self.call.run_inside(|| f.call(()))
    }

    /// Fails the call with `error`, the value its host function threw: a
    /// wasm exception its guest may catch (`catch_all`), else the value the
    /// call fails with, unchanged.
    #[napi]
    pub fn reject(&self, env: Env, error: Unknown) -> Result<()> {
        let original = thrown(&error)?;
        self.answer(&env, Err(core::Error::Host(original)));
        Ok(())
    }

    /// Fails the call with a wasm exception of `tag` carrying `payload`,
    /// which its guest may catch; `error`, the JS value thrown, is what
    /// leaves the call if no guest does.
    #[napi]
    pub fn reject_tagged(
        &self,
        env: Env,
        tag: crate::tag::TagRefJs,
        payload: Vec<Unknown>,
        error: Unknown,
    ) -> Result<()> {
        let original = thrown(&error)?;
        let thrown = tag.to_core().and_then(|tag| {
            let payload = payload.iter().map(to_arg).collect::<Result<Vec<_>>>();
            let payload = payload.map_err(|e| core::Error::Type(e.reason.clone()))?;
            Ok(core::Throw {
                tag,
                payload,
                original,
            })
        });
        let answer = thrown.map(|t| core::Error::Throw(Box::new(t)));
        self.answer(&env, Err(answer.unwrap_or_else(|e| e)));
        Ok(())
    }

    #[napi(ts_return_type = "Uint8Array")]
    pub fn read(
        &self,
        env: Env,
        mem: Mem,
        offset: f64,
        length: f64,
    ) -> Result<crate::convert::Bytes> {
        self.memory(&env, mem, |m| {
            m.read(
                core::offset(offset, "offset")?,
                core::offset(length, "length")?,
            )
        })
        .map(crate::convert::Bytes)
    }

    #[napi]
    pub fn write(&self, env: Env, mem: Mem, offset: f64, bytes: Uint8Array) -> Result<()> {
        self.memory(&env, mem, |m| {
            m.write(core::offset(offset, "offset")?, &bytes)
        })
    }

    #[napi]
    pub fn read_string(&self, env: Env, mem: Mem, offset: f64, length: f64) -> Result<String> {
        self.memory(&env, mem, |m| {
            m.read_string(
                core::offset(offset, "offset")?,
                core::offset(length, "length")?,
            )
        })
    }

    #[napi]
    pub fn write_string(&self, env: Env, mem: Mem, offset: f64, text: String) -> Result<u32> {
        self.memory(&env, mem, |m| {
            m.write_string(core::offset(offset, "offset")?, &text)
        })
        .map(|n| n as u32)
    }

    #[napi]
    pub fn size(&self, env: Env, mem: Mem) -> Result<f64> {
        self.memory(&env, mem, |m| Ok(m.size() as f64))
    }
}

/// A JS function imported by a guest.
pub struct JsHostFunc {
    func: Arc<JsRef>,
    dispatch: Arc<JsRef>,
    js: JsThread,
}

impl JsHostFunc {
    pub fn new(func: &Unknown, dispatch: &Arc<JsRef>, js: &JsThread) -> Result<JsHostFunc> {
        Ok(JsHostFunc {
            func: Arc::new(JsRef::new(func, js)?),
            dispatch: dispatch.clone(),
            js: js.clone(),
        })
    }
}

/// Calls `dispatch(hostCall, func, args, isAsync)` on the JS thread;
/// `isAsync` when the guest waits on a worker (so a returned Promise may be
/// awaited, and the function's later code is known as this call's).
fn invoke(env: &Env, dispatch: &JsRef, func: &JsRef, call: HostCall) -> core::Result<()> {
    let run = || -> Result<()> {
        let args = match call.call.lifted_args() {
            Some(lifted) => HostArgsJs::Component(lifted.to_vec()),
            None => HostArgsJs::Core(call.call.args().to_vec()),
        };
        let is_async = !call.call.is_blocking();
        let raw = env.raw();
        let argv = [
            // SAFETY: `raw` is the live env of this (JS) thread.
            unsafe { HostCall::to_napi_value(raw, call) }?,
            func.get(env)?.raw(),
            // SAFETY: as above.
            unsafe { HostArgsJs::to_napi_value(raw, args) }?,
            // SAFETY: as above.
            unsafe { bool::to_napi_value(raw, is_async) }?,
        ];
        let (mut this, mut out) = (std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: `env` is the JS thread's env (`invoke` runs either in a
        // sync call that set `SYNC_ENV` on this thread (`on_js_thread`), or in a `JsThread`
        // task handed that env); `this` is a live out-pointer.
        unsafe { sys::napi_get_undefined(env.raw(), &mut this) };
        // SAFETY: same `env`; `this` and the dispatcher are handles in its
        // current scope, `argv` holds the four live values passed as argc 4,
        // and `out` is a live out-pointer. A non-function dispatcher only
        // yields an error status.
        let status = unsafe {
            sys::napi_call_function(
                env.raw(),
                this,
                dispatch.get(env)?.raw(),
                argv.len(),
                argv.as_ptr(),
                &mut out,
            )
        };
        if status == sys::Status::napi_ok {
            return Ok(());
        }
        let mut exception = std::ptr::null_mut();
        // SAFETY: clears the pending exception of this thread's env.
        unsafe { sys::napi_get_and_clear_last_exception(env.raw(), &mut exception) };
        Err(Error::from_reason("the host dispatcher threw"))
    };
    run().map_err(|e| failed(&format!("cannot call the host function: {e}")))
}

impl core::HostFunc for JsHostFunc {
    fn call(&self, call: core::HostCall) {
        let call = Arc::new(call);
        let env = on_js_thread_env();
        if !env.is_null() && self.js.is_current() {
            // A sync call: the guest waits right here, so the function must
            // settle before it returns.
            let host = HostCall {
                call: call.clone(),
                js: self.js.clone(),
            };
            let env = Env::from_raw(env);
            if let Err(e) = invoke(&env, &self.dispatch, &self.func, host) {
                call.settle(Err(e));
            }
            if !call.is_settled() {
                call.settle(Err(failed("the host function did not settle")));
            }
            return;
        }
        let (func, dispatch, js) = (self.func.clone(), self.dispatch.clone(), self.js.clone());
        let pending = call.clone();
        let sent = self.js.run(move |env| {
            let host = HostCall {
                call: pending.clone(),
                js,
            };
            // Calls into the instance from the function itself are nested.
            if let Err(e) = pending.run_inside(|| invoke(&env, &dispatch, &func, host)) {
                pending.settle(Err(e));
            }
        });
        if !sent {
            call.settle(Err(failed("the JS thread is shutting down")));
        }
    }
}

/// Reads `{ module: { name: fn } }` into core imports (own properties only);
/// numbers and bigints are values for immutable global imports, export links
/// another instance's exports; anything else is passed on for the core to
/// report against the module's imports.
pub fn imports(
    env: &Env,
    obj: Object,
    dispatch: &Arc<JsRef>,
    js: &JsThread,
) -> Read<core::Imports> {
    let mut out = core::Imports::default();
    for (module, names) in own_entries(env, &obj)? {
        let names = object(names, &format!("imports.{module}"))?;
        for (name, value) in own_entries(env, &names)? {
            let import = match value.get_type()? {
                ValueType::Function => {
                    core::Import::Func(Arc::new(JsHostFunc::new(&value, dispatch, js)?))
                }
                // A value for an immutable global import (any value typed
                // `types.externref(x)` for an externref one).
                ValueType::Number | ValueType::BigInt => core::Import::Value(to_arg(&value)?),
                ValueType::Object if crate::convert::is_typed(&value)? => {
                    core::Import::Value(to_arg(&value)?)
                }
                // Another instance's export (`Instance.exportLink`): linked;
                // or its function (`Instance.linkable`): linked if it can be.
                ValueType::External => {
                    // SAFETY: `value` is a live value of `env`; napi-rs checks
                    // that the external is one it made holding the type asked for.
                    let link = unsafe {
                        External::<core::ExportRef>::from_napi_ref(env.raw(), value.raw())
                    };
                    // SAFETY: as above.
                    let linkable = || unsafe {
                        External::<core::Import>::from_napi_ref(env.raw(), value.raw())
                    };
                    match (link, linkable()) {
                        (Ok(link), _) => core::Import::Export((**link).clone()),
                        (_, Ok(import)) => (**import).clone(),
                        _ => core::Import::NotAFunction("External".into()),
                    }
                }
                _ => core::Import::NotAFunction(describe(&value)?.to_string()),
            };
            out.add(module.clone(), name, import);
        }
    }
    Ok(out)
}
