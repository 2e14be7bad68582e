//! Exported globals: read with their type, written when mutable, values
//! converted by the global's type (an `externref` one holds a host value).

use crate::error::{Error, Result};
use crate::instance::Live;
use crate::value::{type_name, Arg, Value};
use wasmtime::{Extern, Mutability, RootScope};

/// A global's type and current value.
#[derive(Debug, Clone, PartialEq)]
pub struct GlobalValue {
    pub ty: String,
    pub mutable: bool,
    pub value: Value,
}

impl Live<'_> {
    fn global_export(&mut self, name: &str) -> Result<wasmtime::Global> {
        self.export(name, "global", Extern::into_global)
    }

    pub fn global(&mut self, name: &str) -> Result<GlobalValue> {
        let g = self.global_export(name)?;
        let ty = g.ty(&self.store);
        // An `externref` read is rooted in this scope only.
        let mut scope = RootScope::new(&mut self.store);
        let val = g.get(&mut scope);
        Ok(GlobalValue {
            ty: type_name(ty.content()),
            mutable: ty.mutability() == Mutability::Var,
            value: Value::from_val_in(&scope, &val)?,
        })
    }

    /// Sets a mutable global; an immutable one is 5007.
    pub fn set_global(&mut self, name: &str, value: &Arg) -> Result<()> {
        let g = self.global_export(name)?;
        let ty = g.ty(&self.store);
        if ty.mutability() != Mutability::Var {
            return Err(Error::Type(format!("global `{name}` is immutable")));
        }
        // An `externref` made is rooted in this scope only: the global
        // holds it from then on.
        let mut scope = RootScope::new(&mut self.store);
        let val = value.to_val_in(&mut scope, ty.content(), &format!("global `{name}`"))?;
        g.set(&mut scope, val)
            .map_err(|e| Error::Type(crate::error::describe(&e)))
    }
}
