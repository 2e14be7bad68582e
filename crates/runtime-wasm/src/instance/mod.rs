//! An instance: how it is built, its live state, and the queue that
//! serializes calls into it in arrival order.

mod build;
mod live;
mod queue;

use crate::imports::Imports;
use crate::limits::Limits;
use crate::wasi::WasiConfig;

pub use live::Live;
pub use queue::{Instance, Op};

/// How an instance is set up; everything is denied unless granted.
#[derive(Debug, Clone, Default)]
pub struct InstanceConfig {
    pub wasi: WasiConfig,
    pub limits: Limits,
    pub imports: Imports,
}

/// The result of running a WASI command to completion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutput {
    pub exit_code: i32,
    /// Captured output, when capture was requested.
    pub stdout: Option<Vec<u8>>,
    pub stderr: Option<Vec<u8>>,
}
