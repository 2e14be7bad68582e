//! Per-instance limits — fuel, a wall-clock deadline per call, memory,
//! table and descriptor caps with their defaults — and the epoch ticker
//! that makes deadlines fire.

use crate::error::{CapExceeded, Error, Result};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;
use wasmtime::{Engine, ResourceLimiter};

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
}

/// Elements a table may hold when `max_table_elements` is not given, on
/// pooled and on-demand instances alike: a guest cannot make the host
/// allocate gigabytes for a table with one `table.grow`.
pub const DEFAULT_MAX_TABLE_ELEMENTS: u64 = 10_000_000;

/// Bytes any one memory may hold when `max_memory_bytes` is not given. A
/// 32-bit memory cannot exceed it anyway; a `memory64` memory otherwise
/// could grow to the whole address space.
pub const DEFAULT_MAX_MEMORY64_BYTES: u64 = 4 << 30;

/// How often the ticker advances engine epochs while a deadline is armed.
pub(crate) const TICK: Duration = Duration::from_millis(2);

/// Epoch ticks that cover `timeout`, plus one for the tick in progress.
pub(crate) fn ticks(timeout: Duration) -> u64 {
    (timeout.as_nanos() / TICK.as_nanos()) as u64 + 2
}

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
    /// While true, exceeding a cap fails instantiation instead of
    /// answering -1 to the guest.
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

    fn refuse(&self, what: String) -> wasmtime::Result<bool> {
        if self.instantiating {
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
            Some(max) if total > max => self.refuse(format!(
                "memory of {desired} bytes would exceed maxMemoryBytes ({max})"
            )),
            None if desired > self.max_one_memory => self.refuse(format!(
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
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_table {
            return self.refuse(format!(
                "table of {desired} elements would exceed maxTableElements ({})",
                self.max_table
            ));
        }
        Ok(true)
    }
}

#[derive(Default)]
struct TickerState {
    engines: Vec<Engine>,
    /// Calls currently running under a deadline.
    armed: usize,
    thread: bool,
}

/// Advances the epoch of deadline-enabled engines every `TICK`, only while
/// some call runs under a deadline.
#[derive(Clone, Default)]
pub(crate) struct Ticker {
    shared: Arc<(Mutex<TickerState>, Condvar)>,
}

/// Keeps the ticker running for as long as it lives.
pub(crate) struct Armed(Ticker);

impl Drop for Armed {
    fn drop(&mut self) {
        self.0.lock().armed -= 1;
    }
}

impl Ticker {
    fn lock(&self) -> std::sync::MutexGuard<'_, TickerState> {
        self.shared.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn watch(&self, engine: &Engine) {
        self.lock().engines.push(engine.clone());
    }

    /// Marks a deadline-bearing call as running until the guard drops.
    pub(crate) fn arm(&self) -> Result<Armed> {
        let mut state = self.lock();
        state.armed += 1;
        if !state.thread {
            let me = self.clone();
            std::thread::Builder::new()
                .name("runtime-wasm-ticker".into())
                .spawn(move || me.run())
                .map_err(|e| {
                    state.armed -= 1;
                    Error::LimitExceeded(format!("cannot start the deadline ticker: {e}"))
                })?;
            state.thread = true;
        }
        self.shared.1.notify_all();
        Ok(Armed(self.clone()))
    }

    fn run(&self) {
        loop {
            let mut state = self.lock();
            while state.armed == 0 {
                state = self.shared.1.wait(state).unwrap_or_else(|e| e.into_inner());
            }
            let engines = state.engines.clone();
            drop(state);
            std::thread::sleep(TICK);
            for engine in &engines {
                engine.increment_epoch();
            }
        }
    }
}

/// Runs `future` until `deadline`, if there is one; past it the future is
/// dropped (a waiting guest is unwound) and the call fails with 5012.
pub(crate) async fn within<F: std::future::Future>(
    deadline: Option<std::time::Instant>,
    future: F,
) -> Result<F::Output> {
    match deadline {
        None => Ok(future.await),
        Some(at) => tokio::time::timeout_at(at.into(), future)
            .await
            .map_err(|_| Error::Timeout { trap: None }),
    }
}
