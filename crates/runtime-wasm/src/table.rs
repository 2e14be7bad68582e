//! Exported tables: size, growth, and function entries handed out as
//! callable handles that stay valid while the instance lives.

use crate::error::{Error, Result};
use crate::func::FuncRef;
use crate::host_call::HostFunc;
use crate::imports::{self, ExportRef};
use crate::instance::Live;
use std::sync::Arc;
use wasmtime::ValType;
use wasmtime::{Extern, Ref};

impl Live<'_> {
    fn table_export(&mut self, name: &str) -> Result<wasmtime::Table> {
        self.export(name, "table", Extern::into_table)
    }

    pub fn table_size(&mut self, name: &str) -> Result<u64> {
        let t = self.table_export(name)?;
        Ok(t.size(&self.store))
    }

    /// Grows by `delta` null entries; returns the previous size. Refused
    /// growth (the table's maximum or `maxTableElements`) is 5006.
    pub fn table_grow(&mut self, name: &str, delta: u64) -> Result<u64> {
        self.table_grow_with(name, delta, None)
    }

    /// Grows by `delta` entries of `init` (a function exported by an
    /// instance of this store, or null); returns the previous size.
    pub fn table_grow_with(
        &mut self,
        name: &str,
        delta: u64,
        init: Option<&TableEntry>,
    ) -> Result<u64> {
        let t = self.table_export(name)?;
        let init = self.entry(&t, init)?;
        t.grow(&mut self.store, delta, init)
            .map_err(|e| Error::Memory(format!("table.grow by {delta} refused: {e}")))
    }

    /// Sets entry `i` to `value` (a function exported by an instance of
    /// this store, or null); out of bounds is 5006.
    pub fn table_set(&mut self, name: &str, i: u64, value: Option<&TableEntry>) -> Result<()> {
        self.table_fill(name, i, 1, value)
    }

    /// Sets `len` entries from `start` to `value`; out of bounds is 5006.
    pub fn table_fill(
        &mut self,
        name: &str,
        start: u64,
        len: u64,
        value: Option<&TableEntry>,
    ) -> Result<()> {
        let t = self.table_export(name)?;
        let value = self.entry(&t, value)?;
        let size = t.size(&self.store);
        if start.checked_add(len).is_none_or(|end| end > size) {
            return Err(Error::Memory(format!(
                "table entries {start}..{} are out of bounds (size {size})",
                start.saturating_add(len)
            )));
        }
        t.fill(&mut self.store, start, value, len)
            .map_err(|e| Error::Type(crate::error::describe(&e)))
    }

    /// The function at `index` (`None` for a null entry); out of bounds is 5006.
    pub fn table_get(&mut self, name: &str, i: u64) -> Result<Option<FuncRef>> {
        let t = self.table_export(name)?;
        let entry = t.get(&mut self.store, i).ok_or_else(|| {
            Error::Memory(format!(
                "table index {i} is out of bounds (size {})",
                t.size(&self.store)
            ))
        })?;
        let func = match entry {
            Ref::Func(Some(f)) => f,
            Ref::Func(None) | Ref::Extern(None) | Ref::Any(None) | Ref::Exn(None) => {
                return Ok(None)
            }
            _ => {
                return Err(Error::Type(format!(
                    "table `{name}` does not hold functions"
                )))
            }
        };
        self.table_func(func).map(Some)
    }

    /// The table entry for `value`: null, a function exported by an
    /// instance of this store, or a host function of the stated type.
    fn entry(&mut self, t: &wasmtime::Table, value: Option<&TableEntry>) -> Result<Ref> {
        let element = t.ty(&self.store).element().clone();
        let Some(value) = value else {
            return Ok(Ref::null(element.heap_type()));
        };
        if !element.heap_type().is_func() {
            return Err(Error::Type("the table does not hold functions".into()));
        }
        let func = match value {
            TableEntry::Export(from) => {
                let instance = self
                    .store
                    .data()
                    .member_instance(from.instance)
                    .ok_or_else(|| {
                        Error::Type(format!(
                            "function `{}` belongs to an instance in another store; give it as a host function",
                            from.name
                        ))
                    })?;
                instance
                    .get_func(&mut self.store, &from.name)
                    .ok_or_else(|| {
                        Error::ExportNotFound(format!("no exported function `{}`", from.name))
                    })?
            }
            TableEntry::Host {
                func,
                params,
                results,
                label,
            } => {
                let ty = wasmtime::FuncType::new(
                    self.store.engine(),
                    params
                        .iter()
                        .map(|p| value_type(p))
                        .collect::<Result<Vec<_>>>()?,
                    results
                        .iter()
                        .map(|r| value_type(r))
                        .collect::<Result<Vec<_>>>()?,
                );
                let exported = self.member().memories.clone();
                // Host functions are async: from now on guest code in this
                // store is entered through a fiber.
                self.set_needs_async();
                imports::wrap(&mut self.store, ty, func.clone(), label.clone(), exported)
            }
        };
        // A typed table (`(ref $t)`) checks the function's type as it stores it.
        Ok(Ref::Func(Some(func)))
    }
}

/// A function to put in a table.
#[derive(Clone)]
pub enum TableEntry {
    /// A function exported by an instance of the table's store.
    Export(ExportRef),
    /// A host function with this signature (a call through the embedder,
    /// e.g. to an instance of another store).
    Host {
        func: Arc<dyn HostFunc>,
        params: Vec<String>,
        results: Vec<String>,
        /// Names it in errors.
        label: String,
    },
}

/// A value type by the name embedders use (`type_name`'s inverse, for the
/// number and abstract reference types).
fn value_type(name: &str) -> Result<ValType> {
    Ok(match name {
        "i32" => ValType::I32,
        "i64" => ValType::I64,
        "f32" => ValType::F32,
        "f64" => ValType::F64,
        "v128" => ValType::V128,
        "funcref" => ValType::FUNCREF,
        "externref" => ValType::EXTERNREF,
        other => {
            return Err(Error::Type(format!(
                "a host function in a table cannot take or give {other}"
            )))
        }
    })
}
