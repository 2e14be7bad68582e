//! Exported tables: size, growth, and function entries handed out as
//! callable handles that stay valid while the instance lives; an
//! `externref` table's entries are host values.

use crate::error::{Error, Result};
use crate::func::FuncRef;
use crate::host_call::HostFunc;
use crate::imports::{self, ExportRef};
use crate::instance::Live;
use crate::value::{ExternValue, Value};
use std::sync::Arc;
use wasmtime::ValType;
use wasmtime::{Extern, ExternRef, Ref, RootScope};

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
        let refused =
            |e: wasmtime::Error| Error::Memory(format!("table.grow by {delta} refused: {e}"));
        if let Some(TableEntry::Extern(v)) = init {
            // The reference made is rooted in this scope only: the table
            // holds it from then on.
            let mut scope = RootScope::new(&mut self.store);
            let init = extern_entry(&mut scope, &t, v)?;
            return t.grow(&mut scope, delta, init).map_err(refused);
        }
        let init = self.entry(&t, init)?;
        t.grow(&mut self.store, delta, init).map_err(refused)
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
        let size = t.size(&self.store);
        if start.checked_add(len).is_none_or(|end| end > size) {
            return Err(Error::Memory(format!(
                "table entries {start}..{} are out of bounds (size {size})",
                start.saturating_add(len)
            )));
        }
        let failed = |e: wasmtime::Error| Error::Type(crate::error::describe(&e));
        if let Some(TableEntry::Extern(v)) = value {
            // Rooted in this scope only, as in `table_grow_with`.
            let mut scope = RootScope::new(&mut self.store);
            let value = extern_entry(&mut scope, &t, v)?;
            return t.fill(&mut scope, start, value, len).map_err(failed);
        }
        let value = self.entry(&t, value)?;
        t.fill(&mut self.store, start, value, len).map_err(failed)
    }

    /// Entry `i` of an `externref` table: the host value, or null; out of
    /// bounds is 5006; a table of another type is 5007.
    pub fn table_get_value(&mut self, name: &str, i: u64) -> Result<Value> {
        let t = self.table_export(name)?;
        if !t.ty(&self.store).element().heap_type().is_extern() {
            return Err(Error::Type(format!(
                "table `{name}` does not hold externref values"
            )));
        }
        let mut scope = RootScope::new(&mut self.store);
        let entry = t.get(&mut scope, i).ok_or_else(|| {
            Error::Memory(format!(
                "table index {i} is out of bounds (size {})",
                t.size(&scope)
            ))
        })?;
        match entry {
            Ref::Extern(r) => Value::from_val_in(&scope, &wasmtime::Val::ExternRef(r)),
            _ => Ok(Value::Null),
        }
    }

    /// The function at `index` (`None` for a null entry); out of bounds is 5006.
    pub fn table_get(&mut self, name: &str, i: u64) -> Result<Option<FuncRef>> {
        let t = self.table_export(name)?;
        if t.ty(&self.store).element().heap_type().is_extern() {
            // (`table_get_value`: read outside a scope, a reference would
            // stay rooted.)
            return Err(Error::Type(format!(
                "table `{name}` does not hold functions"
            )));
        }
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
            TableEntry::Extern(_) => {
                return Err(Error::Type(
                    "the table holds functions, not host values".into(),
                ))
            }
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

/// The `externref` entry holding `v`, for table `t` (which must hold
/// `externref`s), made in `store`'s current scope.
fn extern_entry(
    mut store: impl wasmtime::AsContextMut,
    t: &wasmtime::Table,
    v: &ExternValue,
) -> Result<Ref> {
    if !t.ty(&store).element().heap_type().is_extern() {
        return Err(Error::Type(
            "the table does not hold externref values".into(),
        ));
    }
    let made = ExternRef::new(&mut store, v.clone()).map_err(|e| {
        Error::LimitExceeded(format!(
            "no room for another externref: {}",
            crate::error::describe(&e)
        ))
    })?;
    Ok(Ref::Extern(Some(made)))
}

/// A function to put in a table, or a host value for an `externref` one.
#[derive(Clone)]
pub enum TableEntry {
    /// A host value (for an `externref` table).
    Extern(ExternValue),
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
