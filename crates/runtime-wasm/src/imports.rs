//! Host functions supplied by the embedder: a trait the embedder implements,
//! the caller handle it gets (memory access during the call), and the glue
//! that turns each into a wasm import with the module's declared signature.

use crate::error::{Error, Result};
use crate::instance::StoreData;
use crate::memory::{self, MemoryView};
use crate::value::{type_name, Arg, Value};
use std::any::Any;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;
use wasmtime::{AsContextMut, FuncType, Val};

/// A function the guest imports, implemented by the embedder.
pub trait HostFunc: Send + Sync + 'static {
    /// Runs the function. `args` follow the import's declared parameters;
    /// the returned value is converted by its declared results: ignored for
    /// none, the value for one, an `Arg::List` for several.
    fn call(&self, caller: &mut Caller<'_>, args: &[Value]) -> Result<Arg>;
}

/// What an embedder offers for one import name.
#[derive(Clone)]
pub enum Import {
    Func(Arc<dyn HostFunc>),
    /// Something that is not a function; instantiation reports it (5001).
    NotAFunction(String),
}

/// Host imports by module and name.
#[derive(Clone, Default)]
pub struct Imports {
    entries: Vec<(String, String, Import)>,
}

impl std::fmt::Debug for Imports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<String> = self
            .entries
            .iter()
            .map(|(m, n, _)| format!("{m}.{n}"))
            .collect();
        f.debug_struct("Imports").field("names", &names).finish()
    }
}

impl Imports {
    pub fn add(&mut self, module: impl Into<String>, name: impl Into<String>, import: Import) {
        self.entries.push((module.into(), name.into(), import));
    }

    pub(crate) fn get(&self, module: &str, name: &str) -> Option<&Import> {
        self.entries
            .iter()
            .find(|(m, n, _)| m == module && n == name)
            .map(|(_, _, i)| i)
    }
}

/// An error a host function raised, carried through the guest to the caller
/// of the wasm call unchanged (the embedder's own exception value).
pub struct HostError(pub Box<dyn Any + Send + Sync>);

impl std::fmt::Debug for HostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HostError(..)")
    }
}

/// The guest's side of a host call: memory access while the call lasts.
pub struct Caller<'a> {
    inner: wasmtime::Caller<'a, StoreData>,
}

impl Caller<'_> {
    /// A memory of the calling instance, chosen as `Live::memory` does.
    pub fn memory(&mut self, name: Option<&str>) -> Result<MemoryView<'_>> {
        match self.inner.data().instance {
            Some(instance) => memory::locate(self.inner.as_context_mut(), instance, name),
            // Inside the start function the instance is not built yet.
            None => {
                let label = name.unwrap_or("memory");
                let found = self.inner.get_export(label);
                memory::view(self.inner.as_context_mut(), found, label)
            }
        }
    }

    /// When the running call's deadline passes, if it has one: a host that
    /// waits should give up then.
    pub fn deadline(&self) -> Option<Instant> {
        self.inner.data().deadline
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

/// Wraps `func` as a wasm function of type `ty` imported as `module.name`.
pub(crate) fn wrap(
    store: impl AsContextMut<Data = StoreData>,
    ty: FuncType,
    func: Arc<dyn HostFunc>,
    label: String,
) -> wasmtime::Func {
    let results: Vec<_> = ty.results().collect();
    wasmtime::Func::new(store, ty, move |caller, params, out| {
        let host_calls = caller.data().host_calls.clone();
        let args: Result<Vec<Value>> = params.iter().map(Value::from_val).collect();
        host_calls.fetch_add(1, Ordering::SeqCst);
        let mut caller = Caller { inner: caller };
        let ret = args.and_then(|args| func.call(&mut caller, &args));
        host_calls.fetch_sub(1, Ordering::SeqCst);
        let converted = ret.and_then(|ret| convert_results(&results, ret, &label, out));
        converted.map_err(|e| wasmtime::Error::new(HostFailure(e)))
    })
}

fn convert_results(
    types: &[wasmtime::ValType],
    ret: Arg,
    label: &str,
    out: &mut [Val],
) -> Result<()> {
    let what = |i: usize| format!("result {i} of host function `{label}`");
    match (types.len(), ret) {
        (0, _) => Ok(()),
        (1, ret) => {
            out[0] = ret.to_val(&types[0], &what(0))?;
            Ok(())
        }
        (n, Arg::List(items)) if items.len() == n => {
            for (i, (ty, item)) in types.iter().zip(&items).enumerate() {
                out[i] = item.to_val(ty, &what(i))?;
            }
            Ok(())
        }
        (n, other) => Err(Error::Type(format!(
            "host function `{label}` must return an array of {n} values ({}), got {}",
            types.iter().map(type_name).collect::<Vec<_>>().join(", "),
            other.describe()
        ))),
    }
}
