//! Host functions supplied by the embedder: a trait the embedder implements,
//! and the glue that turns each into an async wasm import with the module's
//! declared signature (the guest waits on its reply holding no thread).

use crate::block_on;
use crate::error::{Error, HostFailure, Result};
use crate::host_call::{Heard, HostArgs, HostCall, HostFunc, LentStore, Reply, Wait};
use crate::memory::{Exported, Memories};
use crate::registry::InstanceId;
use crate::store::{refresh_views, StoreData};
use crate::value::{type_name, Arg, Value};
use std::sync::Arc;
use wasmtime::{AsContextMut, FuncType, Val};

/// What an embedder offers for one import name.
#[derive(Clone)]
pub enum Import {
    Func(Arc<dyn HostFunc>),
    /// A value standing for an immutable global import (the WebAssembly JS
    /// API's numbers for globals); converted by the global's type.
    Value(Arg),
    /// An export of another live instance (a memory, table, global or
    /// function): the new instance joins that instance's store.
    Export(ExportRef),
    /// A function exported by another live instance, linked directly (a
    /// wasm-to-wasm call: values keep their bits, nothing crosses the
    /// embedder) when the new instance can join that instance's store, and
    /// called through `fallback` where it cannot (it joins another store,
    /// or its limits or WASI setup differ).
    Linkable {
        export: ExportRef,
        fallback: Arc<dyn HostFunc>,
    },
    /// A tag of the embedder's own (`TagRef::Host(id)`) with parameter
    /// types `params`: each store importing it gets a tag standing for it.
    Tag {
        id: u64,
        params: Vec<String>,
    },
    /// The tag a host function's thrown value travels under (one
    /// `externref`, the value): a guest importing it catches such values
    /// by tag, and throws values the caller gets as they are (the
    /// WebAssembly JS API's `WebAssembly.JSTag`).
    ValueTag,
    /// Something that is not a function; instantiation reports it (5001).
    NotAFunction(String),
}

/// Names export `name` of an instance, for another instance to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRef {
    /// The instance exporting it.
    pub(crate) instance: InstanceId,
    pub(crate) name: String,
}

/// Host imports by module and name.
#[derive(Clone, Default)]
pub struct Imports {
    entries: Vec<(String, String, Import)>,
}

impl std::fmt::Debug for Imports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<String> = self
            .entries
            .iter()
            .map(|(m, n, _)| format!("{m}.{n}"))
            .collect();
        f.debug_struct("Imports").field("names", &names).finish()
    }
}

impl Imports {
    pub fn add(&mut self, module: impl Into<String>, name: impl Into<String>, import: Import) {
        self.entries.push((module.into(), name.into(), import));
    }

    pub(crate) fn get(&self, module: &str, name: &str) -> Option<&Import> {
        self.entries
            .iter()
            .find(|(m, n, _)| m == module && n == name)
            .map(|(_, _, i)| i)
    }

    /// Whether anything is given under `module`.
    pub(crate) fn gives(&self, module: &str) -> bool {
        self.entries.iter().any(|(m, _, _)| m == module)
    }
}

/// Ends a host call's memory access, and the serving of calls nested in it,
/// when the guest resumes or the call is abandoned (a deadline, a dropped
/// future, a panic).
struct Open {
    memories: Arc<Memories>,
    reply: Arc<Reply>,
}

impl Drop for Open {
    fn drop(&mut self) {
        self.memories.close();
        self.reply.close();
    }
}

/// Wraps `func` as a wasm function of type `ty` imported as `module.name`.
pub(crate) fn wrap(
    store: impl AsContextMut<Data = StoreData>,
    ty: FuncType,
    func: Arc<dyn HostFunc>,
    label: String,
    exported: Exported,
) -> wasmtime::Func {
    let results: Arc<[wasmtime::ValType]> = ty.results().collect();
    let label: Arc<str> = label.into();
    wasmtime::Func::new_async(store, ty, move |mut caller, params, out| {
        let (func, results, label) = (func.clone(), results.clone(), label.clone());
        let exported = exported.clone();
        Box::new(async move {
            let fail = |e: Error| wasmtime::Error::new(HostFailure(e));
            let args = params
                .iter()
                .map(|v| Value::from_val_in(&caller, v))
                .collect::<Result<Vec<_>>>()
                .map_err(fail)?;
            let memories = Memories::of(&mut caller, &exported);
            let ret = serve(&mut caller, func, HostArgs::Core(args), memories, exported).await;
            // References made for the results are rooted in the host call's
            // scope, which lasts until the guest has them.
            // What the host function threw becomes a wasm exception.
            let ret = match ret {
                Ok(ret) => ret,
                Err(e) => return Err(crate::exception::throw_into(&mut caller, e)),
            };
            convert_results(&mut caller, &results, ret, &label, out).map_err(fail)
        })
    })
}

