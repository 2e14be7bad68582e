//! The `Runtime` class: module functions and instantiation, each in a sync
//! form and a promise form that runs on runtime-wasm's worker threads.

use crate::convert::{Bytes, ModuleInfoJs};
use crate::error::{promise, sync};
use crate::host;
use crate::instance::JsInstance;
use crate::js_thread::{JsRef, JsThread};
use crate::options;
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

    #[napi]
    pub fn compile_sync(&self, env: Env, source: Either<Uint8Array, String>) -> Result<String> {
        sync(
            &env,
            self.rt
                .compile(&source_bytes(source))
                .map(|id| id.to_string()),
        )
    }

    #[napi(ts_return_type = "Promise<string>")]
    pub fn compile<'e>(
        &self,
        env: &'e Env,
        source: Either<Uint8Array, String>,
    ) -> Result<Object<'e>> {
        let (settle, p) = promise(env)?;
        let bytes = source_bytes(source);
        self.rt.spawn(
            move |rt| rt.compile(&bytes).map(|id| id.to_string()),
            settle,
        );
        Ok(p)
    }

    #[napi]
    pub fn compile_file_sync(&self, env: Env, path: String) -> Result<String> {
        sync(&env, self.rt.compile_file(path).map(|id| id.to_string()))
    }

    #[napi(ts_return_type = "Promise<string>")]
    pub fn compile_file<'e>(&self, env: &'e Env, path: String) -> Result<Object<'e>> {
        let (settle, p) = promise(env)?;
        self.rt.spawn(
            move |rt| rt.compile_file(path).map(|id| id.to_string()),
            settle,
        );
        Ok(p)
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
    pub fn module_info(&self, env: Env, id: String) -> Result<ModuleInfoJs> {
        sync(
            &env,
            id.parse()
                .and_then(|id| self.rt.module_info(id))
                .map(Into::into),
        )
    }

    #[napi]
    pub fn drop_module(&self, env: Env, id: String) -> Result<()> {
        sync(&env, id.parse().and_then(|id| self.rt.drop_module(id)))
    }

    #[napi]
    pub fn instantiate_sync(
        &self,
        env: Env,
        id: String,
        config: Option<Unknown>,
    ) -> Result<JsInstance> {
        let config = self.config(&env, config)?;
        let inst = host::on_js_thread(&env, || self.rt.instantiate(id.parse()?, &config));
        Ok(JsInstance::new(self.rt.clone(), sync(&env, inst)?))
    }

    #[napi(ts_return_type = "Promise<Instance>")]
    pub fn instantiate<'e>(
        &self,
        env: &'e Env,
        id: String,
        config: Option<Unknown>,
    ) -> Result<Object<'e>> {
        let config = self.config(env, config)?;
        let (settle, p) = promise(env)?;
        let work = move |rt: &core::Runtime| {
            let inst = rt.instantiate(id.parse()?, &config)?;
            Ok(JsInstance::new(rt.clone(), inst))
        };
        self.rt.spawn(work, settle);
        Ok(p)
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
