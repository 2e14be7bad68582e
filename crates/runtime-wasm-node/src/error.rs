//! Core errors as JS `Error` objects carrying `code`, `codeName`, `trap`,
//! `wasmBacktrace`, `exitCode`.

use crate::read::Fail;
use napi::bindgen_prelude::*;
use runtime_wasm as core;

#[napi(object)]
pub struct FrameJs {
    pub module: Option<String>,
    pub func_index: u32,
    pub func_name: Option<String>,
    pub module_offset: Option<u32>,
}

fn build(env: &Env, e: &core::Error) -> Result<Error> {
    // A host function's own exception passes through unchanged (and so does
    // a value a guest threw with `WebAssembly.JSTag`): boxed in an Error
    // that lib/errors.js unboxes, as napi throws only Errors as they are.
    if let core::Error::Host(core::HostError(payload)) = e {
        let held = core::ExternValue {
            value: payload.clone(),
            kind: "value",
        };
        let raw = crate::held::value(env.raw(), &held)?;
        // SAFETY: `raw` is a live value of `env`, made just now.
        let value = unsafe { Unknown::from_raw_unchecked(env.raw(), raw) };
        let mut boxed =
            env.create_error(Error::new(Status::GenericFailure, "a host function threw"))?;
        boxed.set_named_property("runtimeWasmThrown", value)?;
        return Ok(Error::from(boxed.to_unknown()));
    }
    let mut obj = env.create_error(Error::new(Status::GenericFailure, e.to_string()))?;
    obj.set_named_property("code", e.code().number())?;
    obj.set_named_property("codeName", e.code().name())?;
    if let Some(trap) = e.trap() {
        obj.set_named_property("trap", trap.kind.as_str())?;
        let frames: Vec<FrameJs> = trap.backtrace.iter().map(frame).collect();
        obj.set_named_property("wasmBacktrace", frames)?;
    }
    if let core::Error::Exception(exn) = e {
        obj.set_named_property("exception", crate::tag::ExceptionJs(exn))?;
    }
    if let Some(code) = e.exit_code() {
        obj.set_named_property("exitCode", code)?;
    }
    if let core::Error::Compile {
        offset: Some(o), ..
    } = e
    {
        obj.set_named_property("offset", *o as f64)?;
    }
    Ok(Error::from(obj.to_unknown()))
}

fn frame(f: &core::Frame) -> FrameJs {
    FrameJs {
        module: f.module.clone(),
        func_index: f.func_index,
        func_name: f.func_name.clone(),
        module_offset: f.module_offset.map(|o| o as u32),
    }
}

/// Converts a core error into the JS exception thrown or rejected with.
pub fn js_error(env: &Env, e: &core::Error) -> Error {
    build(env, e).unwrap_or_else(|fallback| fallback)
}

/// Maps a core result for a synchronous return.
pub fn sync<T>(env: &Env, r: core::Result<T>) -> Result<T> {
    r.map_err(|e| js_error(env, &e))
}

/// The numeric error codes by name (`{ CompileError: 5000, … }`), in numeric
/// order: the one table `ErrorCode` in lib/errors.js is built from.
// Reached only through the module registration #[napi] emits, which the
// test build of this crate does not link.
#[cfg_attr(test, allow(dead_code))]
#[napi]
pub fn error_codes(env: &Env) -> Result<Object<'_>> {
    let mut table = Object::new(env)?;
    for code in core::ErrorCode::ALL {
        table.set_named_property(code.name(), code.number())?;
    }
    Ok(table)
}

impl Fail {
    /// The JS exception to throw for a failed read.
    pub fn into_js(self, env: &Env) -> Error {
        match self {
            Fail::Js(e) => e,
            Fail::Core(e) => js_error(env, &e),
        }
    }
}
