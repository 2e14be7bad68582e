//! A component resource the host holds, as a JS object (the JS layer gives
//! it its class): disposed explicitly or, left alone, once collected.

use runtime_wasm as core;
use std::cell::Cell;
use std::sync::Arc;

#[napi]
pub struct ResourceHandle {
    inst: Arc<core::Instance>,
    handle: core::ResourceRef,
    class: String,
    disposed: Cell<bool>,
}

#[napi]
impl ResourceHandle {
    /// The qualified name of its type (`"ns:pkg/iface@1.0.0#counter"`).
    #[napi(getter)]
    pub fn class_name(&self) -> String {
        self.class.clone()
    }
}

impl ResourceHandle {
    pub fn new(inst: Arc<core::Instance>, handle: core::ResourceRef, class: String) -> Self {
        ResourceHandle {
            inst,
            handle,
            class,
            disposed: Cell::new(false),
        }
    }

    pub fn handle(&self) -> core::ResourceRef {
        self.handle
    }

    /// Marks it disposed; false if it already was.
    pub fn dispose(&self) -> bool {
        !self.disposed.replace(true)
    }
}

/// Collected without being disposed: its resource is dropped after the
/// instance's queued work (nothing happens once the instance is gone).
impl Drop for ResourceHandle {
    fn drop(&mut self) {
        if self.dispose() {
            let r = self.handle;
            self.inst.spawn(
                move |l| Box::pin(async move { l.drop_resource_async(r).await }),
                |_| {},
            );
        }
    }
}
