//! Building an instance: its WASI context, limits and imports, from the pool
//! when the module fits a slot, else on demand.

use crate::block_on::block_on;
use crate::deadline::{within, Deadline};
use crate::engine::{Engines, Flavor, Variant};
use crate::error::{Error, Result};
use crate::imports::{self, Import, Imports};
use crate::limits::Limiter;
use crate::memory::{Exported, Lent};
use crate::module::{Compiled, ExternInfo};
use crate::registry::InstanceId;
use crate::store::{Guest, Member, StoreData};
use crate::value::Arg;
use crate::wasi::WasiConfig;
use std::sync::Arc;
use wasmtime::Store;

use super::live::{Group, LiveStore};
use super::InstanceConfig;

/// The most instances a store holds for direct function links (see
/// `LiveStore::takes_linkable`).
pub(crate) const MAX_LINKABLE_MEMBERS: usize = 100;

impl LiveStore {
    /// Instantiates from the pool when the module fits it, else (or when
    /// the pool is full, or the instance gets baseline code) on demand.
    pub(crate) fn new(
        id: InstanceId,
        engines: &Arc<Engines>,
        compiled: &Arc<Compiled>,
        policy: &crate::Policy,
        config: &InstanceConfig,
    ) -> Result<LiveStore> {
        let flavor = compiled.flavor_for(engines, &config.limits);
        let made = engines.with_fallback(flavor, |flavor, variant| {
            LiveStore::build(id, engines, compiled, policy, config, flavor, variant)
        })?;
        made.map(|(_, live)| live)
            .ok_or_else(|| Error::Instantiate {
                message: "no instance slot is free".into(),
                trap: None,
            })
    }

    /// `None` when `flavor` is pooled and the pool has no free slot.
    fn build(
        id: InstanceId,
        engines: &Engines,
        compiled: &Compiled,
        policy: &crate::Policy,
        config: &InstanceConfig,
        flavor: Flavor,
        variant: &Arc<Variant>,
    ) -> Result<Option<LiveStore>> {
        let module = compiled.module(flavor, variant)?;
        let (ctx, stdout, stderr) =
            config
                .wasi
                .build_for(compiled.uses_wasi, policy, config.limits.max_open_files)?;
        let data = StoreData {
            id,
            wasi: ctx,
            limiter: Limiter::new(&config.limits),
            deadline: None,
            members: Vec::new(),
            gate: Arc::default(),
            exceptions: Default::default(),
        };
        let mut store = Store::new(&variant.engine, data);
        store.limiter(|d| &mut d.limiter);
        if let Some(fuel) = config.limits.fuel {
            store.set_fuel(fuel).map_err(Error::from_guest)?;
        }
        let deadline = Deadline::new(config.limits.timeout, &engines.ticker);
        let _armed = deadline.arm(&mut store)?;
        let Some((member, needs_async)) =
            instantiate(id, &mut store, variant, &module, &config.imports, false)?
        else {
            return Ok(None);
        };
        store.data_mut().members.push(member);
        Ok(Some(LiveStore {
            store,
            stdout,
            stderr,
            deadline,
            needs_async,
            group: Group {
                flavor,
                variant: variant.clone(),
                limits: config.limits,
            },
        }))
    }

    /// Whether this store takes an instance of `compiled` that joins it only
    /// to link functions directly (`Import::Linkable`), which could as well
    /// call them through the embedder: a store never gives back what its
    /// instances hold, so it takes only instances without memories or
    /// tables of their own, and at most `MAX_LINKABLE_MEMBERS` instances.
    pub(crate) fn takes_linkable(&self, compiled: &Compiled) -> bool {
        self.store.data().members.len() < MAX_LINKABLE_MEMBERS && !compiled.defines_storage()
    }

