//! JS values a guest holds as `externref`s: each value that crosses is held
//! by a napi reference under a number of its JS thread's, until the engine
//! drops the last `externref` made from it.

use napi::bindgen_prelude::*;
use napi::sys;
use runtime_wasm as core;
use std::cell::RefCell;
use std::collections::HashMap;
use std::ptr;
use std::sync::{Arc, Mutex};

/// The numbers whose values no guest can reach any more, queued from
/// whichever thread the engine dropped them on.
type Released = Arc<Mutex<Vec<u64>>>;

/// This JS thread's held values.
#[derive(Default)]
struct Held {
    refs: HashMap<u64, sys::napi_ref>,
    next: u64,
    released: Released,
}

thread_local! {
    static HELD: RefCell<Held> = RefCell::default();
}

/// What an `externref` made from a JS value carries: its number, and where
/// to say it is no longer reachable.
struct JsValueRef {
    id: u64,
    released: Released,
}

impl Drop for JsValueRef {
    fn drop(&mut self) {
        self.released
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(self.id);
    }
}

/// Deletes the references of values released since last time.
fn drain(env: sys::napi_env, held: &mut Held) {
    let released = std::mem::take(&mut *held.released.lock().unwrap_or_else(|e| e.into_inner()));
    for id in released {
        if let Some(r) = held.refs.remove(&id) {
            // SAFETY: a reference made on this JS thread (`hold`), deleted
            // once: it left the map above.
            unsafe { sys::napi_delete_reference(env, r) };
        }
    }
}

/// What an `externref` made from a primitive carries: the value itself
/// (a primitive's identity is its value; Node-API holds no reference to
/// one before Node 22).
enum Primitive {
    Undefined,
    /// Only as a thrown value (an `externref` of null is a null reference).
    Null,
    Bool(bool),
    Number(f64),
    /// UTF-16, as JS holds it (a lone surrogate comes back as it went).
    Str(Vec<u16>),
    BigInt(BigInt),
}

/// Holds `v` (of JS kind `kind`) for a guest: the core makes an `externref`
/// of what this gives.
pub fn hold(v: &Unknown, kind: &'static str) -> Result<core::ExternValue> {
    // `kind` is what `get_type` reported for `v`; each cast below converts
    // a value of its own kind.
    let primitive = match kind {
        "undefined" => Some(Primitive::Undefined),
        "null" => Some(Primitive::Null),
        // SAFETY: `v` is a boolean (see above), which `bool` converts.
        "boolean" => Some(Primitive::Bool(unsafe { v.cast::<bool>() }?)),
        // SAFETY: `v` is a number, which `f64` converts.
        "number" => Some(Primitive::Number(unsafe { v.cast::<f64>() }?)),
        // SAFETY: `v` is a string, which `Utf16String` converts.
        "string" => Some(Primitive::Str(unsafe { v.cast::<Utf16String>() }?.to_vec())),
        // SAFETY: `v` is a bigint, which `BigInt` converts.
        "bigint" => Some(Primitive::BigInt(unsafe { v.cast::<BigInt>() }?)),
        _ => None,
    };
    if let Some(p) = primitive {
        return Ok(core::ExternValue {
            value: Arc::new(p),
            kind,
        });
    }
    let (env, value) = (v.value().env, v.raw());
    HELD.with_borrow_mut(|held| {
        drain(env, held);
        let mut r = ptr::null_mut();
        // SAFETY: `value` is a live object, function or symbol of `env`, on
        // its JS thread.
        let status = unsafe { sys::napi_create_reference(env, value, 1, &mut r) };
        if status != sys::Status::napi_ok {
            return Err(Error::from_reason(format!(
                "cannot hold a {kind} for the guest"
            )));
        }
        held.next += 1;
        held.refs.insert(held.next, r);
        Ok(core::ExternValue {
            value: Arc::new(JsValueRef {
                id: held.next,
                released: held.released.clone(),
            }),
            kind,
        })
    })
}

/// The JS value an `externref` from the core holds: the very value held.
pub fn value(env: sys::napi_env, v: &core::ExternValue) -> Result<sys::napi_value> {
    if let Some(p) = v.value.downcast_ref::<Primitive>() {
        // SAFETY: `env` is the live env of this JS thread; each arm makes a
        // new value of it.
        return unsafe {
            match p {
                Primitive::Undefined => Undefined::to_napi_value(env, ()),
                Primitive::Null => Null::to_napi_value(env, Null),
                Primitive::Bool(b) => bool::to_napi_value(env, *b),
                Primitive::Number(n) => f64::to_napi_value(env, *n),
                Primitive::Str(s) => Utf16String::to_napi_value(env, Utf16String::from(s.clone())),
                Primitive::BigInt(b) => BigInt::to_napi_value(
                    env,
                    BigInt {
                        sign_bit: b.sign_bit,
                        words: b.words.clone(),
                    },
                ),
            }
        };
    }
    HELD.with_borrow_mut(|held| {
        drain(env, held);
        let r = v
            .value
            .downcast_ref::<JsValueRef>()
            .filter(|r| Arc::ptr_eq(&r.released, &held.released))
            .and_then(|r| held.refs.get(&r.id))
            .ok_or_else(|| {
                Error::from_reason("this externref holds a value of another JS thread")
            })?;
        let mut out = ptr::null_mut();
        // SAFETY: a reference made on this JS thread and not yet deleted
        // (its `JsValueRef` is alive: `v` holds it).
        let status = unsafe { sys::napi_get_reference_value(env, *r, &mut out) };
        if status != sys::Status::napi_ok || out.is_null() {
            return Err(Error::from_reason("the externref's value is gone"));
        }
        Ok(out)
    })
}
