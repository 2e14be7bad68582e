//! A guest function as the embedder calls it: the function, its signature,
//! and the handle (`FuncRef`) that names it across the API.

use crate::value::type_name;
use std::sync::Arc;
use wasmtime::{AsContext, ValType};

/// Most parameters a signature may have for the allocation-free path.
pub const MAX_NUMBERS: usize = 16;

/// A callable function: `id` calls it through [`crate::Live::call_ref`] (any
/// arguments) or, when `numeric`, [`crate::Live::call_numbers`] (plain numbers),
/// as long as the instance lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuncRef {
    pub id: u32,
    pub params: Vec<String>,
    pub results: Vec<String>,
    /// Every parameter and the result (at most one) is a number type, and
    /// there are at most [`MAX_NUMBERS`] parameters.
    pub numeric: bool,
}

/// A function with the signature calls are converted against.
pub(crate) struct Callee {
    pub(crate) func: wasmtime::Func,
    pub(crate) params: Arc<[ValType]>,
    pub(crate) results: Arc<[ValType]>,
    /// Every parameter and the result (at most one) is a number type.
    pub(crate) numeric: bool,
    /// A parameter or result is an `externref` (see `call::WithRefs`).
    pub(crate) refs: bool,
    /// How errors name the function.
    pub(crate) label: Arc<str>,
}

impl Callee {
    pub(crate) fn of(func: wasmtime::Func, store: impl AsContext, label: String) -> Callee {
        let ty = func.ty(&store);
        let params: Arc<[ValType]> = ty.params().collect();
        let results: Arc<[ValType]> = ty.results().collect();
        let number = |t: &ValType| t.is_num();
        let extern_ref = |t: &ValType| t.as_ref().is_some_and(|r| r.heap_type().is_extern());
        Callee {
            func,
            numeric: params.len() <= MAX_NUMBERS
                && results.len() <= 1
                && params.iter().all(number)
                && results.iter().all(number),
            refs: params.iter().chain(results.iter()).any(extern_ref),
            params,
            results,
            label: label.into(),
        }
    }

    pub(crate) fn describe(&self, id: u32) -> FuncRef {
        FuncRef {
            id,
            params: self.params.iter().map(type_name).collect(),
            results: self.results.iter().map(type_name).collect(),
            numeric: self.numeric,
        }
    }
}
