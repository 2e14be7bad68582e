//! Per-store state the engine hands to host functions: the WASI context, the
//! resource limiter, and the running call's deadline.

use crate::lent::Lent;
use crate::limits::Limiter;
use crate::registry::InstanceId;
use std::sync::{Arc, OnceLock};
use std::time::Instant;
use wasmtime::Extern;
use wasmtime_wasi::p1::WasiP1Ctx;

/// An instance's exported memories by name, in export order.
pub(crate) type MemoryExports = Arc<[(Arc<str>, Extern)]>;

/// One instance's exported memories and where they are, set once it is
/// built; its host functions reach them (a store holds several instances
/// when they are linked).
pub(crate) type Exported = Arc<OnceLock<(MemoryExports, Arc<Lent>)>>;

pub(crate) struct StoreData {
    /// The instance this store was made for (the first of a linked group).
    pub(crate) id: InstanceId,
    pub(crate) wasi: Option<WasiP1Ctx>,
    pub(crate) limiter: Limiter,
    /// When the running call must end, if it has a timeout.
    pub(crate) deadline: Option<Instant>,
}
