//! The one error type of runtime-wasm and its mapping to the numeric codes
//! 5000–5013; engine errors are classified here by downcasting, never by text.

use crate::value::{Arg, Value};
use std::any::Any;
use std::path::PathBuf;
use std::sync::Arc;
use wasmtime::{Trap, WasmBacktrace};
use wasmtime_wasi::I32Exit;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The stable numeric codes embedders see; `Error::code` is the only mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum ErrorCode {
    CompileError = 5000,
    InstantiateError = 5001,
    CallError = 5002,
    ExportNotFound = 5003,
    InvalidModuleHandle = 5004,
    InvalidInstanceHandle = 5005,
    MemoryError = 5006,
    TypeError = 5007,
    IoError = 5008,
    PermissionDenied = 5009,
    WasiError = 5010,
    FuelExhausted = 5011,
    Timeout = 5012,
    LimitExceeded = 5013,
}

impl ErrorCode {
    /// Every code, in numeric order: the table embedders build their own
    /// name -> number maps from (the JS `ErrorCode` object is made from it).
    pub const ALL: [ErrorCode; 14] = [
        ErrorCode::CompileError,
        ErrorCode::InstantiateError,
        ErrorCode::CallError,
        ErrorCode::ExportNotFound,
        ErrorCode::InvalidModuleHandle,
        ErrorCode::InvalidInstanceHandle,
        ErrorCode::MemoryError,
        ErrorCode::TypeError,
        ErrorCode::IoError,
        ErrorCode::PermissionDenied,
        ErrorCode::WasiError,
        ErrorCode::FuelExhausted,
        ErrorCode::Timeout,
        ErrorCode::LimitExceeded,
    ];

    /// The number 5000–5013.
    pub fn number(self) -> u16 {
        self as u16
    }

    /// The name shown to users next to the number (`codeName` in JS).
    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::CompileError => "CompileError",
            ErrorCode::InstantiateError => "InstantiateError",
            ErrorCode::CallError => "CallError",
            ErrorCode::ExportNotFound => "ExportNotFound",
            ErrorCode::InvalidModuleHandle => "InvalidModuleHandle",
            ErrorCode::InvalidInstanceHandle => "InvalidInstanceHandle",
            ErrorCode::MemoryError => "MemoryError",
            ErrorCode::TypeError => "TypeError",
            ErrorCode::IoError => "IoError",
            ErrorCode::PermissionDenied => "PermissionDenied",
            ErrorCode::WasiError => "WasiError",
            ErrorCode::FuelExhausted => "FuelExhausted",
            ErrorCode::Timeout => "Timeout",
            ErrorCode::LimitExceeded => "LimitExceeded",
        }
    }
}

/// One frame of a guest's stack at the time of a trap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub module: Option<String>,
    pub func_index: u32,
    pub func_name: Option<String>,
    pub module_offset: Option<usize>,
}

/// What the guest did wrong when it trapped, so callers can tell traps apart
/// without reading messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrapInfo {
    /// Short stable name: `"unreachable"`, `"out of bounds memory access"`, …
    pub kind: String,
    pub backtrace: Vec<Frame>,
}

/// An error a host function raised, carried through the guest to the caller
/// of the wasm call unchanged (the embedder's own exception value). A guest
/// may catch it on the way (`catch_all`); `Arc` so it can ride in the wasm
/// exception that carries it and come back the very same value.
pub struct HostError(pub Arc<dyn Any + Send + Sync>);

/// A tag as the embedder names it: one of its own (a JS `WebAssembly.Tag`),
/// made in each store that imports it, or a guest's, numbered once for the
/// whole process the first time the embedder is given it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TagRef {
    Host(u64),
    Guest(u64),
}

/// A wasm exception no guest caught: its tag, the tag's parameter types and
/// the payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Exception {
    pub tag: TagRef,
    pub params: Vec<String>,
    pub payload: Vec<Value>,
}

/// What a host function throws as a tagged wasm exception: `original`, the
/// embedder's own exception value, is what leaves the call if no guest
/// catches it (or a guest catches it and rethrows it with `throw_ref`).
pub struct Throw {
    pub tag: TagRef,
    pub payload: Vec<Arg>,
    pub original: HostError,
}

impl std::fmt::Debug for Throw {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Throw({:?}, {} values)", self.tag, self.payload.len())
    }
}

