//! The `Runtime` class: module functions and instantiation, each one
//! definition that runs now (the sync form) or on runtime-wasm's worker
//! threads, answering with a Promise.

use crate::convert::{Bytes, ComponentInfoJs, ModuleInfoJs};
use crate::error::sync;
use crate::instance::JsInstance;
use crate::js_thread::{on_js_thread, JsRef, JsThread};
use crate::options;
use crate::promise::either;
use napi::bindgen_prelude::*;
use runtime_wasm as core;
use std::sync::Arc;

#[napi(js_name = "Runtime")]
pub struct JsRuntime {
    rt: core::Runtime,
    js: JsThread,
    /// The JS function that runs host functions (`lib/host.js`).
    dispatch: Arc<JsRef>,
}

/// Gives up on the compiles it is passed to (`lib/index.js` sets it when
/// the caller's `AbortSignal` fires): their results are dropped, nothing
/// is cached.
#[napi]
pub struct CompileAbort(core::Abort);

#[napi]
impl CompileAbort {
    #[napi(constructor)]
    pub fn new() -> CompileAbort {
        CompileAbort(core::Abort::new())
    }

    #[napi]
    pub fn abort(&self) {
        self.0.abort();
    }
}

fn source_bytes(source: Either<Uint8Array, String>) -> Vec<u8> {
    match source {
        Either::A(bytes) => bytes.to_vec(),
        Either::B(text) => text.into_bytes(),
    }
}

impl JsRuntime {
    /// The instance config read from `config` (none given: the defaults).
    fn config(&self, env: &Env, config: Option<Unknown>) -> Result<core::InstanceConfig> {
        match config {
            None => Ok(core::InstanceConfig::default()),
            Some(c) => options::instance_config(env, c, &self.dispatch, &self.js)
                .map_err(|f| f.into_js(env)),
        }
    }
}

#[napi]
impl JsRuntime {
    #[napi(constructor)]
    pub fn new(env: Env, options: Option<Unknown>, dispatch: Unknown) -> Result<Self> {
        let options = match options {
            None => core::RuntimeOptions::default(),
            Some(o) => options::runtime_options(&env, o).map_err(|f| f.into_js(&env))?,
        };
        let rt = sync(&env, core::Runtime::new(options))?;
        // The thread's one handle, which its promises settle through too.
        let js = JsThread::current(&env)?;
        let dispatch = Arc::new(JsRef::new(&dispatch, &js)?);
        Ok(JsRuntime { rt, js, dispatch })
    }

