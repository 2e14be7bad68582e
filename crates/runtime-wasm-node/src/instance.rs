//! The `Instance` class: calls, WASI runs, captured output and memory
//! access; each store-touching method is one definition that runs now
//! (`now: true`, the sync form) or answers with a Promise.

use crate::buffer::Buffers;
use crate::convert::{
    amount, exports_js, functions_js, js_bytes, to_arg, to_args, to_value_arg, AnswerJs, Batch,
    Bytes, ComponentFunctionJs, ExternJs, FuncRefJs, GlobalJs, Results, RunResult,
};
use crate::error::sync;
use crate::js_thread::{on_js_thread, JsRef, JsThread};
use crate::promise::either;
use crate::resource::ResourceHandle;
use crate::{fast_call, host};
use napi::bindgen_prelude::*;
use runtime_wasm as core;
use std::cell::{Cell, OnceCell};
use std::sync::Arc;

#[napi(js_name = "Instance")]
pub struct JsInstance {
    rt: core::Runtime,
    inst: Arc<core::Instance>,
    /// Its slot for `callNumbers` on the JS thread, once asked for.
    slot: Cell<Option<u32>>,
    /// Its memories' `buffer`s, once one is asked for.
    buffers: OnceCell<Arc<Buffers>>,
    /// The JS dispatcher of host functions (for host functions put in tables).
    dispatch: Arc<JsRef>,
}

impl JsInstance {
    pub fn new(rt: core::Runtime, inst: Arc<core::Instance>, dispatch: Arc<JsRef>) -> Self {
        JsInstance {
            rt,
            inst,
            slot: Cell::new(None),
            buffers: OnceCell::new(),
            dispatch,
        }
    }

    /// A table entry from JS: null, an export link (`exportLink`) to a
    /// function of this store, `{ host, params, results }`: a JS function
    /// called with that signature, or `types.externref(x)`: a value for an
    /// `externref` table.
    fn entry(&self, env: &Env, value: Option<Unknown>) -> Result<Option<core::TableEntry>> {
        let Some(value) = value else { return Ok(None) };
        match value.get_type()? {
            ValueType::Null | ValueType::Undefined => Ok(None),
            ValueType::Object if crate::convert::is_typed(&value)? => {
                match crate::convert::to_arg(&value)? {
                    core::Arg::Typed(t, inner) if t == "externref" => match *inner {
                        core::Arg::Extern(v) => Ok(Some(core::TableEntry::Extern(v))),
                        _ => Ok(None),
                    },
                    _ => Err(Error::new(
                        Status::InvalidArg,
                        "a table entry must be null, an export link, a host function or types.externref(x)",
                    )),
                }
            }
            ValueType::External => {
                // SAFETY: a live value of `env`; napi-rs checks the external
                // is one it made holding an `ExportRef`.
                let link =
                    unsafe { External::<core::ExportRef>::from_napi_ref(env.raw(), value.raw()) }?;
                Ok(Some(core::TableEntry::Export((**link).clone())))
            }
            ValueType::Object => {
                // SAFETY: `get_type` just reported an object.
                let obj = unsafe { value.cast::<Object>() }?;
                let func: Unknown = obj.get_named_property("host")?;
                let params: Vec<String> = obj.get_named_property("params")?;
                let results: Vec<String> = obj.get_named_property("results")?;
                let js = JsThread::current(env)?;
                Ok(Some(core::TableEntry::Host {
                    func: Arc::new(host::JsHostFunc::new(&func, &self.dispatch, &js)?),
                    params,
                    results,
                    label: "table entry".into(),
                }))
            }
            _ => Err(Error::new(
                Status::InvalidArg,
                "a table entry must be null, an export link or a host function",
            )),
        }
    }
}

/// An instance collected without `drop()` is freed after its queued work;
/// buffers of its memories still referenced stay attached and keep them.
impl Drop for JsInstance {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.get() {
            fast_call::unbind(slot);
        }
        if let Some(buffers) = self.buffers.get() {
            buffers.collected();
        }
        self.rt.drop_instance_async(&self.inst, |_| {});
    }
}

/// Memory methods take the memory's export name, or null for the default.
type Mem = Option<String>;

