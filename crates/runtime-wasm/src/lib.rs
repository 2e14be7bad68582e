//! runtime-wasm: a WebAssembly sandbox on Wasmtime for embedders in any host
//! language — typed module and instance handles, WASI preview1, capability
//! policy, serialized calls that wait without holding a thread, and one
//! structured error type.

#![warn(clippy::undocumented_unsafe_blocks)]

mod block_on;
mod cache;
mod call;
mod engine;
mod error;
mod executor;
mod func;
mod global;
mod host_call;
mod imports;
mod instance;
mod keys;
mod lent;
mod limits;
mod memory;
mod module;
mod open;
mod policy;
mod precompiled;
mod registry;
mod runtime;
pub mod stack;
#[cfg(target_os = "linux")]
mod stacks;
mod store;
mod table;
mod tiering;
mod value;
mod wasi;

pub use error::{Error, ErrorCode, Frame, HostError, Result, TrapInfo};
pub use func::{FuncRef, MAX_NUMBERS};
pub use global::GlobalValue;
pub use host_call::{HostCall, HostFunc, HostMemory};
pub use imports::{ExportRef, Import, Imports};
pub use instance::{Instance, InstanceConfig, Live, Op, RunOutput};
pub use keys::{unknown_key, INSTANCE_CONFIG_KEYS, POLICY_KEYS, PREOPEN_KEYS, RUNTIME_OPTION_KEYS};
pub use lent::{Extent, Lease, Watcher};
pub use limits::{Limits, DEFAULT_MAX_MEMORY64_BYTES, DEFAULT_MAX_TABLE_ELEMENTS};
pub use memory::{MemoryView, PAGE_SIZE};
pub use module::{
    wat2wasm, ExportInfo, ExternInfo, ImportInfo, ModuleInfo, DEFAULT_MAX_MODULE_BYTES,
};
pub use policy::Policy;
pub use registry::{InstanceId, ModuleId};
pub use runtime::{Runtime, RuntimeOptions, DEFAULT_POOL};
pub use table::TableEntry;
pub use tiering::{Compiler, Tier};
pub use value::{count, millis, type_name, Arg, Value};
pub use wasi::{Preopen, WasiConfig, DEFAULT_CAPTURE_LIMIT, DEFAULT_MAX_OPEN_FILES};
