//! Tags as JS names them (`{ host, id }`: one of the embedder's own, or a
//! guest's), tag imports, and the exceptions that leave or enter a guest.

use napi::bindgen_prelude::*;
use runtime_wasm as core;

/// A tag's name: `host` for one made in JS (its `id` chosen there), else a
/// guest's (numbered by the core).
#[napi(object)]
pub struct TagRefJs {
    pub host: bool,
    pub id: f64,
}

impl From<core::TagRef> for TagRefJs {
    fn from(t: core::TagRef) -> TagRefJs {
        match t {
            core::TagRef::Host(id) => TagRefJs {
                host: true,
                id: id as f64,
            },
            core::TagRef::Guest(id) => TagRefJs {
                host: false,
                id: id as f64,
            },
        }
    }
}

impl TagRefJs {
    pub fn to_core(&self) -> core::Result<core::TagRef> {
        let id = core::count(self.id, "tag id")?;
        Ok(match self.host {
            true => core::TagRef::Host(id),
            false => core::TagRef::Guest(id),
        })
    }
}

/// A tag export: its name and parameter types.
#[napi(object)]
pub struct TagJs {
    pub tag: TagRefJs,
    pub params: Vec<String>,
}

/// An import standing for a tag made in JS (`id`, its parameter types):
/// each store importing it gets a tag of its own for it.
// Reached only through the module registration #[napi] emits, which the
// test build of this crate does not link.
#[cfg_attr(test, allow(dead_code))]
#[napi(ts_return_type = "object")]
pub fn tag_import(id: f64, params: Vec<String>) -> Result<External<core::Import>> {
    let id = core::count(id, "tag id").map_err(|e| Error::from_reason(e.to_string()))?;
    Ok(External::new(core::Import::Tag { id, params }))
}

/// An uncaught exception as `{ tag, params, payload }`.
pub struct ExceptionJs<'a>(pub &'a core::Exception);

impl ToNapiValue for ExceptionJs<'_> {
    unsafe fn to_napi_value(env: napi::sys::napi_env, val: Self) -> Result<napi::sys::napi_value> {
        let env = Env::from_raw(env);
        let mut obj = Object::new(&env)?;
        obj.set_named_property("tag", TagRefJs::from(val.0.tag))?;
        obj.set_named_property("params", val.0.params.clone())?;
        obj.set_named_property("payload", crate::convert::Results(val.0.payload.clone()))?;
        Ok(obj.raw())
    }
}

/// An import standing for `WebAssembly.JSTag`: the tag a thrown JS value
/// travels under through wasm frames.
#[cfg_attr(test, allow(dead_code))]
#[napi(ts_return_type = "object")]
pub fn value_tag_import() -> External<core::Import> {
    External::new(core::Import::ValueTag)
}
