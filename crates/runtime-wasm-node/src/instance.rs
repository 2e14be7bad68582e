//! The `Instance` class: calls, WASI runs, captured output and memory
//! access, each store-touching method in a sync and a promise form.

use crate::convert::{
    amount, exports_js, js_bytes, to_arg, to_args, Batch, Bytes, ExternJs, FuncRefJs, GlobalJs,
    Results, RunResult,
};
use crate::error::{promise, sync};
use crate::{fast_call, host};
use napi::bindgen_prelude::*;
use runtime_wasm as core;
use std::cell::Cell;
use std::sync::Arc;

#[napi(js_name = "Instance")]
pub struct JsInstance {
    rt: core::Runtime,
    inst: Arc<core::Instance>,
    /// Its slot for `callNumbers` on the JS thread, once asked for.
    slot: Cell<Option<u32>>,
}

impl JsInstance {
    pub fn new(rt: core::Runtime, inst: Arc<core::Instance>) -> Self {
        JsInstance {
            rt,
            inst,
            slot: Cell::new(None),
        }
    }
}

/// An instance collected without `drop()` is freed after its queued work.
impl Drop for JsInstance {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.get() {
            fast_call::unbind(slot);
        }
        self.rt.drop_instance_async(&self.inst, |_| {});
    }
}

/// Memory methods take the memory's export name, or null for the default.
type Mem = Option<String>;

#[napi]
impl JsInstance {
    #[napi(getter)]
    pub fn id(&self) -> String {
        self.inst.id().to_string()
    }

    /// Whether the instance was dropped (its handle is no longer usable).
    #[napi(getter)]
    pub fn is_dropped(&self) -> bool {
        self.inst.is_dropped()
    }

    #[napi(getter)]
    pub fn module_id(&self) -> String {
        self.inst.module_id().to_string()
    }

    /// This instance's slot for `callNumbers` on the calling JS thread.
    #[napi]
    pub fn slot(&self) -> u32 {
        let slot = self
            .slot
            .get()
            .unwrap_or_else(|| fast_call::bind(&self.inst));
        self.slot.set(Some(slot));
        slot
    }

    #[napi]
    pub fn export_func_sync(&self, env: Env, name: String) -> Result<FuncRefJs> {
        sync(
            &env,
            self.inst.run_sync(|l| l.export_func(&name)).map(Into::into),
        )
    }

    #[napi]
    pub fn get_exports(&self) -> Vec<ExternJs> {
        exports_js(self.inst.exports())
    }

