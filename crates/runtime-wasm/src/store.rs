//! Per-store state the engine hands to host functions: the WASI context, the
//! resource limiter, and the running call's deadline.

use crate::limits::Limiter;
use crate::registry::InstanceId;
use std::time::Instant;
use wasmtime_wasi::p1::WasiP1Ctx;

pub(crate) struct StoreData {
    /// The instance this store was made for (the first of a linked group).
    pub(crate) id: InstanceId,
    pub(crate) wasi: Option<WasiP1Ctx>,
    pub(crate) limiter: Limiter,
    /// When the running call must end, if it has a timeout.
    pub(crate) deadline: Option<Instant>,
}