    /// Why an instance of `compiled` made with `config` cannot join this
    /// store, if it cannot: a store has one set of limits and one WASI setup.
    pub(crate) fn refuses(
        &self,
        compiled: &Compiled,
        config: &InstanceConfig,
    ) -> Option<&'static str> {
        if config.limits != self.group.limits {
            return Some("an instance linked to another's exports shares its store and limits: give it the same limits (fuel, timeoutMs, maxMemoryBytes, maxTableElements, maxOpenFiles) or none");
        }
        if config.wasi != WasiConfig::default() {
            return Some("an instance linked to another's exports shares its store and WASI setup: give WASI options to the first instance of the group only");
        }
        let unmet_wasi = compiled.info().imports.iter().any(|i| {
            i.module == "wasi_snapshot_preview1" && config.imports.get(&i.module, &i.name).is_none()
        });
        if unmet_wasi && self.store.data().wasi.is_none() {
            return Some(
                "this module imports WASI, but the instance it links to was made without WASI",
            );
        }
        None
    }

    /// Instantiates `compiled` in this store, beside the instances already
    /// in it (whose exports `config` may import), under the store's limits;
    /// returns its member index; `None` when the pool has no free slot.
    pub(crate) fn join(
        &mut self,
        id: InstanceId,
        compiled: &Compiled,
        _policy: &crate::Policy,
        config: &InstanceConfig,
    ) -> Result<Option<usize>> {
        if let Some(why) = self.refuses(compiled, config) {
            return Err(Error::Instantiate {
                message: why.into(),
                trap: None,
            });
        }
        let module = compiled.module(self.group.flavor, &self.group.variant)?;
        let variant = self.group.variant.clone();
        let _armed = self.deadline.arm(&mut self.store)?;
        let made = instantiate(
            id,
            &mut self.store,
            &variant,
            &module,
            &config.imports,
            self.needs_async,
        )?;
        let Some((member, needs_async)) = made else {
            return Ok(None);
        };
        self.needs_async |= needs_async;
        let members = &mut self.store.data_mut().members;
        members.push(member);
        Ok(Some(members.len() - 1))
    }
}

/// Instantiates `module` in `store`, its imports taken from `imports`, from
/// the exports of the store's other instances, else from WASI; `None` when
/// the pool has no free slot. `store_async`: the store holds async host
/// functions already, so every instantiation in it is async.
fn instantiate(
    id: InstanceId,
    store: &mut Store<StoreData>,
    variant: &Variant,
    module: &wasmtime::Module,
    imports: &Imports,
    store_async: bool,
) -> Result<Option<(Member, bool)>> {
    let exported: Exported = Arc::default();
    let externs = module
        .imports()
        .map(|import| resolve(store, &variant.linker, imports, import, &exported))
        .collect::<Result<Vec<_>>>()?;
    let needs_async = module
        .imports()
        .any(|i| matches!(i.ty(), wasmtime::ExternType::Func(_)));
    let made = if needs_async || store_async {
        let (deadline, gate) = (store.data().deadline, store.data().gate.clone());
        let building = wasmtime::Instance::new_async(&mut *store, module, &externs);
        block_on(&gate, async { within(deadline, building).await })
    } else {
        Ok(wasmtime::Instance::new(&mut *store, module, &externs))
    };
    let instance = match made? {
        Ok(instance) => instance,
        Err(e) if e.is::<wasmtime::PoolConcurrencyLimitError>() => return Ok(None),
        // A start function's exception leaves as any call's would.
        Err(e) => {
            let e = crate::exception::uncaught(&mut *store, e);
            crate::exception::call_over(&mut *store);
            return Err(e.unwrap_or_else(Error::from_instantiate));
        }
    };
    store.data_mut().limiter.instantiating = false;
    let memories: Vec<_> = instance
        .exports(&mut *store)
        .filter_map(|e| {
            let name: Arc<str> = e.name().into();
            let ext = e.into_extern();
            matches!(
                ext,
                wasmtime::Extern::Memory(_) | wasmtime::Extern::SharedMemory(_)
            )
            .then_some((name, ext))
        })
        .collect();
    let memories: crate::memory::MemoryExports = memories.into();
    let lent = Arc::new(Lent::new(&*store, &memories));
    let _ = exported.set((memories, lent));
    Ok(Some((
        Member::new(id, Guest::Module(instance), exported),
        needs_async,
    )))
}