    #[napi(
        ts_args_type = "name: string, args: unknown[]",
        ts_return_type = "unknown"
    )]
    pub fn call_sync(&self, env: Env, name: String, args: Vec<Unknown>) -> Result<Results> {
        let args = to_args(&args)?;
        let r = host::on_js_thread(&env, || self.inst.run_sync(|l| l.call(&name, &args)));
        sync(&env, r.map(Results))
    }

    #[napi(
        ts_args_type = "name: string, args: unknown[]",
        ts_return_type = "Promise<unknown>"
    )]
    pub fn call<'e>(&self, env: &'e Env, name: String, args: Vec<Unknown>) -> Result<Object<'e>> {
        let args = to_args(&args)?;
        let (settle, p) = promise(env)?;
        self.inst.spawn(
            move |l| Box::pin(async move { l.call_async(&name, &args).await.map(Results) }),
            settle,
        );
        Ok(p)
    }

    #[napi(
        ts_args_type = "name: string, batches: unknown[][]",
        ts_return_type = "unknown[]"
    )]
    pub fn call_many_sync(
        &self,
        env: Env,
        name: String,
        batches: Vec<Vec<Unknown>>,
    ) -> Result<Batch> {
        let batches = batches
            .iter()
            .map(|b| to_args(b))
            .collect::<Result<Vec<_>>>()?;
        let r = host::on_js_thread(&env, || {
            self.inst.run_sync(|l| l.call_many(&name, &batches))
        });
        sync(&env, r.map(Batch))
    }

    #[napi(
        ts_args_type = "name: string, batches: unknown[][]",
        ts_return_type = "Promise<unknown[]>"
    )]
    pub fn call_many<'e>(
        &self,
        env: &'e Env,
        name: String,
        batches: Vec<Vec<Unknown>>,
    ) -> Result<Object<'e>> {
        let batches = batches
            .iter()
            .map(|b| to_args(b))
            .collect::<Result<Vec<_>>>()?;
        let (settle, p) = promise(env)?;
        self.inst.spawn(
            move |l| Box::pin(async move { l.call_many_async(&name, &batches).await.map(Batch) }),
            settle,
        );
        Ok(p)
    }

    #[napi]
    pub fn read_into_sync(
        &self,
        env: Env,
        mem: Mem,
        offset: f64,
        mut target: Uint8Array,
    ) -> Result<f64> {
        // SAFETY: the view is borrowed from JS for this synchronous call only:
        // `target` holds a reference, so its buffer stays alive, and no JS
        // runs on this thread until we return (`read_into` only copies out of
        // wasm memory), so nothing here can detach or resize it. Its bytes
        // are V8's and never alias the wasm memory copied from. As with any
        // view, another worker could write a SharedArrayBuffer behind it
        // meanwhile; that race is the caller's, as with `TypedArray.set`.
        let out = unsafe { target.as_mut() };
        let r = self
            .inst
            .run_sync(|l| l.memory(mem.as_deref())?.read_into(offset, out));
        sync(&env, r.map(|n| n as f64))
    }

    #[napi(ts_return_type = "{ exitCode: number, stdout?: Uint8Array, stderr?: Uint8Array }")]
    pub fn run_sync(&self, env: Env) -> Result<RunResult> {
        let r = host::on_js_thread(&env, || self.inst.run_sync(|l| l.run()));
        sync(&env, r.map(RunResult))
    }

    #[napi(
        ts_return_type = "Promise<{ exitCode: number, stdout?: Uint8Array, stderr?: Uint8Array }>"
    )]
    pub fn run<'e>(&self, env: &'e Env) -> Result<Object<'e>> {
        let (settle, p) = promise(env)?;
        self.inst.spawn(
            |l| Box::pin(async move { l.run_async().await.map(RunResult) }),
            settle,
        );
        Ok(p)
    }

    #[napi(ts_return_type = "Uint8Array")]
    pub fn take_stdout(&self, env: Env) -> Result<Bytes> {
        sync(&env, self.inst.run_sync(|l| Ok(Bytes(l.take_stdout()))))
    }

    #[napi(ts_return_type = "Uint8Array")]
    pub fn take_stderr(&self, env: Env) -> Result<Bytes> {
        sync(&env, self.inst.run_sync(|l| Ok(Bytes(l.take_stderr()))))
    }

    #[napi(ts_return_type = "{ type: string, mutable: boolean, value: unknown }")]
    pub fn global_sync(&self, env: Env, name: String) -> Result<GlobalJs> {
        sync(&env, self.inst.run_sync(|l| l.global(&name)).map(GlobalJs))
    }

    #[napi(ts_return_type = "Promise<{ type: string, mutable: boolean, value: unknown }>")]
    pub fn global<'e>(&self, env: &'e Env, name: String) -> Result<Object<'e>> {
        let (settle, p) = promise(env)?;
        self.inst
            .run_async(move |l| l.global(&name).map(GlobalJs), settle);
        Ok(p)
    }

    #[napi(ts_args_type = "name: string, value: unknown")]
    pub fn set_global_sync(&self, env: Env, name: String, value: Unknown) -> Result<()> {
        let value = to_arg(&value)?;
        sync(&env, self.inst.run_sync(|l| l.set_global(&name, &value)))
    }

    #[napi(
        ts_args_type = "name: string, value: unknown",
        ts_return_type = "Promise<void>"
    )]
    pub fn set_global<'e>(&self, env: &'e Env, name: String, value: Unknown) -> Result<Object<'e>> {
        let value = to_arg(&value)?;
        let (settle, p) = promise(env)?;
        self.inst
            .run_async(move |l| l.set_global(&name, &value), settle);
        Ok(p)
    }

    #[napi]
    pub fn table_size_sync(&self, env: Env, name: String) -> Result<f64> {
        sync(
            &env,
            self.inst
                .run_sync(|l| l.table_size(&name))
                .map(|n| n as f64),
        )
    }

    #[napi(ts_return_type = "Promise<number>")]
    pub fn table_size<'e>(&self, env: &'e Env, name: String) -> Result<Object<'e>> {
        let (settle, p) = promise(env)?;
        self.inst
            .run_async(move |l| l.table_size(&name).map(|n| n as f64), settle);
        Ok(p)
    }

    #[napi]
    pub fn table_grow_sync(&self, env: Env, name: String, delta: f64) -> Result<f64> {
        sync(
            &env,
            self.inst
                .run_sync(|l| l.table_grow(&name, delta))
                .map(|n| n as f64),
        )
    }

    #[napi(ts_return_type = "Promise<number>")]
    pub fn table_grow<'e>(&self, env: &'e Env, name: String, delta: f64) -> Result<Object<'e>> {
        let (settle, p) = promise(env)?;
        self.inst.run_async(
            move |l| l.table_grow(&name, delta).map(|n| n as f64),
            settle,
        );
        Ok(p)
    }

    #[napi]
    pub fn table_get_sync(&self, env: Env, name: String, index: f64) -> Result<Option<FuncRefJs>> {
        sync(
            &env,
            self.inst
                .run_sync(|l| l.table_get(&name, index))
                .map(|f| f.map(Into::into)),
        )
    }

    #[napi(ts_return_type = "Promise<FuncRefJs | null>")]
    pub fn table_get<'e>(&self, env: &'e Env, name: String, index: f64) -> Result<Object<'e>> {
        let (settle, p) = promise(env)?;
        self.inst.run_async(
            move |l| l.table_get(&name, index).map(|f| f.map(FuncRefJs::from)),
            settle,
        );
        Ok(p)
    }

    #[napi(
        ts_args_type = "id: number, args: unknown[]",
        ts_return_type = "unknown"
    )]
    pub fn call_ref_sync(&self, env: Env, id: u32, args: Vec<Unknown>) -> Result<Results> {
        let args = to_args(&args)?;
        let r = host::on_js_thread(&env, || self.inst.run_sync(|l| l.call_ref(id, &args)));
        sync(&env, r.map(Results))
    }

    #[napi(
        ts_args_type = "id: number, args: unknown[]",
        ts_return_type = "Promise<unknown>"
    )]
    pub fn call_ref<'e>(&self, env: &'e Env, id: u32, args: Vec<Unknown>) -> Result<Object<'e>> {
        let args = to_args(&args)?;
        let (settle, p) = promise(env)?;
        self.inst.spawn(
            move |l| Box::pin(async move { l.call_ref_async(id, &args).await.map(Results) }),
            settle,
        );
        Ok(p)
    }

    #[napi(ts_return_type = "bigint")]
    pub fn fuel_sync(&self, env: Env) -> Result<BigInt> {
        sync(&env, self.inst.run_sync(|l| l.fuel()).map(BigInt::from))
    }

    #[napi(ts_return_type = "Promise<bigint>")]
    pub fn fuel<'e>(&self, env: &'e Env) -> Result<Object<'e>> {
        let (settle, p) = promise(env)?;
        self.inst.run_async(|l| l.fuel().map(BigInt::from), settle);
        Ok(p)
    }

    #[napi(ts_args_type = "fuel: number | bigint")]
    pub fn set_fuel_sync(&self, env: Env, fuel: Either<f64, BigInt>) -> Result<()> {
        let r = amount(fuel, "fuel").and_then(|f| self.inst.run_sync(|l| l.set_fuel(f)));
        sync(&env, r)
    }

    #[napi(
        ts_args_type = "fuel: number | bigint",
        ts_return_type = "Promise<void>"
    )]
    pub fn set_fuel<'e>(&self, env: &'e Env, fuel: Either<f64, BigInt>) -> Result<Object<'e>> {
        let (settle, p) = promise(env)?;
        match amount(fuel, "fuel") {
            Ok(f) => self.inst.run_async(move |l| l.set_fuel(f), settle),
            Err(e) => settle(Err(e)),
        }
        Ok(p)
    }

    #[napi]
    pub fn drop_sync(&self, env: Env) -> Result<()> {
        sync(&env, self.rt.drop_instance(&self.inst))
    }

    #[napi(ts_return_type = "Promise<void>")]
    pub fn drop<'e>(&self, env: &'e Env) -> Result<Object<'e>> {
        let (settle, p) = promise(env)?;
        self.rt.drop_instance_async(&self.inst, settle);
        Ok(p)
    }

    #[napi(ts_return_type = "Uint8Array")]
    pub fn read_sync(&self, env: &Env, mem: Mem, offset: f64, length: f64) -> Result<Unknown<'_>> {
        let r = self.inst.run_sync(|l| {
            let view = l.memory(mem.as_deref())?;
            view.read_with(offset, length, |bytes| js_bytes(env.raw(), bytes))
        });
        // SAFETY: `js_bytes` made the value in this env, on this call.
        sync(env, r)?.map(|v| unsafe { Unknown::from_raw_unchecked(env.raw(), v) })
    }

    #[napi(ts_return_type = "Promise<Uint8Array>")]
    pub fn read<'e>(&self, env: &'e Env, mem: Mem, offset: f64, length: f64) -> Result<Object<'e>> {
        let (settle, p) = promise(env)?;
        let work =
            move |l: &mut core::Live| l.memory(mem.as_deref())?.read(offset, length).map(Bytes);
        self.inst.run_async(work, settle);
        Ok(p)
    }

    #[napi]
    pub fn write_sync(&self, env: Env, mem: Mem, offset: f64, bytes: Uint8Array) -> Result<()> {
        sync(
            &env,
            self.inst
                .run_sync(|l| l.memory(mem.as_deref())?.write(offset, &bytes)),
        )
    }

    #[napi(ts_return_type = "Promise<void>")]
    pub fn write<'e>(
        &self,
        env: &'e Env,
        mem: Mem,
        offset: f64,
        bytes: Uint8Array,
    ) -> Result<Object<'e>> {
        let (settle, p) = promise(env)?;
        let bytes = bytes.to_vec();
        self.inst.run_async(
            move |l| l.memory(mem.as_deref())?.write(offset, &bytes),
            settle,
        );
        Ok(p)
    }

    #[napi]
    pub fn read_string_sync(&self, env: Env, mem: Mem, offset: f64, length: f64) -> Result<String> {
        sync(
            &env,
            self.inst
                .run_sync(|l| l.memory(mem.as_deref())?.read_string(offset, length)),
        )
    }

    #[napi(ts_return_type = "Promise<string>")]
    pub fn read_string<'e>(
        &self,
        env: &'e Env,
        mem: Mem,
        offset: f64,
        length: f64,
    ) -> Result<Object<'e>> {
        let (settle, p) = promise(env)?;
        let work = move |l: &mut core::Live| l.memory(mem.as_deref())?.read_string(offset, length);
        self.inst.run_async(work, settle);
        Ok(p)
    }

    #[napi]
    pub fn write_string_sync(&self, env: Env, mem: Mem, offset: f64, text: String) -> Result<u32> {
        let r = self
            .inst
            .run_sync(|l| l.memory(mem.as_deref())?.write_string(offset, &text));
        sync(&env, r.map(|n| n as u32))
    }

    #[napi(ts_return_type = "Promise<number>")]
    pub fn write_string<'e>(
        &self,
        env: &'e Env,
        mem: Mem,
        offset: f64,
        text: String,
    ) -> Result<Object<'e>> {
        let (settle, p) = promise(env)?;
        let work = move |l: &mut core::Live| {
            l.memory(mem.as_deref())?
                .write_string(offset, &text)
                .map(|n| n as u32)
        };
        self.inst.run_async(work, settle);
        Ok(p)
    }

    #[napi]
    pub fn size_sync(&self, env: Env, mem: Mem) -> Result<f64> {
        sync(
            &env,
            self.inst
                .run_sync(|l| Ok(l.memory(mem.as_deref())?.size() as f64)),
        )
    }

    #[napi(ts_return_type = "Promise<number>")]
    pub fn size<'e>(&self, env: &'e Env, mem: Mem) -> Result<Object<'e>> {
        let (settle, p) = promise(env)?;
        self.inst
            .run_async(move |l| Ok(l.memory(mem.as_deref())?.size() as f64), settle);
        Ok(p)
    }

    #[napi]
    pub fn grow_sync(&self, env: Env, mem: Mem, delta: f64) -> Result<f64> {
        sync(
            &env,
            self.inst
                .run_sync(|l| Ok(l.memory(mem.as_deref())?.grow(delta)? as f64)),
        )
    }

    #[napi(ts_return_type = "Promise<number>")]
    pub fn grow<'e>(&self, env: &'e Env, mem: Mem, delta: f64) -> Result<Object<'e>> {
        let (settle, p) = promise(env)?;
        self.inst.run_async(
            move |l| Ok(l.memory(mem.as_deref())?.grow(delta)? as f64),
            settle,
        );
        Ok(p)
    }
}
