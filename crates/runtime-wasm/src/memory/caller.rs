//! The memories of a guest waiting on a host call: reachable from the host
//! function (on any thread) for exactly as long as the guest waits.

use super::Exported;
use super::{default_memory, missing, read_with, shared, write, PAGE_SIZE};
use crate::error::{Error, Result};
use std::sync::{Arc, Mutex, MutexGuard};
use wasmtime::{AsContext, Caller, Extern};

/// One exported memory of the calling instance, as the guest left it when
/// it called out.
struct Region {
    name: Arc<str>,
    /// `None` for a shared memory (not reachable from the host).
    bytes: Option<(*mut u8, usize)>,
}

/// The caller's memories for as long as the guest waits on this call; empty
/// (`None`) from the moment the call returns to the guest or is abandoned.
pub(crate) struct Memories {
    regions: Mutex<Option<Vec<Region>>>,
    /// The regions while a nested operation runs (`suspend`).
    saved: Mutex<Option<Vec<Region>>>,
}

// SAFETY: the raw pointers are only dereferenced under the mutex while the
// regions are `Some`, i.e. while the guest is suspended in this host call
// and nothing runs on its store: calls into an instance are serialized, and
// while one nested in this call runs (`Memories::suspend`) the regions are
// `None`. A memory never moves (engines are configured with
// `memory_may_move(false)`) and never shrinks, so a region recorded before a
// nested call grew it still lies inside it (`renew` records the new size).
unsafe impl Send for Memories {}
// SAFETY: as for `Send`: every access goes through the mutex.
unsafe impl Sync for Memories {}

impl Memories {
    /// The exported memories of the calling instance (before the instance
    /// exists, inside the start function, its export `memory` only).
    pub(crate) fn of<T: 'static>(caller: &mut Caller<'_, T>, exported: &Exported) -> Memories {
        let regions = match exported.get() {
            Some((list, lent)) => {
                lent.refresh(&caller, list);
                regions(&caller, list)
            }
            None => {
                let memory = caller.get_export("memory");
                let found: Vec<_> = memory
                    .map(|e| (Arc::<str>::from("memory"), e))
                    .into_iter()
                    .collect();
                regions(&caller, &found)
            }
        };
        Memories {
            regions: Mutex::new(Some(regions)),
            saved: Mutex::new(None),
        }
    }

    /// None at all: a component's host call (a component's memories are
    /// its own).
    pub(crate) fn none() -> Memories {
        Memories {
            regions: Mutex::new(Some(Vec::new())),
            saved: Mutex::new(None),
        }
    }

    /// Ends access: the guest resumes (or the call was abandoned).
    pub(crate) fn close(&self) {
        *self.regions.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// No access while an operation nested in this call runs on the store.
    pub(crate) fn suspend(&self) {
        let regions = self
            .regions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        *self.saved.lock().unwrap_or_else(|e| e.into_inner()) = regions;
    }

    /// Access again once the nested operation is done, with the memories
    /// as it left them (grown, say); inside a start function, before the
    /// instance's exports are recorded, as they were.
    pub(crate) fn renew(&self, store: impl AsContext, exported: &Exported) {
        let saved = self.saved.lock().unwrap_or_else(|e| e.into_inner()).take();
        let regions = match exported.get() {
            Some((list, _)) => Some(regions(&store, list)),
            None => saved,
        };
        *self.regions.lock().unwrap_or_else(|e| e.into_inner()) = regions;
    }
}

/// Where `memories` are now.
fn regions(store: &impl AsContext, memories: &[(Arc<str>, Extern)]) -> Vec<Region> {
    memories
        .iter()
        .map(|(name, ext)| Region {
            name: name.clone(),
            bytes: match ext {
                Extern::Memory(m) => Some((m.data_ptr(store), m.data_size(store))),
                _ => None,
            },
        })
        .collect()
}

impl Memories {
    /// Memory `name` of the calling instance (with `None`: the default
    /// memory), locked for one operation while the guest waits.
    pub(crate) fn get(&self, name: Option<&str>) -> Result<HostMemory<'_>> {
        let guard = self.regions.lock().unwrap_or_else(|e| e.into_inner());
        let Some(regions) = guard.as_ref() else {
            return Err(Error::InvalidInstanceHandle(
                "caller of a finished host call".into(),
            ));
        };
        let label = name.unwrap_or("memory");
        let index = match name {
            Some(n) => regions.iter().position(|r| &*r.name == n),
            None => default_memory(regions.iter().map(|r| &*r.name)),
        };
        let Some(index) = index else {
            return Err(missing(label));
        };
        match regions[index].bytes {
            Some(_) => Ok(HostMemory { guard, index }),
            None => Err(shared(label)),
        }
    }
}

/// One memory of a waiting guest, locked for one operation.
pub struct HostMemory<'a> {
    guard: MutexGuard<'a, Option<Vec<Region>>>,
    index: usize,
}

impl HostMemory<'_> {
    fn bytes(&mut self) -> &mut [u8] {
        let regions = self.guard.as_mut().expect("checked when locked");
        let (ptr, len) = regions[self.index].bytes.expect("checked when locked");
        // SAFETY: see `Memories`: the guest is suspended in this host call
        // (the regions are `Some` and we hold their lock), so its memory is
        // `len` live bytes at `ptr` that nothing else reads or writes now.
        unsafe { std::slice::from_raw_parts_mut(ptr, len) }
    }

    pub fn read(&mut self, offset: u64, len: u64) -> Result<Vec<u8>> {
        read_with(self.bytes(), offset, len, <[u8]>::to_vec)
    }

    pub fn write(&mut self, offset: u64, bytes: &[u8]) -> Result<()> {
        write(self.bytes(), offset, bytes)
    }

    pub fn read_string(&mut self, offset: u64, len: u64) -> Result<String> {
        read_with(self.bytes(), offset, len, |b| {
            String::from_utf8_lossy(b).into_owned()
        })
    }

    /// Writes `text` as UTF-8 and returns the number of bytes written.
    pub fn write_string(&mut self, offset: u64, text: &str) -> Result<usize> {
        write(self.bytes(), offset, text.as_bytes())?;
        Ok(text.len())
    }

    /// Current size in 64 KiB pages.
    pub fn size(&mut self) -> u64 {
        self.bytes().len() as u64 / PAGE_SIZE
    }
}
