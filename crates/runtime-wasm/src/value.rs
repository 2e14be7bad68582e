//! Values crossing the boundary: what the embedder gives (`Arg`), what it
//! gets back (`Value`, `Lifted`), and the host values guests hold (`ExternValue`).

use std::any::Any;
use std::sync::Arc;
use wasmtime::{HeapType, RefType, ValType};

/// A host value a guest holds as an `externref`: whatever the embedder put
/// in (its own handle on one of its values), given back as the very same
/// `Arc`. The guest cannot look inside; the engine drops it once no guest
/// can reach it any more, so what it holds lives exactly as long.
#[derive(Clone)]
pub struct ExternValue {
    pub value: Arc<dyn Any + Send + Sync>,
    /// What the value is in the embedder's words (`"object"`, `"string"`),
    /// for type errors.
    pub kind: &'static str,
}

impl std::fmt::Debug for ExternValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ExternValue({})", self.kind)
    }
}

/// The same value: the same `Arc`.
impl PartialEq for ExternValue {
    fn eq(&self, other: &ExternValue) -> bool {
        Arc::ptr_eq(&self.value, &other.value)
    }
}

/// An argument as the embedder's language holds it, before it meets a type.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// A double-precision number (JS `number`).
    Number(f64),
    /// An arbitrary-precision integer as sign and little-endian 64-bit words.
    BigInt { negative: bool, words: Vec<u64> },
    /// Raw bytes (a `Uint8Array`), used for `v128`.
    Bytes(Vec<u8>),
    /// `null`, for nullable reference parameters.
    Null,
    /// Several values (a JS array), as host functions with several results
    /// return them.
    List(Vec<Arg>),
    /// A value whose wasm type the embedder stated (`types.i64(x)`).
    Typed(String, Box<Arg>),
    /// A string (component values: `string`, `char`, enum cases).
    Str(String),
    /// A boolean (component `bool`, flags).
    Bool(bool),
    /// `undefined` (a component `option`'s none).
    Undefined,
    /// A plain object's own enumerable properties, in order (component
    /// records, variants, flags).
    Object(Vec<(String, Arg)>),
    /// A component resource the host holds.
    Resource(crate::ResourceRef),
    /// The error of the `result<T, E>` a component's host function returns
    /// (it threw a `ComponentError` carrying it); its answer otherwise is `T`.
    Err(Box<Arg>),
    /// A host value for an `externref` (any value that is none of the
    /// above).
    Extern(ExternValue),
    /// Anything else; the string names its kind for the error message.
    Other(String),
}

/// A component value as the embedder's language holds it (jco's shapes):
/// numbers, `bigint` for 64-bit integers, strings, `Uint8Array` for
/// `list<u8>`, arrays, and objects with lowerCamelCase keys.
#[derive(Debug, Clone, PartialEq)]
pub enum Lifted {
    Undefined,
    Bool(bool),
    Number(f64),
    /// `u64` / `s64`.
    BigInt(i128),
    Str(String),
    /// `list<u8>`.
    Bytes(Vec<u8>),
    Array(Vec<Lifted>),
    /// Properties in order.
    Object(Vec<(String, Lifted)>),
    /// A resource the host now holds, with its type's qualified name
    /// (`"ns:pkg/iface@1.0.0#counter"`; empty for a type the component
    /// does not export).
    Resource {
        handle: crate::ResourceRef,
        class: Arc<str>,
    },
}

/// A wasm value handed back to the embedder.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    I32(i32),
    I64(i64),
    F32(f32),
    F64(f64),
    V128([u8; 16]),
    /// A null reference.
    Null,
    /// A non-null `externref`: the host value it was made from.
    Extern(ExternValue),
}

/// The name of a value type as embedders see it (`"i32"`, `"funcref"`, …).
pub fn type_name(ty: &ValType) -> String {
    match ty {
        ValType::I32 => "i32".into(),
        ValType::I64 => "i64".into(),
        ValType::F32 => "f32".into(),
        ValType::F64 => "f64".into(),
        ValType::V128 => "v128".into(),
        ValType::Ref(r) => ref_type_name(r),
    }
}

pub(crate) fn ref_type_name(r: &RefType) -> String {
    match (r.is_nullable(), r.heap_type()) {
        (true, HeapType::Func) => "funcref".into(),
        (true, HeapType::Extern) => "externref".into(),
        (true, HeapType::Exn) => "exnref".into(),
        (true, HeapType::Any) => "anyref".into(),
        _ => r.to_string(),
    }
}
