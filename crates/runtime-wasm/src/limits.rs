//! Per-instance limits — fuel, a wall-clock deadline per call, memory,
//! table and descriptor caps with their defaults — and the resource
//! limiter that holds a store to its memory and table caps.

use crate::error::CapExceeded;
use std::time::Duration;
use wasmtime::ResourceLimiter;

/// Limits an instance runs under; `None` means unlimited (and costs nothing).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// Fuel units the instance may burn in total (refill with `set_fuel`).
    pub fuel: Option<u64>,
    /// Wall-clock budget of every call.
    pub timeout: Option<Duration>,
    /// Bytes all of the instance's linear memories may hold together. Unset,
    /// each memory may hold 4 GiB ([`DEFAULT_MAX_MEMORY64_BYTES`]): the most
    /// a 32-bit memory can, and the bound on 64-bit memories too.
    pub max_memory_bytes: Option<u64>,
    /// Elements any one table may hold (default 10,000,000,
    /// [`DEFAULT_MAX_TABLE_ELEMENTS`]).
    pub max_table_elements: Option<u64>,
    /// WASI descriptors the guest may hold open at once, preopens included
    /// and stdio not (default 1024); one more `path_open` gets `EMFILE`.
    pub max_open_files: Option<u64>,
    /// Bytes the host may allocate for one value a component's guest hands
    /// it (a string, a list, their nesting); default 64 MiB
    /// ([`DEFAULT_MAX_VALUE_BYTES`]).
    pub max_value_bytes: Option<u64>,
}

/// Bytes of one component value taken from a guest when `max_value_bytes`
/// is not given: a guest cannot make the host allocate without bound by
/// returning a huge list or string.
pub const DEFAULT_MAX_VALUE_BYTES: u64 = 64 << 20;

/// Elements a table may hold when `max_table_elements` is not given, on
/// pooled and on-demand instances alike: a guest cannot make the host
/// allocate gigabytes for a table with one `table.grow`.
pub const DEFAULT_MAX_TABLE_ELEMENTS: u64 = 10_000_000;

/// Bytes any one memory may hold when `max_memory_bytes` is not given. A
/// 32-bit memory cannot exceed it anyway; a `memory64` memory otherwise
/// could grow to the whole address space.
pub const DEFAULT_MAX_MEMORY64_BYTES: u64 = 4 << 30;

/// Enforces the memory and table caps of one store.
#[derive(Debug)]
pub(crate) struct Limiter {
    /// Bytes all memories may hold together, when configured.
    max_memory: Option<usize>,
    /// Bytes any one memory may hold: the configured total, else the default.
    max_one_memory: usize,
    max_table: usize,
    /// Bytes currently held by all memories of the store.
    memory_total: usize,
    /// While true, a memory or table made past a cap fails instantiation
    /// instead of answering -1 to the guest (growth, even by the start
    /// function, answers -1 as ever).
    pub(crate) instantiating: bool,
}

impl Limiter {
    pub(crate) fn new(limits: &Limits) -> Limiter {
        let clamp = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
        let max_memory = limits.max_memory_bytes.map(clamp);
        Limiter {
            max_memory,
            max_one_memory: max_memory.unwrap_or(clamp(DEFAULT_MAX_MEMORY64_BYTES)),
            max_table: clamp(
                limits
                    .max_table_elements
                    .unwrap_or(DEFAULT_MAX_TABLE_ELEMENTS),
            ),
            memory_total: 0,
            instantiating: true,
        }
    }

    /// Refuses to make (`current` 0) or grow a memory or table: an error
    /// while one is made for a new instance, else -1 to the guest. A start
    /// function's growth is growth: V8 answers it -1 too.
    fn refuse(&self, current: usize, what: String) -> wasmtime::Result<bool> {
        if self.instantiating && current == 0 {
            Err(wasmtime::Error::new(CapExceeded(what)))
        } else {
            Ok(false)
        }
    }
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // Saturating: `desired` may be anything a host asks for.
        let total = (self.memory_total - current.min(self.memory_total)).saturating_add(desired);
        match self.max_memory {
            Some(max) if total > max => self.refuse(
                current,
                format!(
                "memory of {desired} bytes would exceed maxMemoryBytes ({max})"
            )),
            None if desired > self.max_one_memory => self.refuse(
                current,
                format!(
                "memory of {desired} bytes would exceed the default memory cap ({} bytes; set maxMemoryBytes)",
                self.max_one_memory
            )),
            _ => {
                self.memory_total = total;
                Ok(true)
            }
        }
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_table {
            return self.refuse(
                current,
                format!(
                    "table of {desired} elements would exceed maxTableElements ({})",
                    self.max_table
                ),
            );
        }
        Ok(true)
    }
}