    /// `abort` (async form only) gives up on the compile: see `CompileAbort`.
    #[napi(
        ts_args_type = "source: Uint8Array | string, now: boolean, abort?: CompileAbort",
        ts_return_type = "string | Promise<string>"
    )]
    pub fn compile<'e>(
        &self,
        env: &'e Env,
        source: Either<Uint8Array, String>,
        now: bool,
        abort: Option<&CompileAbort>,
    ) -> Result<Unknown<'e>> {
        let bytes = source_bytes(source);
        // Without one, an abort nobody sets.
        let abort = abort.map(|a| a.0.clone()).unwrap_or_default();
        self.either(env, now, move |rt| {
            rt.compile_abortable(&bytes, &abort)
                .map(|id| id.to_string())
        })
    }

    #[napi(
        ts_args_type = "path: string, now: boolean, abort?: CompileAbort",
        ts_return_type = "string | Promise<string>"
    )]
    pub fn compile_file<'e>(
        &self,
        env: &'e Env,
        path: String,
        now: bool,
        abort: Option<&CompileAbort>,
    ) -> Result<Unknown<'e>> {
        let abort = abort.map(|a| a.0.clone()).unwrap_or_default();
        self.either(env, now, move |rt| {
            rt.compile_file_abortable(&path, &abort)
                .map(|id| id.to_string())
        })
    }

    #[napi(
        ts_args_type = "source: Uint8Array | string, now: boolean",
        ts_return_type = "Uint8Array | Promise<Uint8Array>"
    )]
    pub fn precompile<'e>(
        &self,
        env: &'e Env,
        source: Either<Uint8Array, String>,
        now: bool,
    ) -> Result<Unknown<'e>> {
        let bytes = source_bytes(source);
        self.either(env, now, move |rt| rt.precompile(&bytes).map(Bytes))
    }

    #[napi(
        ts_args_type = "path: string, now: boolean",
        ts_return_type = "Uint8Array | Promise<Uint8Array>"
    )]
    pub fn precompile_file<'e>(
        &self,
        env: &'e Env,
        path: String,
        now: bool,
    ) -> Result<Unknown<'e>> {
        self.either(env, now, move |rt| rt.precompile_file(path).map(Bytes))
    }

    /// `"baseline"` or `"optimized"`: the code new instances get now.
    #[napi]
    pub fn tier(&self, env: Env, id: String) -> Result<&'static str> {
        sync(
            &env,
            id.parse().and_then(|id| self.rt.tier(id)).map(|t| t.name()),
        )
    }

    #[napi(
        ts_args_type = "id: string, now: boolean",
        ts_return_type = "void | Promise<void>"
    )]
    pub fn tier_up<'e>(&self, env: &'e Env, id: String, now: bool) -> Result<Unknown<'e>> {
        self.either(env, now, move |rt| id.parse().and_then(|id| rt.tier_up(id)))
    }

    #[napi(js_name = "wat2wasm", ts_return_type = "Uint8Array")]
    pub fn wat2wasm(&self, env: Env, source: Either<Uint8Array, String>) -> Result<Bytes> {
        sync(&env, core::wat2wasm(&source_bytes(source)).map(Bytes))
    }

    #[napi]
    pub fn validate(&self, source: Either<Uint8Array, String>) -> bool {
        self.rt.validate(&source_bytes(source))
    }

    #[napi]
    pub fn module_info(
        &self,
        env: Env,
        id: String,
    ) -> Result<Either<ModuleInfoJs, ComponentInfoJs>> {
        let info = id.parse().and_then(|id| match self.rt.is_component(id) {
            true => self.rt.component_info(id).map(|i| Either::B(i.into())),
            false => self.rt.module_info(id).map(|i| Either::A(i.into())),
        });
        sync(&env, info)
    }

    /// The payloads of the module's custom sections named `name`, in order.
    #[napi(ts_return_type = "Uint8Array[]")]
    pub fn custom_sections(&self, env: Env, id: String, name: String) -> Result<Vec<Bytes>> {
        let sections = id.parse().and_then(|id| self.rt.custom_sections(id, &name));
        Ok(sync(&env, sections)?.into_iter().map(Bytes).collect())
    }

    #[napi]
    pub fn drop_module(&self, env: Env, id: String) -> Result<()> {
        sync(&env, id.parse().and_then(|id| self.rt.drop_module(id)))
    }

    /// Forgets the handle; its instances live on (see the core's `forget_module`).
    #[napi]
    pub fn forget_module(&self, env: Env, id: String) -> Result<()> {
        sync(&env, id.parse().and_then(|id| self.rt.forget_module(id)))
    }

    #[napi(
        ts_args_type = "id: string, config: object | undefined, now: boolean",
        ts_return_type = "Instance | Promise<Instance>"
    )]
    pub fn instantiate<'e>(
        &self,
        env: &'e Env,
        id: String,
        config: Option<Unknown>,
        now: bool,
    ) -> Result<Unknown<'e>> {
        let config = self.config(env, config)?;
        let dispatch = self.dispatch.clone();
        self.either(env, now, move |rt| {
            let inst = rt.instantiate(id.parse()?, &config)?;
            Ok(JsInstance::new(rt.clone(), inst, dispatch))
        })
    }

    /// Frees every module and instance of this runtime.
    #[napi]
    pub fn close(&self) {
        self.rt.close()
    }

    /// How many instances are live (dropped and collected ones are not).
    #[napi(getter)]
    pub fn instance_count(&self) -> u32 {
        self.rt.instance_count() as u32
    }
}

impl JsRuntime {
    /// The one definition behind an operation's two forms: `now`, it runs
    /// on this thread (a start function's host calls run here too) before
    /// returning its value; otherwise on a worker, settling the Promise.
    fn either<'e, R: ToNapiValue + Send + 'static>(
        &self,
        env: &'e Env,
        now: bool,
        work: impl FnOnce(&core::Runtime) -> core::Result<R> + Send + 'static,
    ) -> Result<Unknown<'e>> {
        either(
            env,
            now,
            work,
            |work| on_js_thread(env, || work(&self.rt)),
            |work, settle| self.rt.spawn(work, settle),
        )
    }
}