impl std::fmt::Debug for HostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HostError(..)")
    }
}

/// The wasm-facing failure of a host call; unwrapped again by `Error::from_guest`.
#[derive(Debug)]
pub(crate) struct HostFailure(pub(crate) Error);

impl std::fmt::Display for HostFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for HostFailure {}

/// The error instantiation fails with when a memory or table is born
/// bigger than the instance's cap; classified by type, not text.
#[derive(Debug)]
pub(crate) struct CapExceeded(pub(crate) String);

impl std::fmt::Display for CapExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CapExceeded {}

/// Every failure runtime-wasm reports; each variant has exactly one code.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{message}")]
    Compile {
        message: String,
        offset: Option<usize>,
    },
    #[error("{message}")]
    Instantiate {
        message: String,
        trap: Option<TrapInfo>,
    },
    #[error("{message}")]
    Call {
        message: String,
        trap: Option<TrapInfo>,
    },
    #[error("{0}")]
    ExportNotFound(String),
    #[error("unknown or dropped module handle `{0}`")]
    InvalidModuleHandle(String),
    #[error("unknown or dropped instance handle `{0}`")]
    InvalidInstanceHandle(String),
    #[error("{0}")]
    Memory(String),
    #[error("{0}")]
    Type(String),
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    PermissionDenied(String),
    #[error("{message}")]
    Wasi {
        message: String,
        exit_code: Option<i32>,
    },
    #[error("all fuel consumed by WebAssembly")]
    FuelExhausted { trap: Option<TrapInfo> },
    #[error("deadline exceeded")]
    Timeout { trap: Option<TrapInfo> },
    #[error("{0}")]
    LimitExceeded(String),
    /// The engine could not be set up (its address space refused, say).
    #[error("{0}")]
    Engine(String),
    /// A host function failed; the embedder's own error value rides along.
    #[error("a host function failed")]
    Host(HostError),
    /// A wasm exception left the call: no guest caught it.
    #[error("uncaught WebAssembly exception")]
    Exception(Box<Exception>),
    /// A host function throws a tagged wasm exception into its guest.
    #[error("a host function threw a WebAssembly exception")]
    Throw(Box<Throw>),
}

impl Error {
    /// The single mapping from errors to the documented numeric codes.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Compile { .. } => ErrorCode::CompileError,
            Error::Instantiate { .. } => ErrorCode::InstantiateError,
            Error::Call { .. } => ErrorCode::CallError,
            Error::ExportNotFound(_) => ErrorCode::ExportNotFound,
            Error::InvalidModuleHandle(_) => ErrorCode::InvalidModuleHandle,
            Error::InvalidInstanceHandle(_) => ErrorCode::InvalidInstanceHandle,
            Error::Memory(_) => ErrorCode::MemoryError,
            Error::Type(_) => ErrorCode::TypeError,
            Error::Io { .. } => ErrorCode::IoError,
            Error::PermissionDenied(_) => ErrorCode::PermissionDenied,
            Error::Wasi { .. } => ErrorCode::WasiError,
            Error::FuelExhausted { .. } => ErrorCode::FuelExhausted,
            Error::Timeout { .. } => ErrorCode::Timeout,
            Error::LimitExceeded(_) | Error::Engine(_) => ErrorCode::LimitExceeded,
            Error::Host(_) | Error::Exception(_) | Error::Throw(_) => ErrorCode::CallError,
        }
    }

    /// The trap behind this error, if the guest trapped.
    pub fn trap(&self) -> Option<&TrapInfo> {
        match self {
            Error::Instantiate { trap, .. }
            | Error::Call { trap, .. }
            | Error::FuelExhausted { trap }
            | Error::Timeout { trap } => trap.as_ref(),
            _ => None,
        }
    }

    /// The guest's exit status when it called `proc_exit` where no exit was
    /// expected (inside a plain call).
    pub fn exit_code(&self) -> Option<i32> {
        match self {
            Error::Wasi { exit_code, .. } => *exit_code,
            _ => None,
        }
    }

    /// A call that could not start because the instance is running another.
    pub(crate) fn busy(what: &str) -> Error {
        Error::Call {
            message: format!("instance `{what}` is busy with an asynchronous call"),
            trap: None,
        }
    }

    /// Classifies an engine error raised while running guest code.
    pub(crate) fn from_guest(err: wasmtime::Error) -> Error {
        let err = match err.downcast::<HostFailure>() {
            Ok(HostFailure(inner)) => return inner,
            Err(other) => other,
        };
        if let Some(exit) = err.downcast_ref::<I32Exit>() {
            return Error::Wasi {
                message: format!("guest called proc_exit({}) during a call", exit.0),
                exit_code: Some(exit.0),
            };
        }
        let trap = trap_info(&err);
        match err.downcast_ref::<Trap>() {
            Some(Trap::OutOfFuel) => Error::FuelExhausted { trap },
            Some(Trap::Interrupt) => Error::Timeout { trap },
            _ => Error::Call {
                message: describe(&err),
                trap,
            },
        }
    }

    /// Classifies an engine error from a component call: a trap (and what
    /// a host function raised) as any call's; anything else is the engine
    /// refusing what the guest handed back — more than `maxValueBytes`,
    /// outside its memory, malformed — which is 5013.
    pub(crate) fn from_component(err: wasmtime::Error) -> Error {
        if let Some(Trap::CannotEnterComponent) = err.downcast_ref::<Trap>() {
            return Error::Call {
                message: "the component instance cannot be entered again: an earlier call into it trapped or failed, which ends a component instance".into(),
                trap: trap_info(&err),
            };
        }
        let ours = err.is::<Trap>() || err.is::<HostFailure>() || err.is::<I32Exit>();
        if ours {
            return Error::from_guest(err);
        }
        Error::LimitExceeded(format!(
            "the guest's value was refused: {} (a value a guest hands the host is bounded by maxValueBytes and by its memory)",
            describe(&err)
        ))
    }

    /// Classifies an engine error raised by instantiation (linking or start).
    pub(crate) fn from_instantiate(err: wasmtime::Error) -> Error {
        if let Some(cap) = err.downcast_ref::<CapExceeded>() {
            return Error::LimitExceeded(cap.to_string());
        }
        match Error::from_guest(err) {
            Error::Call { message, trap } => Error::Instantiate { message, trap },
            other => other,
        }
    }
}

