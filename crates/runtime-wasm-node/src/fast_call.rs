//! The all-number call path: instances reached by a per-thread slot number
//! and numbers passed as plain arguments, so a call converts nothing else.

// Reached only through the addon's exports, which test builds do not register.
#![cfg_attr(test, allow(dead_code))]

use crate::convert::JsValue;
use crate::error::sync;
use crate::js_thread::on_js_thread;
use napi::bindgen_prelude::*;
use runtime_wasm as core;
use runtime_wasm::MAX_NUMBERS;
use std::cell::RefCell;
use std::ptr;
use std::sync::Arc;

/// Instances bound to a slot on one JS thread, and the slots free for reuse.
#[derive(Default)]
struct Slots {
    bound: Vec<Option<Arc<core::Instance>>>,
    free: Vec<u32>,
}

thread_local! {
    static SLOTS: RefCell<Slots> = RefCell::default();
}

/// Gives `inst` a slot on this thread; freed by `unbind`.
pub fn bind(inst: &Arc<core::Instance>) -> u32 {
    SLOTS.with_borrow_mut(|s| match s.free.pop() {
        Some(slot) => {
            s.bound[slot as usize] = Some(inst.clone());
            slot
        }
        None => {
            s.bound.push(Some(inst.clone()));
            (s.bound.len() - 1) as u32
        }
    })
}

/// Frees a slot given by `bind` on this thread.
pub fn unbind(slot: u32) {
    // The thread's slots may already be gone while it shuts down.
    let _ = SLOTS.try_with(|s| {
        let mut s = s.borrow_mut();
        if let Some(entry @ Some(_)) = s.bound.get_mut(slot as usize) {
            *entry = None;
            s.free.push(slot);
        }
    });
}

fn instance(slot: u32) -> Result<Arc<core::Instance>> {
    let found = SLOTS.with_borrow(|s| s.bound.get(slot as usize).cloned().flatten());
    found.ok_or_else(|| Error::from_reason(format!("no instance in slot {slot}")))
}

/// `callNumbers(slot, id, ...numbers)`: calls function handle `id` of the
/// instance in `slot`; returns its result or `undefined`.
unsafe extern "C" fn call_numbers(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: `env` and `info` are exactly what Node passed to this callback,
    // which runs on the JS thread; that is all `call_numbers_inner` needs.
    // A panic must not unwind into Node (it would abort the process): it
    // becomes this call's error, and the instance goes on.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe {
        call_numbers_inner(env, info)
    }))
    .unwrap_or_else(|_| Err(Error::from_reason("internal error: the call panicked")));
    match outcome {
        Ok(v) => v,
        Err(e) => {
            // SAFETY: `env` is this callback's live, non-null env on the JS
            // thread; `throw_into` itself skips an exception already pending.
            unsafe { JsError::from(e).throw_into(env) };
            ptr::null_mut()
        }
    }
}

unsafe fn call_numbers_inner(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> Result<sys::napi_value> {
    let mut argv = [ptr::null_mut(); MAX_NUMBERS + 2];
    let mut argc = argv.len();
    // SAFETY: `env` and `info` are this callback's (see `call_numbers`);
    // `argc` holds the capacity of `argv`, so Node writes at most that many
    // handles, and `this`/`data` may be null when not wanted.
    let status = unsafe {
        sys::napi_get_cb_info(
            env,
            info,
            &mut argc,
            argv.as_mut_ptr(),
            ptr::null_mut(),
            ptr::null_mut(),
        )
    };
    if status != sys::Status::napi_ok || !(2..=argv.len()).contains(&argc) {
        return Err(Error::from_reason(
            "callNumbers(slot, id, ...numbers) takes 2 to 18 arguments",
        ));
    }
    let mut numbers = [0f64; MAX_NUMBERS];
    for (n, &arg) in numbers.iter_mut().zip(&argv[2..argc]) {
        // SAFETY: `arg` is one of the `argc` handles Node just filled in for
        // this callback's `env`; a non-number fails the conversion's own
        // `napi_get_value_double` check with an error.
        *n = unsafe { f64::from_napi_value(env, arg) }?;
    }
    // SAFETY: `argc >= 2` was checked, so `argv[0]` is an argument handle
    // Node filled in for this `env`; a non-number fails with an error.
    let slot = unsafe { u32::from_napi_value(env, argv[0]) }?;
    // SAFETY: as for `slot`, with `argv[1]`.
    let id = unsafe { u32::from_napi_value(env, argv[1]) }?;
    let inst = instance(slot)?;
    let env = Env::from_raw(env);
    let r = on_js_thread(&env, || {
        inst.run_sync(|l| l.call_numbers(id, &numbers[..argc - 2]))
    });
    match sync(&env, r)? {
        // SAFETY: `env` wraps this callback's env, still on the JS thread;
        // the result value is created in it now and returned to Node.
        Some(v) => unsafe { JsValue::to_napi_value(env.raw(), JsValue(v)) },
        // SAFETY: as above; this only fetches `undefined` from `env`.
        None => unsafe { <()>::to_napi_value(env.raw(), ()) },
    }
}

/// `callNumbersMany(slot, id, arity, numbers)`: calls handle `id` once per
/// `arity` numbers; results come back as a typed array (bigints for i64).
#[napi(ts_return_type = "Float64Array | BigInt64Array")]
pub fn call_numbers_many(
    env: Env,
    slot: u32,
    id: u32,
    arity: u32,
    numbers: Float64Array,
) -> Result<Either<Float64Array, BigInt64Array>> {
    let inst = instance(slot)?;
    let r = on_js_thread(&env, || {
        inst.run_sync(|l| l.call_numbers_many(id, arity as usize, &numbers))
    });
    let results = sync(&env, r)?;
    Ok(match results.first() {
        Some(core::Value::I64(_)) => {
            Either::B(BigInt64Array::new(results.iter().map(bits).collect()))
        }
        _ => Either::A(Float64Array::new(results.iter().map(number).collect())),
    })
}

fn bits(v: &core::Value) -> i64 {
    match *v {
        core::Value::I64(x) => x,
        _ => 0,
    }
}

fn number(v: &core::Value) -> f64 {
    match *v {
        core::Value::I32(x) => x.into(),
        core::Value::F32(x) => x.into(),
        core::Value::F64(x) => x,
        _ => f64::NAN,
    }
}

/// Adds the raw `callNumbers` function to the addon's exports.
#[napi(module_exports)]
pub fn init(exports: Object, env: Env) -> Result<()> {
    let name = "callNumbers";
    let mut func = ptr::null_mut();
    // SAFETY: `env` is the env registering this module, on the JS thread;
    // `name` is valid UTF-8 whose length is passed (no NUL needed);
    // `call_numbers` has the Node-API callback signature and expects no
    // data pointer, hence null; `func` is a live out-pointer.
    let status = unsafe {
        sys::napi_create_function(
            env.raw(),
            name.as_ptr().cast(),
            name.len() as isize,
            Some(call_numbers),
            ptr::null_mut(),
            &mut func,
        )
    };
    if status != sys::Status::napi_ok {
        return Err(Error::from_reason("cannot create callNumbers"));
    }
    // SAFETY: same `env`; `exports` is the module's exports object in it,
    // the key is a NUL-terminated C string literal, and `func` is the
    // function created just above (status checked).
    let status = unsafe {
        sys::napi_set_named_property(
            env.raw(),
            napi::JsValue::raw(&exports),
            c"callNumbers".as_ptr(),
            func,
        )
    };
    if status != sys::Status::napi_ok {
        return Err(Error::from_reason("cannot export callNumbers"));
    }
    Ok(())
}
