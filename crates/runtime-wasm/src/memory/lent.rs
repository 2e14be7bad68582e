//! An instance's memories lent to the embedder as raw bytes (a JS
//! `ArrayBuffer` over them, say): where each one is, kept current at every
//! point where embedder code can run, and who to tell when views go stale.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use wasmtime::{AsContext, Extern};

/// An instance's exported memories by name, in export order.
pub(crate) type MemoryExports = Arc<[(Arc<str>, Extern)]>;

/// One instance's exported memories and where they are, set once it is
/// built; its host functions reach them (a store holds several instances
/// when they are linked).
pub(crate) type Exported = Arc<OnceLock<(MemoryExports, Arc<Lent>)>>;

/// Where a memory's bytes are: `len` bytes from `base`.
///
/// The bytes stay mapped, at this address, for as long as a [`Lease`] on
/// the instance is held: engines never move a memory (it grows in place,
/// inside its reservation), and a store with leases outstanding is kept
/// rather than freed. Other threads may change them meanwhile (an async
/// call running the guest), as with a shared buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extent {
    pub base: *mut u8,
    pub len: usize,
}

/// Told a memory's index when views of it are stale: it grew, or the store
/// is gone. Called on whichever thread noticed (a worker, for async calls).
pub type Watcher = Arc<dyn Fn(usize) + Send + Sync>;

/// A held claim on the instance's memory mappings; while any exists the
/// store is kept (see `Instance::lease`).
pub struct Lease {
    pub(crate) release: Option<Box<dyn FnOnce() + Send + Sync>>,
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lease").finish_non_exhaustive()
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            release();
        }
    }
}

/// One exported memory's last known place; `None` base for a shared memory.
struct Slot {
    name: Arc<str>,
    shared: bool,
    base: AtomicUsize,
    len: AtomicUsize,
}

/// The exported memories of one instance as the embedder may see them.
pub(crate) struct Lent {
    slots: Vec<Slot>,
    gone: AtomicBool,
    watcher: OnceLock<Watcher>,
}

impl Lent {
    pub(crate) fn new(store: impl AsContext, memories: &[(Arc<str>, Extern)]) -> Lent {
        let slots = memories
            .iter()
            .map(|(name, ext)| {
                let (base, len) = place(&store, ext);
                Slot {
                    name: name.clone(),
                    shared: !matches!(ext, Extern::Memory(_)),
                    base: AtomicUsize::new(base),
                    len: AtomicUsize::new(len),
                }
            })
            .collect();
        Lent {
            slots,
            gone: AtomicBool::new(false),
            watcher: OnceLock::new(),
        }
    }

    /// Records where each memory is now; the watcher hears of each one
    /// that changed. Called after every operation on the store and when the
    /// guest calls out, the points where the embedder runs.
    pub(crate) fn refresh(&self, store: impl AsContext, memories: &[(Arc<str>, Extern)]) {
        for (i, (slot, (_, ext))) in self.slots.iter().zip(memories.iter()).enumerate() {
            let (base, len) = place(&store, ext);
            let was_len = slot.len.swap(len, Ordering::AcqRel);
            let was_base = slot.base.swap(base, Ordering::AcqRel);
            if (was_len, was_base) != (len, base) {
                self.tell(i);
            }
        }
    }

    /// The store is gone (or kept only for outstanding leases): every view
    /// is stale and no new one is lent.
    pub(crate) fn close(&self) {
        if !self.gone.swap(true, Ordering::AcqRel) {
            (0..self.slots.len()).for_each(|i| self.tell(i));
        }
    }

    fn tell(&self, i: usize) {
        if let Some(w) = self.watcher.get() {
            w(i);
        }
    }

    /// Sets who hears of stale views; only the first call takes effect.
    pub(crate) fn watch(&self, watcher: Watcher) {
        let _ = self.watcher.set(watcher);
    }

    pub(crate) fn is_gone(&self) -> bool {
        self.gone.load(Ordering::Acquire)
    }

    /// The index of memory `name`, or with `None` of the default memory.
    pub(crate) fn index(&self, name: Option<&str>) -> Option<usize> {
        match name {
            Some(n) => self.slots.iter().position(|s| &*s.name == n),
            None => super::default_memory(self.slots.iter().map(|s| &*s.name)),
        }
    }

    /// The export name of memory `i`.
    pub(crate) fn name(&self, i: usize) -> &str {
        &self.slots[i].name
    }

    pub(crate) fn is_shared(&self, i: usize) -> bool {
        self.slots[i].shared
    }

    /// Where memory `i` was when last recorded.
    pub(crate) fn extent(&self, i: usize) -> Extent {
        let slot = &self.slots[i];
        Extent {
            base: slot.base.load(Ordering::Acquire) as *mut u8,
            len: slot.len.load(Ordering::Acquire),
        }
    }
}

fn place(store: &impl AsContext, ext: &Extern) -> (usize, usize) {
    match ext {
        Extern::Memory(m) => (m.data_ptr(store) as usize, m.data_size(store)),
        _ => (0, 0),
    }
}
