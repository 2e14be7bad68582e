//! Building an instance: its WASI context, limits and imports, from the pool
//! when the module fits a slot, else on demand.

use crate::block_on::block_on;
use crate::engine::{Engines, Flavor};
use crate::error::{Error, Result};
use crate::imports::{self, Import, Imports};
use crate::lent::Lent;
use crate::limits::{within, Limiter};
use crate::module::{Compiled, ExternInfo};
use crate::registry::InstanceId;
use crate::store::StoreData;
use crate::wasi::WasiConfig;
use std::collections::HashMap;
use std::sync::Arc;
use wasmtime::Store;

use super::live::{arm, Live};
use super::InstanceConfig;

impl Live {
    /// Instantiates from the pool when the module fits it, else (or when
    /// the pool is full) on demand.
    pub(crate) fn new(
        id: InstanceId,
        engines: &Engines,
        compiled: &Compiled,
        policy: &crate::Policy,
        config: &InstanceConfig,
    ) -> Result<Live> {
        let flavor = Flavor::of(&config.limits, compiled.poolable);
        if let Some(live) = Live::build(id, engines, compiled, policy, config, flavor)? {
            return Ok(live);
        }
        let unpooled = Live::build(id, engines, compiled, policy, config, flavor.unpooled())?;
        unpooled.ok_or_else(|| Error::Instantiate {
            message: "no instance slot is free".into(),
            trap: None,
        })
    }

    /// `None` when `flavor` is pooled and the pool has no free slot (or
    /// there is no pool).
    fn build(
        id: InstanceId,
        engines: &Engines,
        compiled: &Compiled,
        policy: &crate::Policy,
        config: &InstanceConfig,
        flavor: Flavor,
    ) -> Result<Option<Live>> {
        // No pool to be had (off, or its address space refused): on demand.
        let Some(variant) = engines.get(flavor)? else {
            return Ok(None);
        };
        let module = compiled.module(flavor, &variant)?;
        // WASI settings are checked (policy included) even when the module
        // does not import WASI, so a refused preopen is refused either way.
        let wasi = if compiled.uses_wasi || config.wasi != WasiConfig::default() {
            Some(config.wasi.build(policy, config.limits.max_open_files)?)
                .filter(|_| compiled.uses_wasi)
        } else {
            None
        };
        let (ctx, stdout, stderr) = match wasi {
            Some(w) => (Some(w.ctx), w.stdout, w.stderr),
            None => (None, None, None),
        };
        let data = StoreData {
            id,
            wasi: ctx,
            limiter: Limiter::new(&config.limits),
            memories: None,
            lent: None,
            deadline: None,
        };
        let mut store = Store::new(&variant.engine, data);
        store.limiter(|d| &mut d.limiter);
        if let Some(fuel) = config.limits.fuel {
            store.set_fuel(fuel).map_err(Error::from_guest)?;
        }
        let externs = module
            .imports()
            .map(|import| resolve(&mut store, &variant.linker, &config.imports, import))
            .collect::<Result<Vec<_>>>()?;
        let timeout = config.limits.timeout;
        let needs_async = module
            .imports()
            .any(|i| matches!(i.ty(), wasmtime::ExternType::Func(_)));
        let _armed = arm(&mut store, timeout, &engines.ticker)?;
        let made = if needs_async {
            let deadline = store.data().deadline;
            let building = wasmtime::Instance::new_async(&mut store, &module, &externs);
            block_on(async { within(deadline, building).await })
        } else {
            Ok(wasmtime::Instance::new(&mut store, &module, &externs))
        };
        let instance = match made? {
            Ok(instance) => instance,
            Err(e) if e.is::<wasmtime::PoolConcurrencyLimitError>() => return Ok(None),
            Err(e) => return Err(Error::from_instantiate(e)),
        };
        store.data_mut().limiter.instantiating = false;
        let memories: Vec<_> = instance
            .exports(&mut store)
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
        let memories: crate::store::MemoryExports = memories.into();
        let lent = Arc::new(Lent::new(&store, &memories));
        store.data_mut().memories = Some(memories);
        store.data_mut().lent = Some(lent);
        Ok(Some(Live {
            store,
            instance,
            stdout,
            stderr,
            timeout,
            ticker: engines.ticker.clone(),
            funcs: Vec::new(),
            exported: HashMap::new(),
            from_tables: HashMap::new(),
            needs_async,
        }))
    }
}

/// What satisfies one import: a host function, else WASI, else 5001.
fn resolve(
    store: &mut Store<StoreData>,
    linker: &wasmtime::Linker<StoreData>,
    imports: &Imports,
    import: wasmtime::ImportType<'_>,
) -> Result<wasmtime::Extern> {
    let label = format!("{}.{}", import.module(), import.name());
    let fail = |message: String| Error::Instantiate {
        message,
        trap: None,
    };
    match (imports.get(import.module(), import.name()), import.ty()) {
        (Some(Import::Func(f)), wasmtime::ExternType::Func(ty)) => {
            Ok(imports::wrap(&mut *store, ty, f.clone(), label).into())
        }
        (Some(Import::Func(_)), ty) => Err(fail(format!(
            "import `{label}` is a {}, but a function was given",
            ExternInfo::of(&ty).kind()
        ))),
        (Some(Import::Value(v)), wasmtime::ExternType::Global(ty)) => {
            if ty.mutability() == wasmtime::Mutability::Var {
                return Err(fail(format!(
                    "import `{label}` is a mutable global; a value can only stand for an immutable one"
                )));
            }
            let val = v
                .to_val(ty.content(), &format!("import `{label}`"))
                .map_err(|e| fail(e.to_string()))?;
            wasmtime::Global::new(&mut *store, ty, val)
                .map(Into::into)
                .map_err(|e| fail(format!("import `{label}`: {}", crate::error::describe(&e))))
        }
        (Some(Import::Value(_)), ty) => Err(fail(format!(
            "import `{label}` is a {}, but a value was given",
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
