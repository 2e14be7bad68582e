//! runtime-wasm: a WebAssembly sandbox on Wasmtime for embedders in any host
//! language — typed module and instance handles, WASI preview1, capability
//! policy, serialized calls that wait without holding a thread, and one
//! structured error type.
//!
//! # The map
//!
//! Leaves first; no module imports one above it.
//!
//! - `value` — [`Value`], [`Arg`], [`ExternValue`]: values as the embedder
//!   holds them. Imports nothing.
//! - `error` — [`Error`], its [`ErrorCode`] (the only code mapping),
//!   [`TrapInfo`], and the exceptions that leave or enter a guest
//!   ([`Exception`], [`Throw`], [`TagRef`]); engine errors are classified
//!   by downcasting.
//! - `convert` — values converted by a wasm type, and the one check of
//!   numbers coming from a host (offsets, counts, grow deltas).
//! - `keys` — the option names and "did you mean".
//! - `registry` — module and instance handles, never reused.
//! - `limits` — [`Limits`] and the resource limiter; `deadline` — the epoch
//!   ticker, arming a call, bounding a wait by the same end.
//! - `store` — the per-store state host functions see.
//! - `engine` — one engine per flavor (metering × pool × compiler), what fits
//!   a pool slot, and the fallback from the pool to on demand.
//! - `abort` — [`Abort`]: giving up on a compile.
//! - `cache`, `precompiled` — compiled code on disk; `.cwasm` artifacts.
//! - `module` — a module's `info`, `source` (bytes, WAT, files), `compiled`
//!   builds and `tiering` (which compiler, when to tier up).
//! - `component` — a component's `compiled` code and its `info` (its world
//!   as WIT, its imports and exports).
//! - `memory` — bounds-checked `view`s, zero-copy loans (`lent`), a waiting
//!   guest's memories (`caller`), and the one default-memory rule.
//! - `native_stack` — how much stack the calling thread has left (nested sync
//!   calls end in a trap, not a crash); `fiber_stacks` — fiber stacks from
//!   shared mappings with guard regions.
//! - `executor`, `block_on` — the worker threads async calls run on; the sync
//!   forms, which poll the same futures on the calling thread.
//! - `host_call`, `imports` — the host-call protocol ([`HostCall`], settled
//!   from any thread; while it waits, its store is lent to sync operations
//!   nested in it and it runs async ones itself) and the glue that makes a
//!   [`HostFunc`] a wasm import.
//! - `exception` — a wasm exception nothing caught, as the call's error;
//!   what a host function throws, as a wasm exception its guest may catch.
//! - `func`, `call` — guest functions as handles; export lookup and the call
//!   paths (typed, and allocation-free for all-number signatures).
//! - `instance` — [`Instance`] (the handle), `build`, `live` (the store and
//!   the entry into guest code) and `queue` (arrival order).
//! - `global`, `table`, `tag` — one extern each.
//! - `open`, `policy`, `wasi` — opening beneath a root, the capability
//!   [`Policy`], WASI preview1 setup.
//! - `runtime` — [`Runtime`]: the registries and the facade over all of it.
//!
//! # How a call flows
//!
//! [`Runtime::compile`] turns source into a `Compiled` (tiering picks the
//! compiler; builds go through the disk cache). [`Runtime::instantiate`]
//! builds a [`Live`] store on the engine its limits need (from the pool when
//! the module fits a slot), links imports (host functions become async wasm
//! imports) and wraps it in an [`Instance`]. A call is an [`Op`]: one future
//! that the sync form polls on the calling thread (`block_on`, after the
//! native stack check) and the async form queues behind the instance's
//! earlier work and polls on a worker (`executor`). Either way `Live` arms the
//! deadline and enters guest code, directly or through a fiber when the store
//! has async host functions. A guest calling an import produces a
//! [`HostCall`]: the embedder settles it now or later from any thread, and
//! the guest's future waits meanwhile, holding no thread, its memories
//! reachable through the call. A trap, fuel running out or the deadline
//! passing comes back as an [`Error`] classified by type.

#![warn(clippy::undocumented_unsafe_blocks)]

mod abort;
mod block_on;
mod cache;
mod call;
mod component;
mod convert;
mod deadline;
mod engine;
mod error;
mod exception;
mod executor;
#[cfg(target_os = "linux")]
mod fiber_stacks;
mod func;
mod global;
mod host_call;
mod imports;
mod instance;
mod keys;
mod limits;
mod memory;
mod module;
pub mod native_stack;
mod open;
mod policy;
mod precompiled;
mod registry;
mod resources;
mod runtime;
mod store;
mod table;
mod tag;
mod value;
mod wasi;

pub use abort::Abort;
pub use component::{Answer, ComponentFunction, ComponentInfo, ComponentItemInfo, MAX_VALUE_DEPTH};
pub use convert::{count, millis, offset};
pub use error::{Error, ErrorCode, Exception, Frame, HostError, Result, TagRef, Throw, TrapInfo};
pub use func::{FuncRef, MAX_NUMBERS};
pub use global::GlobalValue;
pub use host_call::{HostCall, HostFunc};
pub use imports::{ExportRef, Import, Imports};
pub use instance::{Instance, InstanceConfig, Live, Op, RunOutput};
pub use keys::{unknown_key, INSTANCE_CONFIG_KEYS, POLICY_KEYS, PREOPEN_KEYS, RUNTIME_OPTION_KEYS};
pub use limits::{
    Limits, DEFAULT_MAX_MEMORY64_BYTES, DEFAULT_MAX_TABLE_ELEMENTS, DEFAULT_MAX_VALUE_BYTES,
};
pub use memory::{default_memory, Extent, HostMemory, Lease, MemoryView, Watcher, PAGE_SIZE};
pub use module::{
    wat2wasm, Compiler, ExportInfo, ExternInfo, ImportInfo, ModuleInfo, Tier,
    DEFAULT_MAX_MODULE_BYTES, OPTIMIZED_AT_ONCE,
};
pub use policy::Policy;
pub use registry::{InstanceId, ModuleId};
pub use resources::ResourceRef;
pub use runtime::{Runtime, RuntimeOptions, DEFAULT_POOL};
pub use table::TableEntry;
pub use value::{type_name, Arg, ExternValue, Lifted, Value};
pub use wasi::{Preopen, WasiConfig, DEFAULT_CAPTURE_LIMIT, DEFAULT_MAX_OPEN_FILES};
