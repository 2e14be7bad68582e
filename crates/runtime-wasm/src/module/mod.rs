//! Modules: what one imports and exports (`info`), where its bytes come
//! from (`source`) and how they are kept (`binary`), its compiled builds
//! (`compiled`), and which compiler makes them and when (`tiering`).

mod binary;
mod compiled;
mod info;
mod source;
mod tiering;

pub(crate) use binary::{Binary, InFile};
pub(crate) use compiled::{compile_error, Compiled};
pub use info::{ExportInfo, ExternInfo, ImportInfo, ModuleInfo};
pub(crate) use source::{read_source, to_binary, CodeSection};
pub use source::{wat2wasm, DEFAULT_MAX_MODULE_BYTES};
pub use tiering::{Compiler, Tier, OPTIMIZED_AT_ONCE};
