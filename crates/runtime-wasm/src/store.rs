//! Per-store state the engine hands to host functions: the WASI context, the
//! resource limiter, and the running call's deadline.

use crate::lent::Lent;
use crate::limits::Limiter;
use crate::registry::InstanceId;
use std::sync::Arc;
use std::time::Instant;
use wasmtime::Extern;
use wasmtime_wasi::p1::WasiP1Ctx;

/// An instance's exported memories by name, in export order.
pub(crate) type MemoryExports = Arc<[(Arc<str>, Extern)]>;

pub(crate) struct StoreData {
    /// The instance this store belongs to.
    pub(crate) id: InstanceId,
    pub(crate) wasi: Option<WasiP1Ctx>,
    pub(crate) limiter: Limiter,
    /// The instance's memories, once it is built (host calls reach them).
    pub(crate) memories: Option<MemoryExports>,
    /// Where those memories are, for the embedder's views of them.
    pub(crate) lent: Option<Arc<Lent>>,
    /// When the running call must end, if it has a timeout.
    pub(crate) deadline: Option<Instant>,
}
