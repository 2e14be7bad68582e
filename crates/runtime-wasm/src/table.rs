//! Exported tables: size, growth, and function entries handed out as
//! callable handles that stay valid while the instance lives.

use crate::error::{Error, Result};
use crate::func::FuncRef;
use crate::instance::Live;
use wasmtime::{Extern, Ref};

fn index(x: f64, what: &str) -> Result<u64> {
    if x.is_finite() && x.fract() == 0.0 && x >= 0.0 {
        Ok(x as u64)
    } else {
        Err(Error::Type(format!(
            "{what} must be a non-negative integer, got {x}"
        )))
    }
}

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
    pub fn table_grow(&mut self, name: &str, delta: f64) -> Result<u64> {
        let t = self.table_export(name)?;
        let delta = index(delta, "table delta")?;
        let init = Ref::null(t.ty(&self.store).element().heap_type());
        t.grow(&mut self.store, delta, init)
            .map_err(|e| Error::Memory(format!("table.grow by {delta} refused: {e}")))
    }

    /// The function at `index` (`None` for a null entry); out of bounds is 5006.
    pub fn table_get(&mut self, name: &str, index_: f64) -> Result<Option<FuncRef>> {
        let t = self.table_export(name)?;
        let i = index(index_, "table index")?;
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
