//! Exported tables: size, growth, and function entries handed out as
//! callable handles that stay valid while the instance lives.

use crate::error::{Error, Result};
use crate::func::FuncRef;
use crate::instance::Live;
use wasmtime::{Extern, Ref};

impl Live {
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
        let t = self.table_export(name)?;
        let init = Ref::null(t.ty(&self.store).element().heap_type());
        t.grow(&mut self.store, delta, init)
            .map_err(|e| Error::Memory(format!("table.grow by {delta} refused: {e}")))
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
}
