//! `memory.buffer`: an `ArrayBuffer` over a guest's linear memory itself,
//! made again after the memory grows and detached as soon as it is stale
//! (grown, or the instance gone), as a `WebAssembly.Memory`'s buffer is.

use crate::error::sync;
use crate::js_thread::JsThread;
use napi::bindgen_prelude::*;
use napi::sys;
use runtime_wasm as core;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};

/// A weak reference to the buffer last made for one memory.
struct Made {
    extent: core::Extent,
    buffer: sys::napi_ref,
}

/// The buffers of one instance's memories: at most one current buffer per
/// memory; every earlier one is detached.
pub struct Buffers {
    /// The JS thread's env, used only on that thread.
    env: sys::napi_env,
    js: JsThread,
    inst: Weak<core::Instance>,
    id: String,
    made: Mutex<Vec<Option<Made>>>,
    /// The instance's JS object was collected: its buffers, still
    /// referenced, stay attached (they keep the memory, as a
    /// `WebAssembly.Memory`'s buffer does) rather than detach at a moment
    /// the collector chose.
    collected: AtomicBool,
}

// SAFETY: the `napi_ref`s in `made` are only used on the JS thread: `get`
// takes an `Env` (which exists there alone), `stale` calls `settle` there
// or sends it there, and `Drop` sends them there to be deleted.
unsafe impl Send for Buffers {}
// SAFETY: as for `Send`; `made` is behind a mutex.
unsafe impl Sync for Buffers {}

impl Buffers {
    /// The buffers of `inst`, which tells them when they go stale.
    pub fn watch(env: &Env, inst: &Arc<core::Instance>) -> Result<Arc<Buffers>> {
        let buffers = Arc::new(Buffers {
            env: env.raw(),
            js: JsThread::current(env)?,
            inst: Arc::downgrade(inst),
            id: inst.id().to_string(),
            made: Mutex::new(Vec::new()),
            collected: AtomicBool::new(false),
        });
        let weak = Arc::downgrade(&buffers);
        inst.watch_memories(Arc::new(move |i| {
            if let Some(b) = weak.upgrade() {
                b.stale(i);
            }
        }));
        Ok(buffers)
    }

    /// The current buffer of memory `name` (or the default one).
    pub fn get<'e>(&self, env: &'e Env, name: Option<&str>) -> Result<Unknown<'e>> {
        let gone = || core::Error::InvalidInstanceHandle(self.id.clone());
        let inst = sync(env, self.inst.upgrade().ok_or_else(gone))?;
        let index = sync(env, inst.memory_index(name))?;
        let mut made = self.made.lock().unwrap_or_else(|e| e.into_inner());
        if made.len() <= index {
            made.resize_with(index + 1, || None);
        }
        let now = inst.memory_extent(index);
        if let (Some(m), Some(now)) = (&made[index], now) {
            if m.extent == now {
                if let Some(v) = value(env, m.buffer) {
                    return Ok(v);
                }
            }
        }
        if let Some(old) = made[index].take() {
            retire(env, old);
        }
        let lease = sync(env, inst.lease())?;
        // Read after the lease is held: the bytes stay mapped for it.
        let extent = sync(env, inst.memory_extent(index).ok_or_else(gone))?;
        let buffer = make(env, extent, lease)?;
        let mut reference = ptr::null_mut();
        // SAFETY: `buffer` is a live value made in this call on the JS thread.
        check(unsafe { sys::napi_create_reference(env.raw(), buffer, 0, &mut reference) })?;
        made[index] = Some(Made {
            extent,
            buffer: reference,
        });
        // SAFETY: a live value of this env, in this call's handle scope.
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), buffer) })
    }

    /// Views of memory `i` may be stale; detached on the JS thread, now if
    /// this is it, else as its next task (before any settle that follows).
    fn stale(self: &Arc<Self>, i: usize) {
        if self.js.is_current() {
            // The JS thread is inside a call of ours (a sync operation or a
            // host call), never in a finalizer: stores are freed by queued
            // work (see `JsInstance::drop`) or by an explicit drop.
            self.settle(&Env::from_raw(self.env), i);
            return;
        }
        let me = self.clone();
        self.js.run(move |env| me.settle(&env, i));
    }

    /// The instance's JS object is being collected (see `collected`).
    pub fn collected(&self) {
        self.collected.store(true, Ordering::SeqCst);
    }

    /// Detaches memory `i`'s buffer unless it still covers the memory.
    fn settle(&self, env: &Env, i: usize) {
        if self.collected.load(Ordering::SeqCst) {
            return;
        }
        let now = self.inst.upgrade().and_then(|inst| inst.memory_extent(i));
        let mut made = self.made.lock().unwrap_or_else(|e| e.into_inner());
        let Some(slot) = made.get_mut(i) else { return };
        if slot.as_ref().is_some_and(|m| Some(m.extent) != now) {
            if let Some(old) = slot.take() {
                retire(env, old);
            }
        }
    }
}