/// Runs one call of host function `func` for a guest waiting in `store`
/// (a `Caller`'s, or a component host call's), with the caller's
/// `memories`, and gives its answer.
pub(crate) async fn serve(
    mut caller: impl AsContextMut<Data = StoreData> + Send,
    func: Arc<dyn HostFunc>,
    args: HostArgs,
    memories: Memories,
    exported: Exported,
) -> Result<Arg> {
    let open = Open {
        memories: Arc::new(memories),
        reply: Arc::new(Reply::default()),
    };
    let data = caller.as_context().data();
    let (deadline, instance) = (data.deadline, data.id);
    let call = HostCall::new(
        args,
        open.memories.clone(),
        open.reply.clone(),
        deadline,
        instance,
    );
    block_on::start(func, call);
    // While the guest waits, its host function may use the store:
    // asked, this call lends it to the host function's thread, and
    // touches nothing until it is given back; handed an async
    // operation, it runs it here, on its own store.
    let (mut lent, mut answer) = (false, None);
    let ret = loop {
        let wait = Wait {
            reply: open.reply.clone(),
            lent,
        };
        match wait.await {
            Heard::Answer(ret) => answer = Some(ret),
            Heard::Asked if !lent => {
                let Some(borrower) = open.reply.borrower() else {
                    continue;
                };
                open.memories.suspend();
                // No other thread polls this store's futures until the
                // store is given back (the borrower may be another).
                let gate = caller.as_context().data().gate.clone();
                gate.shut(borrower);
                let store = caller.as_context_mut();
                // SAFETY: the loan ends before `caller` is used again:
                // this future takes no other branch than waiting
                // (`lent`) until the borrower gives the store back,
                // and the borrower uses it only until then, while
                // nothing polls this future: the store's `Gate`, shut
                // until the store is given back, holds every poll of
                // its futures on another thread, and on the borrower's
                // own thread nothing polls it while the borrower is
                // busy with the loan (see `block_on::borrow_store`).
                // The lifetime is erased only to hand the reborrow
                // across that wait.
                let store = unsafe {
                    std::mem::transmute::<
                        wasmtime::StoreContextMut<'_, StoreData>,
                        wasmtime::StoreContextMut<'static, StoreData>,
                    >(store)
                };
                open.reply.lend(LentStore {
                    store,
                    gate,
                    memories: open.memories.clone(),
                    exported: exported.clone(),
                });
                lent = true;
            }
            Heard::Asked => {}
            Heard::Returned => lent = false,
            Heard::Job(job) => {
                open.memories.suspend();
                let done = job.run(caller.as_context_mut()).await;
                refresh_views(&caller);
                open.memories.renew(&caller, &exported);
                open.reply.job_done();
                // Settled once the call has its store back: the
                // embedder may go on to use it.
                done();
            }
        }
        // Operations handed to the call before its answer run first.
        if !lent && !open.reply.has_jobs() {
            if let Some(ret) = answer.take() {
                break ret;
            }
        }
    };
    drop(open);
    ret
}

fn convert_results(
    mut store: impl AsContextMut,
    types: &[wasmtime::ValType],
    ret: Arg,
    label: &str,
    out: &mut [Val],
) -> Result<()> {
    let what = |i: usize| format!("result {i} of host function `{label}`");
    match (types.len(), ret) {
        (0, _) => Ok(()),
        (1, ret) => {
            out[0] = ret.to_val_in(&mut store, &types[0], &what(0))?;
            Ok(())
        }
        (n, Arg::List(items)) if items.len() == n => {
            for (i, (ty, item)) in types.iter().zip(&items).enumerate() {
                out[i] = item.to_val_in(&mut store, ty, &what(i))?;
            }
            Ok(())
        }
        (n, other) => Err(Error::Type(format!(
            "host function `{label}` must return an array of {n} values ({}), got {}",
            types.iter().map(type_name).collect::<Vec<_>>().join(", "),
            other.describe()
        ))),
    }
}

impl Imports {
    /// The instances whose exports are imported (`Import::Export`).
    pub(crate) fn linked(&self) -> impl Iterator<Item = (String, InstanceId)> + '_ {
        self.entries
            .iter()
            .filter_map(|(m, n, import)| match import {
                Import::Export(from) => Some((format!("{m}.{n}"), from.instance)),
                _ => None,
            })
    }

    /// The instances whose functions may be linked directly
    /// (`Import::Linkable`), in import order.
    pub(crate) fn linkable(&self) -> impl Iterator<Item = InstanceId> + '_ {
        self.entries
            .iter()
            .filter_map(|(_, _, import)| match import {
                Import::Linkable { export, .. } => Some(export.instance),
                _ => None,
            })
    }
}
