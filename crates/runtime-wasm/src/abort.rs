//! Giving up on a compile: Wasmtime cannot stop one midway, so an aborted
//! compile runs to its end and its result is dropped — no handle, no entry
//! in the disk cache, no background build of better code.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Set from any thread to give up on the compiles it was given to.
#[derive(Debug, Clone, Default)]
pub struct Abort(Arc<AtomicBool>);

impl Abort {
    pub fn new() -> Abort {
        Abort::default()
    }

    /// Gives up: the compile's result, when it comes, is dropped.
    pub fn abort(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_aborted(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