/// What satisfies one import: a host function, else WASI, else 5001.
fn resolve(
    store: &mut Store<StoreData>,
    linker: &wasmtime::Linker<StoreData>,
    imports: &Imports,
    import: wasmtime::ImportType<'_>,
    exported: &Exported,
) -> Result<wasmtime::Extern> {
    let label = format!("{}.{}", import.module(), import.name());
    let fail = |message: String| Error::Instantiate {
        message,
        trap: None,
    };
    match (imports.get(import.module(), import.name()), import.ty()) {
        (Some(Import::Func(f)), wasmtime::ExternType::Func(ty)) => {
            Ok(imports::wrap(&mut *store, ty, f.clone(), label, exported.clone()).into())
        }
        (Some(Import::Value(v)), wasmtime::ExternType::Global(ty)) => {
            if ty.mutability() == wasmtime::Mutability::Var {
                return Err(fail(format!(
                    "import `{label}` is a mutable global; a value can only stand for an immutable one"
                )));
            }
            // An `externref` made is rooted in this scope only: the global
            // holds it from then on.
            let mut scope = wasmtime::RootScope::new(&mut *store);
            let val = v
                .to_val_in(&mut scope, ty.content(), &format!("import `{label}`"))
                .map_err(|e| fail(e.to_string()))?;
            wasmtime::Global::new(&mut scope, ty, val)
                .map(Into::into)
                .map_err(|e| fail(format!("import `{label}`: {}", crate::error::describe(&e))))
        }
        (Some(Import::Value(v)), wasmtime::ExternType::Func(_)) => {
            let kind = if matches!(v, Arg::BigInt { .. }) {
                "bigint"
            } else {
                "number"
            };
            Err(fail(format!(
                "import `{label}` must be a function, got {kind}"
            )))
        }
        (Some(Import::Value(_)), ty) => Err(fail(format!(
            "import `{label}` is a {}, but a value was given",
            ExternInfo::of(&ty).kind()
        ))),
        (Some(Import::Export(from)), _) => {
            let source = store
                .data()
                .member_instance(from.instance)
                .ok_or_else(|| {
                    fail(format!(
                        "import `{label}` is an export of an instance that is not linked to the others given"
                    ))
                })?;
            source.get_export(&mut *store, &from.name).ok_or_else(|| {
                fail(format!(
                    "import `{label}`: the instance has no export `{}`",
                    from.name
                ))
            })
        }
        (Some(Import::Tag { id, params }), wasmtime::ExternType::Tag(ty)) => {
            crate::exception::host_tag(&mut *store, *id, params, &ty, &label).map(Into::into)
        }
        (Some(Import::ValueTag), wasmtime::ExternType::Tag(ty)) => {
            crate::exception::value_tag_for(&mut *store, &ty, &label).map(Into::into)
        }
        (Some(Import::Tag { .. } | Import::ValueTag), ty) => Err(fail(format!(
            "import `{label}` is a {}, but a tag was given",
            ExternInfo::of(&ty).kind()
        ))),
        (Some(Import::Linkable { export, fallback }), wasmtime::ExternType::Func(ty)) => {
            let here = store.data().member_instance(export.instance);
            match here.and_then(|i| i.get_func(&mut *store, &export.name)) {
                // Its instance is in this store: a direct wasm-to-wasm link.
                Some(func) => Ok(func.into()),
                None => {
                    Ok(
                        imports::wrap(&mut *store, ty, fallback.clone(), label, exported.clone())
                            .into(),
                    )
                }
            }
        }
        (Some(Import::Func(_) | Import::Linkable { .. }), ty) => Err(fail(format!(
            "import `{label}` is a {}, but a function was given",
            ExternInfo::of(&ty).kind()
        ))),
        (Some(Import::NotAFunction(kind)), _) => Err(fail(format!(
            "import `{label}` must be a function, got {kind}"
        ))),
        (None, ty) => linker.get_by_import(&mut *store, &import).ok_or_else(|| {
            fail(format!(
                "missing import `{label}` ({})",
                ExternInfo::of(&ty).kind()
            ))
        }),
    }
}