impl Drop for Buffers {
    fn drop(&mut self) {
        let refs: Vec<SendRef> = self
            .made
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
            .flatten()
            .map(|m| SendRef(m.buffer))
            .collect();
        if !refs.is_empty() {
            self.js.run(move |env| {
                for r in refs {
                    // SAFETY: a reference of this JS thread, deleted once.
                    unsafe { sys::napi_delete_reference(env.raw(), r.0) };
                }
            });
        }
    }
}

struct SendRef(sys::napi_ref);
// SAFETY: moved to the JS thread and used only there (see `Drop`).
unsafe impl Send for SendRef {}

/// The value `reference` holds, if it was not collected.
fn value<'e>(env: &'e Env, reference: sys::napi_ref) -> Option<Unknown<'e>> {
    let mut v = ptr::null_mut();
    // SAFETY: a reference made on this JS thread and not yet deleted.
    let status = unsafe { sys::napi_get_reference_value(env.raw(), reference, &mut v) };
    // SAFETY: a live value of this env, in this call's handle scope.
    (status == sys::Status::napi_ok && !v.is_null())
        .then(|| unsafe { Unknown::from_raw_unchecked(env.raw(), v) })
}

/// Detaches the buffer `old` refers to (if it is still alive) and deletes
/// the reference.
fn retire(env: &Env, old: Made) {
    let mut v = ptr::null_mut();
    // SAFETY: `old.buffer` is a reference of this JS thread, used once more
    // and deleted here; `v`, if alive, is an ArrayBuffer we made external.
    unsafe {
        if sys::napi_get_reference_value(env.raw(), old.buffer, &mut v) == sys::Status::napi_ok
            && !v.is_null()
        {
            sys::napi_detach_arraybuffer(env.raw(), v);
        }
        sys::napi_delete_reference(env.raw(), old.buffer);
    }
}

/// An external `ArrayBuffer` over `extent`, owning `lease` until collected.
fn make(env: &Env, extent: core::Extent, lease: core::Lease) -> Result<sys::napi_value> {
    let mut buffer = ptr::null_mut();
    if extent.len == 0 {
        // Nothing to map (and no address to give); detachable all the same.
        let mut data = ptr::null_mut();
        // SAFETY: a plain allocation of 0 bytes by the engine.
        check(unsafe { sys::napi_create_arraybuffer(env.raw(), 0, &mut data, &mut buffer) })?;
        return Ok(buffer);
    }
    let hint = Box::into_raw(Box::new(lease));
    // SAFETY: `extent` lies inside a linear memory that stays mapped, at
    // that address and at least that length, while `lease` is held (the
    // engine never moves or shrinks a memory, and a freed instance's store
    // is kept for its leases); the lease is released only by `release`,
    // once the engine no longer uses the bytes.
    let status = unsafe {
        sys::napi_create_external_arraybuffer(
            env.raw(),
            extent.base.cast(),
            extent.len,
            Some(release),
            hint.cast(),
            &mut buffer,
        )
    };
    if status != sys::Status::napi_ok {
        // SAFETY: not handed to the engine; ours to free.
        drop(unsafe { Box::from_raw(hint) });
        return Err(Error::new(
            Status::GenericFailure,
            "memory.buffer is not available in this JavaScript runtime (it does not allow external buffers)",
        ));
    }
    Ok(buffer)
}

/// Frees a buffer's lease once the engine is done with its bytes.
unsafe extern "C" fn release(
    _env: sys::napi_env,
    _data: *mut std::ffi::c_void,
    hint: *mut std::ffi::c_void,
) {
    // SAFETY: `hint` is the `Box<Lease>` made in `make`, given to this
    // finalizer once and only once.
    drop(unsafe { Box::from_raw(hint.cast::<core::Lease>()) });
}

fn check(status: sys::napi_status) -> Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(Error::new(
            Status::GenericFailure,
            "cannot make memory.buffer",
        ))
    }
}
