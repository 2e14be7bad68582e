//! A component's instance: built alone in a store (on demand, compiled with
//! the metering its limits need), under the same limits as a module's and
//! with the host's allocations for its guest's values capped too; its
//! functions called with values converted by `component::value`.

use crate::block_on::block_on;
use crate::component::value::{answer, lower, unsupported, Answer, Path};
use crate::component::CompiledComponent;
use crate::deadline::Deadline;
use crate::engine::{Engines, Flavor};
use crate::error::{Error, Result};
use crate::limits::{Limiter, DEFAULT_MAX_VALUE_BYTES};
use crate::memory::{Exported, Lent, MemoryExports};
use crate::registry::InstanceId;
use crate::store::{Guest, Member, StoreData};
use crate::value::Arg;
use crate::wasi::WasiConfig;
use std::sync::Arc;
use wasmtime::component::{Type, Val};
use wasmtime::Store;

use super::live::{Group, LiveStore};
use super::{InstanceConfig, Live};

impl LiveStore {
    /// A store holding one instance of `compiled`; 5001 for an import the
    /// component needs (components take no imports yet).
    pub(crate) fn for_component(
        id: InstanceId,
        engines: &Engines,
        compiled: &Arc<CompiledComponent>,
        policy: &crate::Policy,
        config: &InstanceConfig,
    ) -> Result<LiveStore> {
        let limits = config.limits;
        // Unpooled, and metered as the limits need (fuel, deadlines).
        let flavor = Flavor::of(&limits, false);
        let (component, variant) = compiled.code(engines, flavor)?;
        // WASI settings are checked (the policy included) as for a module
        // that does not import WASI: a refused preopen is refused either way.
        if config.wasi != WasiConfig::default() {
            config.wasi.build(policy, config.limits.max_open_files)?;
        }
        let ty = component.component_type();
        if let Some((name, _)) = ty.imports(&variant.engine).next() {
            return Err(Error::Instantiate {
                message: format!("missing import `{name}`: components cannot be given imports yet"),
                trap: None,
            });
        }
        let data = StoreData {
            id,
            wasi: None,
            limiter: Limiter::new(&limits),
            deadline: None,
            members: Vec::new(),
            gate: Arc::default(),
        };
        let mut store = Store::new(&variant.engine, data);
        store.limiter(|d| &mut d.limiter);
        if let Some(fuel) = limits.fuel {
            store.set_fuel(fuel).map_err(Error::from_guest)?;
        }
        // What the engine lets a guest's values make the host allocate, in
        // the engine's own measure (bytes of its value tree).
        let cap = limits.max_value_bytes.unwrap_or(DEFAULT_MAX_VALUE_BYTES);
        store.set_hostcall_fuel(usize::try_from(cap).unwrap_or(usize::MAX));
        let deadline = Deadline::new(limits.timeout, &engines.ticker);
        let armed = deadline.arm(&mut store)?;
        let linker = wasmtime::component::Linker::new(&variant.engine);
        let instance = linker
            .instantiate(&mut store, &component)
            .map_err(Error::from_instantiate)?;
        drop(armed);
        store.data_mut().limiter.instantiating = false;
        // A component's memories are its own: the embedder gets none.
        let none: MemoryExports = Vec::new().into();
        let exported: Exported = Arc::default();
        let _ = exported.set((none.clone(), Arc::new(Lent::new(&store, &none))));
        let member = Member::new(id, Guest::Component(instance), exported);
        store.data_mut().members.push(member);
        Ok(LiveStore {
            store,
            stdout: None,
            stderr: None,
            deadline,
            needs_async: false,
            group: Group {
                flavor,
                variant,
                limits,
            },
        })
    }
}

impl Live<'_> {
    /// Calls the component function `name` (see `ComponentFunction::name`
    /// for the names it takes), converting `args` by its parameter types.
    pub async fn call_component_async(&mut self, name: &str, args: &[Arg]) -> Result<Answer> {
        let (instance, code) = self.component()?;
        let found = code.find(name)?;
        let index = match &found.interface {
            Some(i) => instance
                .get_export_index(&mut self.store, None, i)
                .and_then(|i| instance.get_export_index(&mut self.store, Some(&i), &found.func)),
            None => instance.get_export_index(&mut self.store, None, &found.func),
        };
        let func = index
            .and_then(|i| instance.get_func(&mut self.store, i))
            .ok_or_else(|| Error::ExportNotFound(format!("`{}` is not a function", found.name)))?;
        let ty = func.ty(&self.store);
        let label = &found.name;
        let params: Vec<(&str, Type)> = ty.params().collect();
        let results: Vec<Type> = ty.results().collect();
        if args.len() != params.len() {
            return Err(Error::Type(format!(
                "`{label}` takes {} argument{}, got {}",
                params.len(),
                if params.len() == 1 { "" } else { "s" },
                args.len()
            )));
        }
        let all = params.iter().map(|(_, t)| t).chain(&results);
        if let Some(what) = all.into_iter().find_map(unsupported) {
            return Err(Error::Type(format!(
                "`{label}` takes or returns {what}, which calls cannot convert yet"
            )));
        }
        let mut vals = Vec::with_capacity(args.len());
        for (i, (arg, (_, t))) in args.iter().zip(&params).enumerate() {
            vals.push(lower(arg, t, &Path::Arg(label, i))?);
        }
        let mut out = vec![Val::Bool(false); results.len()];
        self.enter(func, &vals, &mut out).await?;
        Ok(answer(out, &results))
    }

    /// `call_component_async` on the calling thread.
    pub fn call_component(&mut self, name: &str, args: &[Arg]) -> Result<Answer> {
        block_on(&self.gate(), self.call_component_async(name, args))
    }
}
