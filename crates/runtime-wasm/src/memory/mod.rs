//! Linear memory as the host sees it: bounds-checked views of a live
//! instance's memory (`view`), zero-copy loans of its bytes to the embedder
//! (`lent`), and the memories of a guest waiting on a host call (`caller`).
//! One rule names the default memory for all of them.

mod caller;
mod lent;
mod view;

use crate::error::{Error, Result};

pub use caller::HostMemory;
pub(crate) use caller::Memories;
pub(crate) use lent::{Exported, Lent, MemoryExports};
pub use lent::{Extent, Lease, Watcher};
pub(crate) use view::locate;
pub use view::MemoryView;

/// Bytes in one wasm page.
pub const PAGE_SIZE: u64 = 65536;

/// Which of an instance's exported memories (their names, in export order)
/// is meant when no name is given — `instance.memory`, a host call's
/// memory, WASI's: the export named `memory`, else the first.
pub fn default_memory<'a>(names: impl IntoIterator<Item = &'a str>) -> Option<usize> {
    let mut first = None;
    for (i, name) in names.into_iter().enumerate() {
        if name == "memory" {
            return Some(i);
        }
        first = first.or(Some(i));
    }
    first
}

/// No exported memory is named `label`.
pub(crate) fn missing(label: &str) -> Error {
    Error::Memory(format!("instance exports no memory `{label}`"))
}

/// Memory `label` is shared, which the host may not touch.
pub(crate) fn shared(label: &str) -> Error {
    Error::Memory(format!(
        "memory `{label}` is shared; shared memories are not accessible from the host"
    ))
}

/// Byte range `[offset, offset + len)` of `data`, if it lies inside.
pub(crate) fn range(data: &[u8], offset: u64, len: u64) -> Result<std::ops::Range<usize>> {
    let size = data.len();
    match offset.checked_add(len) {
        // Both fit in usize: `end` is at most the slice's length.
        Some(end) if end <= size as u64 => Ok(offset as usize..end as usize),
        _ => Err(Error::Memory(format!(
            "out of bounds: {len} byte(s) at offset {offset} in a memory of {size} bytes"
        ))),
    }
}

/// Lends the bytes `[offset, offset + len)` of `data` to `f`.
pub(crate) fn read_with<R>(
    data: &[u8],
    offset: u64,
    len: u64,
    f: impl FnOnce(&[u8]) -> R,
) -> Result<R> {
    let range = range(data, offset, len)?;
    Ok(f(&data[range]))
}

/// Copies `bytes` into `data` at `offset`.
pub(crate) fn write(data: &mut [u8], offset: u64, bytes: &[u8]) -> Result<()> {
    let range = range(data, offset, bytes.len() as u64)?;
    data[range].copy_from_slice(bytes);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::default_memory;

    #[test]
    fn the_export_named_memory_else_the_first() {
        assert_eq!(default_memory(["a", "memory", "b"]), Some(1));
        assert_eq!(default_memory(["a", "b"]), Some(0));
        assert_eq!(default_memory([]), None);
    }
}