/// The whole error chain on one line, outermost first, less the wasm
/// backtrace the engine attaches as context: its frames are `TrapInfo`'s,
/// so a message never carries them as text.
pub(crate) fn describe(err: &wasmtime::Error) -> String {
    let backtrace = err.downcast_ref::<WasmBacktrace>().map(|b| b.to_string());
    let parts: Vec<String> = err
        .chain()
        .map(|e| e.to_string())
        .filter(|part| Some(part) != backtrace.as_ref())
        .collect();
    parts.join(": ")
}

fn trap_info(err: &wasmtime::Error) -> Option<TrapInfo> {
    let trap = err.downcast_ref::<Trap>()?;
    let kind = match trap {
        Trap::StackOverflow => "stack overflow",
        Trap::UnreachableCodeReached => "unreachable",
        Trap::MemoryOutOfBounds => "out of bounds memory access",
        Trap::TableOutOfBounds => "out of bounds table access",
        Trap::HeapMisaligned => "unaligned atomic",
        Trap::IndirectCallToNull => "uninitialized element",
        Trap::BadSignature => "indirect call type mismatch",
        Trap::IntegerOverflow => "integer overflow",
        Trap::IntegerDivisionByZero => "integer divide by zero",
        Trap::BadConversionToInteger => "invalid conversion to integer",
        Trap::Interrupt => "interrupt",
        Trap::OutOfFuel => "out of fuel",
        Trap::NullReference => "null reference",
        Trap::ArrayOutOfBounds => "out of bounds array access",
        Trap::AllocationTooLarge => "allocation size too large",
        Trap::CastFailure => "cast failure",
        Trap::UnhandledTag => "unhandled exception",
        Trap::CannotEnterComponent => "cannot enter component instance",
        _ => "trap",
    }
    .to_string();
    let backtrace = err
        .downcast_ref::<WasmBacktrace>()
        .map(|bt| {
            bt.frames()
                .iter()
                .map(|f| Frame {
                    module: f.module().name().map(str::to_string),
                    func_index: f.func_index(),
                    func_name: f.func_name().map(str::to_string),
                    module_offset: f.module_offset(),
                })
                .collect()
        })
        .unwrap_or_default();
    Some(TrapInfo { kind, backtrace })
}
