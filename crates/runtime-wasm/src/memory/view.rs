//! Bounds-checked access to a live instance's linear memory: every offset
//! and length from the embedder is checked against the memory here before
//! it touches the store.

use super::{default_memory, missing, range, read_with, shared, write};
use crate::error::{Error, Result};
use wasmtime::{Extern, Memory, StoreContextMut};

/// One memory of a live instance, borrowed for a single operation (`T` is
/// the store's data).
pub struct MemoryView<'a, T: 'static> {
    store: StoreContextMut<'a, T>,
    memory: Memory,
}

/// Finds memory `name` among `instance`'s exports, or with `None` the
/// default memory (`default_memory`).
pub(crate) fn locate<'a, T: 'static>(
    mut store: StoreContextMut<'a, T>,
    instance: wasmtime::Instance,
    name: Option<&str>,
) -> Result<MemoryView<'a, T>> {
    let found = match name {
        Some(n) => instance.get_export(&mut store, n),
        None => {
            let memories: Vec<(String, Extern)> = instance
                .exports(&mut store)
                .map(|e| (e.name().to_string(), e.into_extern()))
                .filter(|(_, e)| matches!(e, Extern::Memory(_) | Extern::SharedMemory(_)))
                .collect();
            default_memory(memories.iter().map(|(n, _)| n.as_str())).map(|i| memories[i].1.clone())
        }
    };
    view(store, found, name.unwrap_or("memory"))
}

/// Wraps an export found as `label` into a view, if it is a memory.
pub(crate) fn view<'a, T: 'static>(
    store: StoreContextMut<'a, T>,
    found: Option<Extern>,
    label: &str,
) -> Result<MemoryView<'a, T>> {
    match found {
        Some(Extern::Memory(memory)) => Ok(MemoryView { store, memory }),
        Some(Extern::SharedMemory(_)) => Err(shared(label)),
        Some(_) => Err(Error::Memory(format!("export `{label}` is not a memory"))),
        None => Err(missing(label)),
    }
}

impl<T: 'static> MemoryView<'_, T> {
    pub fn read(&self, offset: u64, len: u64) -> Result<Vec<u8>> {
        self.read_with(offset, len, <[u8]>::to_vec)
    }

    /// Lends the bytes `[offset, offset + len)` to `f`, so an embedder can
    /// copy them once, straight into a buffer of its own.
    pub fn read_with<R>(&self, offset: u64, len: u64, f: impl FnOnce(&[u8]) -> R) -> Result<R> {
        read_with(self.memory.data(&self.store), offset, len, f)
    }

    pub fn write(&mut self, offset: u64, bytes: &[u8]) -> Result<()> {
        write(self.memory.data_mut(&mut self.store), offset, bytes)
    }

    /// Copies `out.len()` bytes at `offset` into `out` (no allocation).
    pub fn read_into(&self, offset: u64, out: &mut [u8]) -> Result<usize> {
        let data = self.memory.data(&self.store);
        let range = range(data, offset, out.len() as u64)?;
        out.copy_from_slice(&data[range]);
        Ok(out.len())
    }

    /// Reads UTF-8 text; invalid sequences become U+FFFD (as `TextDecoder`).
    pub fn read_string(&self, offset: u64, len: u64) -> Result<String> {
        self.read_with(offset, len, |b| String::from_utf8_lossy(b).into_owned())
    }

    /// Writes `text` as UTF-8 and returns the number of bytes written.
    pub fn write_string(&mut self, offset: u64, text: &str) -> Result<usize> {
        self.write(offset, text.as_bytes())?;
        Ok(text.len())
    }

    /// Current size in 64 KiB pages.
    pub fn size(&self) -> u64 {
        self.memory.size(&self.store)
    }

    /// Grows by `delta` pages and returns the previous size in pages.
    pub fn grow(&mut self, delta: u64) -> Result<u64> {
        self.memory
            .grow(&mut self.store, delta)
            .map_err(|e| Error::Memory(format!("memory.grow by {delta} page(s) refused: {e}")))
    }
}