/// A byte range given as JS numbers, checked.
fn span(env: &Env, offset: f64, length: f64) -> Result<(u64, u64)> {
    Ok((
        sync(env, core::offset(offset, "offset"))?,
        sync(env, core::offset(length, "length"))?,
    ))
}

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

    /// `"baseline"` or `"optimized"`: the code this instance runs.
    #[napi(getter)]
    pub fn tier(&self) -> &'static str {
        self.inst.tier().name()
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

    /// A module's results (an array); a component's answer (`AnswerJs`).
    #[napi(
        ts_args_type = "name: string, args: unknown[], now: boolean",
        ts_return_type = "unknown | Promise<unknown>"
    )]
    pub fn call<'e>(
        &self,
        env: &'e Env,
        name: String,
        args: Vec<Unknown>,
        now: bool,
    ) -> Result<Unknown<'e>> {
        if self.inst.is_component() {
            let args = args
                .iter()
                .map(|a| to_value_arg(env, a, 0))
                .collect::<Result<Vec<_>>>()?;
            let inst = self.inst.clone();
            return self.op(env, now, move |l| {
                Box::pin(async move {
                    let answer = l.call_component_async(&name, &args).await?;
                    Ok(AnswerJs(answer, inst))
                })
            });
        }
        let args = to_args(&args)?;
        self.op(env, now, move |l| {
            Box::pin(async move { l.call_async(&name, &args).await.map(Results) })
        })
    }

    /// Drops a resource this instance gave (its destructor runs in the
    /// guest); disposing one twice, or one moved into the guest, does nothing.
    #[napi(
        ts_args_type = "handle: ResourceHandle, now: boolean",
        ts_return_type = "void | Promise<void>"
    )]
    pub fn drop_resource<'e>(
        &self,
        env: &'e Env,
        handle: &ResourceHandle,
        now: bool,
    ) -> Result<Unknown<'e>> {
        let (r, first) = (handle.handle(), handle.dispose());
        self.op(env, now, move |l| {
            Box::pin(async move {
                match first {
                    true => l.drop_resource_async(r).await,
                    false => Ok(()),
                }
            })
        })
    }

    /// Whether the instance is a component's.
    #[napi(getter)]
    pub fn is_component(&self) -> bool {
        self.inst.is_component()
    }

    /// A component's exported functions (empty for a module's).
    #[napi]
    pub fn functions(&self) -> Vec<ComponentFunctionJs> {
        functions_js(self.inst.functions())
    }

    /// A module's results per call; a component's answers (see `call`).
    #[napi(
        ts_args_type = "name: string, batches: unknown[][], now: boolean",
        ts_return_type = "unknown[] | Promise<unknown[]>"
    )]
    pub fn call_many<'e>(
        &self,
        env: &'e Env,
        name: String,
        batches: Vec<Vec<Unknown>>,
        now: bool,
    ) -> Result<Unknown<'e>> {
        if self.inst.is_component() {
            let batches = batches
                .iter()
                .map(|b| b.iter().map(|a| to_value_arg(env, a, 0)).collect())
                .collect::<Result<Vec<Vec<_>>>>()?;
            let inst = self.inst.clone();
            return self.op(env, now, move |l| {
                Box::pin(async move {
                    let answers = l.call_component_many_async(&name, &batches).await?;
                    Ok(answers
                        .into_iter()
                        .map(|a| AnswerJs(a, inst.clone()))
                        .collect::<Vec<_>>())
                })
            });
        }
        let batches = batches
            .iter()
            .map(|b| to_args(b))
            .collect::<Result<Vec<_>>>()?;
        self.op(env, now, move |l| {
            Box::pin(async move { l.call_many_async(&name, &batches).await.map(Batch) })
        })
    }

    #[napi(
        ts_args_type = "id: number, args: unknown[], now: boolean",
        ts_return_type = "unknown[] | Promise<unknown[]>"
    )]
    pub fn call_ref<'e>(
        &self,
        env: &'e Env,
        id: u32,
        args: Vec<Unknown>,
        now: bool,
    ) -> Result<Unknown<'e>> {
        let args = to_args(&args)?;
        self.op(env, now, move |l| {
            Box::pin(async move { l.call_ref_async(id, &args).await.map(Results) })
        })
    }

    #[napi(
        ts_args_type = "now: boolean",
        ts_return_type = "RunResult | Promise<RunResult>"
    )]
    pub fn run<'e>(&self, env: &'e Env, now: bool) -> Result<Unknown<'e>> {
        self.op(env, now, |l| {
            Box::pin(async move { l.run_async().await.map(RunResult) })
        })
    }

    #[napi]
    pub fn read_into_sync(
        &self,
        env: Env,
        mem: Mem,
        offset: f64,
        mut target: Uint8Array,
    ) -> Result<f64> {
        let offset = sync(&env, core::offset(offset, "offset"))?;
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

    #[napi(ts_return_type = "Uint8Array")]
    pub fn take_stdout(&self, env: Env) -> Result<Bytes> {
        sync(&env, self.inst.run_sync(|l| Ok(Bytes(l.take_stdout()))))
    }

    #[napi(ts_return_type = "Uint8Array")]
    pub fn take_stderr(&self, env: Env) -> Result<Bytes> {
        sync(&env, self.inst.run_sync(|l| Ok(Bytes(l.take_stderr()))))
    }

    #[napi(
        ts_args_type = "name: string, now: boolean",
        ts_return_type = "GlobalJs | Promise<GlobalJs>"
    )]
    pub fn global<'e>(&self, env: &'e Env, name: String, now: bool) -> Result<Unknown<'e>> {
        self.plain(env, now, move |l| l.global(&name).map(GlobalJs))
    }

    /// Tag export `name`: its name for exceptions, and its parameter types.
    #[napi]
    pub fn tag(&self, env: Env, name: String) -> Result<crate::tag::TagJs> {
        let (tag, params) = sync(&env, self.inst.run_sync(|l| l.tag(&name)))?;
        Ok(crate::tag::TagJs {
            tag: tag.into(),
            params,
        })
    }

    #[napi(
        ts_args_type = "name: string, value: unknown, now: boolean",
        ts_return_type = "void | Promise<void>"
    )]
    pub fn set_global<'e>(
        &self,
        env: &'e Env,
        name: String,
        value: Unknown,
        now: bool,
    ) -> Result<Unknown<'e>> {
        let value = to_arg(&value)?;
        self.plain(env, now, move |l| l.set_global(&name, &value))
    }

    #[napi(
        ts_args_type = "name: string, now: boolean",
        ts_return_type = "number | Promise<number>"
    )]
    pub fn table_size<'e>(&self, env: &'e Env, name: String, now: bool) -> Result<Unknown<'e>> {
        self.plain(env, now, move |l| l.table_size(&name).map(|n| n as f64))
    }

    /// `init`: a table entry (see `entry`).
    #[napi(
        ts_args_type = "name: string, delta: number, init: object | null, now: boolean",
        ts_return_type = "number | Promise<number>"
    )]
    pub fn table_grow<'e>(
        &self,
        env: &'e Env,
        name: String,
        delta: f64,
        init: Option<Unknown>,
        now: bool,
    ) -> Result<Unknown<'e>> {
        let delta = sync(env, core::offset(delta, "table delta"))?;
        let init = self.entry(env, init)?;
        self.plain(env, now, move |l| {
            l.table_grow_with(&name, delta, init.as_ref())
                .map(|n| n as f64)
        })
    }

    /// Sets `len` entries from `start` to `value` (see `entry`).
    #[napi(
        ts_args_type = "name: string, start: number, len: number, value: object | null, now: boolean",
        ts_return_type = "void | Promise<void>"
    )]
    pub fn table_fill<'e>(
        &self,
        env: &'e Env,
        name: String,
        start: f64,
        len: f64,
        value: Option<Unknown>,
        now: bool,
    ) -> Result<Unknown<'e>> {
        let start = sync(env, core::offset(start, "table index"))?;
        let len = sync(env, core::offset(len, "table length"))?;
        let value = self.entry(env, value)?;
        self.plain(env, now, move |l| {
            l.table_fill(&name, start, len, value.as_ref())
        })
    }

    #[napi(
        ts_args_type = "name: string, index: number, now: boolean",
        ts_return_type = "FuncRefJs | null | Promise<FuncRefJs | null>"
    )]
    pub fn table_get<'e>(
        &self,
        env: &'e Env,
        name: String,
        i: f64,
        now: bool,
    ) -> Result<Unknown<'e>> {
        let i = sync(env, core::offset(i, "table index"))?;
        self.plain(env, now, move |l| {
            l.table_get(&name, i).map(|f| f.map(FuncRefJs::from))
        })
    }

    /// Entry `index` of an `externref` table: the value, or null.
    #[napi(
        ts_args_type = "name: string, index: number, now: boolean",
        ts_return_type = "unknown"
    )]
    pub fn table_get_value<'e>(
        &self,
        env: &'e Env,
        name: String,
        i: f64,
        now: bool,
    ) -> Result<Unknown<'e>> {
        let i = sync(env, core::offset(i, "table index"))?;
        self.plain(env, now, move |l| {
            l.table_get_value(&name, i).map(crate::convert::JsValue)
        })
    }

    #[napi(
        ts_args_type = "now: boolean",
        ts_return_type = "bigint | Promise<bigint>"
    )]
    pub fn fuel<'e>(&self, env: &'e Env, now: bool) -> Result<Unknown<'e>> {
        self.plain(env, now, |l| l.fuel().map(BigInt::from))
    }

    #[napi(
        ts_args_type = "fuel: number | bigint, now: boolean",
        ts_return_type = "void | Promise<void>"
    )]
    pub fn set_fuel<'e>(
        &self,
        env: &'e Env,
        fuel: Either<f64, BigInt>,
        now: bool,
    ) -> Result<Unknown<'e>> {
        let fuel = amount(fuel, "fuel");
        self.plain(env, now, move |l| l.set_fuel(fuel?))
    }

    /// Dropping now frees the store once a running call ends; later, after
    /// the work queued before it.
    #[napi(ts_args_type = "now: boolean", ts_return_type = "void | Promise<void>")]
    pub fn drop<'e>(&self, env: &'e Env, now: bool) -> Result<Unknown<'e>> {
        either(
            env,
            now,
            &self.inst,
            |inst| self.rt.drop_instance(inst),
            |inst, settle| self.rt.drop_instance_async(inst, settle),
        )
    }

    /// The sync form makes the JS bytes straight from the guest's memory;
    /// the async one copies them out on the worker first.
    #[napi(
        ts_args_type = "mem: string | null, offset: number, length: number, now: boolean",
        ts_return_type = "Uint8Array | Promise<Uint8Array>"
    )]
    pub fn read<'e>(
        &self,
        env: &'e Env,
        mem: Mem,
        offset: f64,
        length: f64,
        now: bool,
    ) -> Result<Unknown<'e>> {
        let (offset, length) = span(env, offset, length)?;
        if now {
            let r = self.inst.run_sync(|l| {
                let view = l.memory(mem.as_deref())?;
                view.read_with(offset, length, |bytes| js_bytes(env.raw(), bytes))
            });
            // SAFETY: `js_bytes` made the value in this env, on this call.
            return sync(env, r)?.map(|v| unsafe { Unknown::from_raw_unchecked(env.raw(), v) });
        }
        self.plain(env, now, move |l| {
            l.memory(mem.as_deref())?.read(offset, length).map(Bytes)
        })
    }

    #[napi(
        ts_args_type = "mem: string | null, offset: number, bytes: Uint8Array, now: boolean",
        ts_return_type = "void | Promise<void>"
    )]
    pub fn write<'e>(
        &self,
        env: &'e Env,
        mem: Mem,
        offset: f64,
        bytes: Uint8Array,
        now: bool,
    ) -> Result<Unknown<'e>> {
        let offset = sync(env, core::offset(offset, "offset"))?;
        if now {
            let r = self
                .inst
                .run_sync(|l| l.memory(mem.as_deref())?.write(offset, &bytes));
            sync(env, r)?;
            return ().into_unknown(env);
        }
        let bytes = bytes.to_vec();
        self.plain(env, now, move |l| {
            l.memory(mem.as_deref())?.write(offset, &bytes)
        })
    }

    #[napi(
        ts_args_type = "mem: string | null, offset: number, length: number, now: boolean",
        ts_return_type = "string | Promise<string>"
    )]
    pub fn read_string<'e>(
        &self,
        env: &'e Env,
        mem: Mem,
        offset: f64,
        length: f64,
        now: bool,
    ) -> Result<Unknown<'e>> {
        let (offset, length) = span(env, offset, length)?;
        self.plain(env, now, move |l| {
            l.memory(mem.as_deref())?.read_string(offset, length)
        })
    }

    #[napi(
        ts_args_type = "mem: string | null, offset: number, text: string, now: boolean",
        ts_return_type = "number | Promise<number>"
    )]
    pub fn write_string<'e>(
        &self,
        env: &'e Env,
        mem: Mem,
        offset: f64,
        text: String,
        now: bool,
    ) -> Result<Unknown<'e>> {
        let offset = sync(env, core::offset(offset, "offset"))?;
        self.plain(env, now, move |l| {
            l.memory(mem.as_deref())?
                .write_string(offset, &text)
                .map(|n| n as f64)
        })
    }

    #[napi(
        ts_args_type = "mem: string | null, now: boolean",
        ts_return_type = "number | Promise<number>"
    )]
    pub fn size<'e>(&self, env: &'e Env, mem: Mem, now: bool) -> Result<Unknown<'e>> {
        self.plain(env, now, move |l| {
            Ok(l.memory(mem.as_deref())?.size() as f64)
        })
    }

    /// A link to export `name`, for another instance's imports: that
    /// instance then joins this one's store.
    #[napi(ts_return_type = "object")]
    pub fn export_link(&self, name: String) -> External<core::ExportRef> {
        External::new(self.inst.export_ref(&name))
    }

    /// Function export `name` for another instance's imports: linked
    /// directly where that instance can join this one's store, else called
    /// through `fallback` (the JS function standing for it).
    #[napi(ts_return_type = "object")]
    pub fn linkable(
        &self,
        env: Env,
        name: String,
        fallback: Unknown,
    ) -> Result<External<core::Import>> {
        let js = JsThread::current(&env)?;
        Ok(External::new(core::Import::Linkable {
            export: self.inst.export_ref(&name),
            fallback: Arc::new(host::JsHostFunc::new(&fallback, &self.dispatch, &js)?),
        }))
    }

    /// A link to memory `name`, or with null to the default memory (the
    /// export `memory`, else the first): the core's rule, not restated here.
    #[napi(ts_return_type = "object")]
    pub fn memory_link(&self, env: Env, name: Option<String>) -> Result<External<core::ExportRef>> {
        sync(&env, self.inst.memory_ref(name.as_deref())).map(External::new)
    }

    /// The id of the instance whose store this one lives in (itself, unless
    /// it is linked into another's).
    #[napi(getter)]
    pub fn store_id(&self) -> String {
        self.inst.store_id().to_string()
    }

    /// An `ArrayBuffer` over the memory itself: the same one until the
    /// memory grows or goes away, when it is detached.
    #[napi(ts_args_type = "mem: string | null", ts_return_type = "ArrayBuffer")]
    pub fn buffer<'e>(&self, env: &'e Env, mem: Mem) -> Result<Unknown<'e>> {
        let buffers = match self.buffers.get() {
            Some(b) => b,
            None => {
                let made = Buffers::watch(env, &self.inst)?;
                self.buffers.get_or_init(|| made)
            }
        };
        buffers.get(env, mem.as_deref())
    }

    #[napi(
        ts_args_type = "mem: string | null, delta: number, now: boolean",
        ts_return_type = "number | Promise<number>"
    )]
    pub fn grow<'e>(&self, env: &'e Env, mem: Mem, delta: f64, now: bool) -> Result<Unknown<'e>> {
        let delta = sync(env, core::offset(delta, "page delta"))?;
        self.plain(env, now, move |l| {
            Ok(l.memory(mem.as_deref())?.grow(delta)? as f64)
        })
    }
}

impl JsInstance {
    /// The one definition behind an operation's two forms: `now`, it runs
    /// on this thread before returning its value (host functions it reaches
    /// run here too); otherwise it is queued behind earlier work and its
    /// value settles the returned Promise.
    fn op<'e, R: ToNapiValue + Send + 'static>(
        &self,
        env: &'e Env,
        now: bool,
        op: impl for<'a> FnOnce(&'a mut core::Live) -> core::Op<'a, R> + Send + 'static,
    ) -> Result<Unknown<'e>> {
        either(
            env,
            now,
            op,
            |op| on_js_thread(env, || self.inst.block(op)),
            |op, settle| self.inst.spawn(op, settle),
        )
    }

    /// `op` for an operation that runs no guest code.
    fn plain<'e, R: ToNapiValue + Send + 'static>(
        &self,
        env: &'e Env,
        now: bool,
        f: impl FnOnce(&mut core::Live) -> core::Result<R> + Send + 'static,
    ) -> Result<Unknown<'e>> {
        self.op(env, now, move |l| Box::pin(std::future::ready(f(l))))
    }
}
