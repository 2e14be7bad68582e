//! Exported tags: the embedder's name for each (see `exception`), with its
//! parameter types.

use crate::error::{Result, TagRef};
use crate::exception::tag_ref;
use crate::instance::Live;
use crate::value::type_name;

impl Live<'_> {
    /// The embedder's name for tag export `name`, and its parameter types.
    pub fn tag(&mut self, name: &str) -> Result<(TagRef, Vec<String>)> {
        let tag = self.export(name, "tag", wasmtime::Extern::into_tag)?;
        let params = tag
            .ty(&self.store)
            .ty()
            .params()
            .map(|t| type_name(&t))
            .collect();
        Ok((tag_ref(&mut self.store, tag), params))
    }
}
