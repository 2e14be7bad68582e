//! JS functions as host functions. In a sync call the function runs right
//! here on the JS thread; in an async call the guest's worker sends it to the
//! JS thread and serves its caller's memory requests until it settles.

use crate::convert::{to_arg, Results};
use crate::error::js_error;
use crate::js_thread::{JsRef, JsThread};
use crate::options::{describe, object, own_entries, Read};
use napi::bindgen_prelude::*;
use napi::sys;
use runtime_wasm as core;
use std::cell::Cell;
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Instant;

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

type Op = Box<dyn FnOnce(&mut core::Caller<'_>) + Send>;
type Outcome = core::Result<core::Arg>;

enum Msg {
    Op(Op),
    Done(Outcome),
}

fn gone() -> core::Error {
    core::Error::InvalidInstanceHandle("caller of a finished host call".into())
}

/// How a `HostCall` reaches the guest's caller.
enum Link {
    /// Same thread: the caller's address while the host call lasts, else 0.
    Direct(Arc<Mutex<usize>>),
    /// The worker waiting on the guest's behalf.
    Remote(Sender<Msg>),
}

impl Link {
    fn with<R: Send + 'static>(
        &self,
        op: impl FnOnce(&mut core::Caller<'_>) -> core::Result<R> + Send + 'static,
    ) -> core::Result<R> {
        match self {
            Link::Direct(slot) => {
                let addr = *slot.lock().unwrap_or_else(|e| e.into_inner());
                if addr == 0 {
                    return Err(gone());
                }
                // Non-zero only while `JsHostFunc::direct` holds the caller
                // on this thread's stack.
                op(unsafe { &mut *(addr as *mut core::Caller<'_>) })
            }
            Link::Remote(tx) => {
                let (reply, wait) = channel();
                let op: Op = Box::new(move |c| {
                    let _ = reply.send(op(c));
                });
                tx.send(Msg::Op(op)).map_err(|_| gone())?;
                wait.recv().map_err(|_| gone())?
            }
        }
    }
}

enum SettleTo {
    Here(Arc<Mutex<Option<Outcome>>>),
    Worker(Sender<Msg>),
}

/// One invocation of a JS host function, handed to the JS dispatcher
/// (`lib/host.js`): its arguments, its caller's memory, and how to settle.
#[napi]
pub struct HostCall {
    args: Vec<core::Value>,
    link: Link,
    settle: Option<SettleTo>,
    js: JsThread,
}

impl HostCall {
    fn finish(&mut self, outcome: Outcome) {
        match self.settle.take() {
            Some(SettleTo::Here(slot)) => {
                *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(outcome)
            }
            Some(SettleTo::Worker(tx)) => drop(tx.send(Msg::Done(outcome))),
            None => {}
        }
    }
}

type Mem = Option<String>;

#[napi]
impl HostCall {
    #[napi(getter, ts_return_type = "unknown[]")]
    pub fn args(&self) -> Results {
        Results(self.args.clone())
    }

    /// True when the guest waits on a worker, so a returned Promise may be awaited.
    #[napi(getter)]
    pub fn is_async(&self) -> bool {
        matches!(self.settle, Some(SettleTo::Worker(_)))
    }

    #[napi]
    pub fn resolve(&mut self, value: Unknown) -> Result<()> {
        let outcome = if !self.is_async() && value.is_promise()? {
            Err(core::Error::Type(
                "a host function returned a Promise during a synchronous call; use call() for async host functions".into(),
            ))
        } else {
            Ok(to_arg(&value)?)
        };
        self.finish(outcome);
        Ok(())
    }

    #[napi]
    pub fn reject(&mut self, error: Unknown) -> Result<()> {
        let payload = JsRef::new(&error, &self.js)?;
        self.finish(Err(core::Error::Host(core::HostError(Box::new(payload)))));
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
        let r = self
            .link
            .with(move |c| c.memory(mem.as_deref())?.read(offset, length));
        r.map(crate::convert::Bytes).map_err(|e| js_error(&env, &e))
    }

    #[napi]
    pub fn write(&self, env: Env, mem: Mem, offset: f64, bytes: Uint8Array) -> Result<()> {
        let bytes = bytes.to_vec();
        let r = self
            .link
            .with(move |c| c.memory(mem.as_deref())?.write(offset, &bytes));
        r.map_err(|e| js_error(&env, &e))
    }

    #[napi]
    pub fn read_string(&self, env: Env, mem: Mem, offset: f64, length: f64) -> Result<String> {
        let r = self
            .link
            .with(move |c| c.memory(mem.as_deref())?.read_string(offset, length));
        r.map_err(|e| js_error(&env, &e))
    }

    #[napi]
    pub fn write_string(&self, env: Env, mem: Mem, offset: f64, text: String) -> Result<u32> {
        let r = self
            .link
            .with(move |c| c.memory(mem.as_deref())?.write_string(offset, &text));
        r.map(|n| n as u32).map_err(|e| js_error(&env, &e))
    }

    #[napi]
    pub fn size(&self, env: Env, mem: Mem) -> Result<f64> {
        let r = self
            .link
            .with(move |c| Ok(c.memory(mem.as_deref())?.size() as f64));
        r.map_err(|e| js_error(&env, &e))
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

/// Calls `dispatch(hostCall, func)` on the JS thread.
fn invoke(env: &Env, dispatch: &JsRef, func: &JsRef, call: HostCall) -> core::Result<()> {
    let failed = |e: Error| core::Error::Call {
        message: format!("cannot call the host function: {e}"),
        trap: None,
    };
    let run = || -> Result<()> {
        let argv = [
            unsafe { HostCall::to_napi_value(env.raw(), call) }?,
            func.get(env)?.raw(),
        ];
        let (mut this, mut out) = (std::ptr::null_mut(), std::ptr::null_mut());
        unsafe { sys::napi_get_undefined(env.raw(), &mut this) };
        let status = unsafe {
            sys::napi_call_function(
                env.raw(),
                this,
                dispatch.get(env)?.raw(),
                2,
                argv.as_ptr(),
                &mut out,
            )
        };
        if status == sys::Status::napi_ok {
            return Ok(());
        }
        let mut exception = std::ptr::null_mut();
        unsafe { sys::napi_get_and_clear_last_exception(env.raw(), &mut exception) };
        Err(Error::from_reason("the host dispatcher threw"))
    };
    run().map_err(failed)
}

impl core::HostFunc for JsHostFunc {
    fn call(&self, caller: &mut core::Caller<'_>, args: &[core::Value]) -> Outcome {
        let env = SYNC_ENV.with(|c| c.get());
        if !env.is_null() {
            return self.direct(&Env::from_raw(env), caller, args);
        }
        if self.js.is_current() {
            return Err(core::Error::Call {
                message: "a host function was reached on the JS thread outside a synchronous call"
                    .into(),
                trap: None,
            });
        }
        self.remote(caller, args)
    }
}

impl JsHostFunc {
    fn direct(&self, env: &Env, caller: &mut core::Caller<'_>, args: &[core::Value]) -> Outcome {
        let slot = Arc::new(Mutex::new(caller as *mut core::Caller<'_> as usize));
        let out = Arc::new(Mutex::new(None));
        let call = HostCall {
            args: args.to_vec(),
            link: Link::Direct(slot.clone()),
            settle: Some(SettleTo::Here(out.clone())),
            js: self.js.clone(),
        };
        let invoked = invoke(env, &self.dispatch, &self.func, call);
        *slot.lock().unwrap_or_else(|e| e.into_inner()) = 0;
        invoked?;
        let settled = out.lock().unwrap_or_else(|e| e.into_inner()).take();
        settled.unwrap_or_else(|| {
            Err(core::Error::Call {
                message: "the host function did not settle".into(),
                trap: None,
            })
        })
    }

    fn remote(&self, caller: &mut core::Caller<'_>, args: &[core::Value]) -> Outcome {
        let (tx, rx) = channel();
        let (func, dispatch, js, args, settle) = (
            self.func.clone(),
            self.dispatch.clone(),
            self.js.clone(),
            args.to_vec(),
            tx.clone(),
        );
        let sent = self.js.run(move |env| {
            let call = HostCall {
                args,
                link: Link::Remote(settle.clone()),
                settle: Some(SettleTo::Worker(settle.clone())),
                js,
            };
            if let Err(e) = invoke(&env, &dispatch, &func, call) {
                let _ = settle.send(Msg::Done(Err(e)));
            }
        });
        drop(tx);
        if !sent {
            return Err(core::Error::Call {
                message: "the JS thread is shutting down".into(),
                trap: None,
            });
        }
        let deadline = caller.deadline();
        loop {
            let msg = match deadline {
                Some(d) => rx.recv_timeout(d.saturating_duration_since(Instant::now())),
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            match msg {
                Ok(Msg::Done(outcome)) => return outcome,
                Ok(Msg::Op(op)) => op(caller),
                Err(RecvTimeoutError::Timeout) => return Err(core::Error::Timeout { trap: None }),
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(core::Error::Call {
                        message: "the host function was dropped without settling".into(),
                        trap: None,
                    })
                }
            }
        }
    }
}

/// Reads `{ module: { name: fn } }` into core imports (own properties only);
/// non-functions are passed on for the core to report against the module's
/// imports.
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
                _ => core::Import::NotAFunction(describe(&value)?.to_string()),
            };
            out.add(module.clone(), name, import);
        }
    }
    Ok(out)
}
