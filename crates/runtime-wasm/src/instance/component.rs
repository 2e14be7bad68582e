//! A component's instance: built alone in a store (on demand, compiled with
//! the metering its limits need), under the same limits as a module's and
//! with the host's allocations for its guest's values capped too; its
//! functions called with values converted by `component::value`.

use crate::block_on::block_on;
use crate::component::value::{answer, lower, unsupported, Answer, Lifting, Lowering, Path};
use crate::component::{link, CompiledComponent};
use crate::deadline::{within, Deadline};
use crate::engine::{Engines, Flavor};
use crate::error::{Error, Result};
use crate::limits::{Limiter, DEFAULT_MAX_VALUE_BYTES};
use crate::memory::{Exported, Lent, MemoryExports};
use crate::registry::InstanceId;
use crate::resources::ResourceRef;
use crate::store::{Guest, Member, StoreData};
use crate::value::Arg;
use std::sync::Arc;
use wasmtime::component::{Type, Val};
use wasmtime::Store;

use super::live::{Entry, Group, LiveStore};
use super::{InstanceConfig, Live};

impl LiveStore {
    /// A store holding one instance of `compiled`, its imports given by
    /// `config.imports` (see `component::link`).
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
        let linked = link(&variant.engine, &component, &config.imports)?;
        let (ctx, stdout, stderr) =
            config
                .wasi
                .build_for(linked.uses_wasi, policy, config.limits.max_open_files)?;
        let (linker, needs_async) = (linked.linker, linked.needs_async);
        let data = StoreData {
            id,
            wasi: ctx,
            limiter: Limiter::new(&limits),
            deadline: None,
            members: Vec::new(),
            gate: Arc::default(),
            exceptions: Default::default(),
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
        let deadline_at = store.data().deadline;
        let instance = match needs_async {
            true => {
                let gate = store.data().gate.clone();
                let building = linker.instantiate_async(&mut store, &component);
                block_on(&gate, async { within(deadline_at, building).await })?
            }
            false => linker.instantiate(&mut store, &component),
        }
        .map_err(Error::from_instantiate)?;
        drop(armed);
        store.data_mut().limiter.instantiating = false;
        // A component's memories are its own: the embedder gets none.
        let none: MemoryExports = Vec::new().into();
        let exported: Exported = Arc::default();
        let _ = exported.set((none.clone(), Arc::new(Lent::new(&store, &none))));
        let mut member = Member::new(id, Guest::Component(instance), exported);
        member.resources.types = resource_types(&mut store, instance, &component);
        store.data_mut().members.push(member);
        Ok(LiveStore {
            store,
            stdout,
            stderr,
            deadline,
            needs_async,
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
        if self.is_nested() {
            return Err(Error::Call {
                message: "a component instance cannot be called from inside one of its own imports: the Component Model forbids reentering it".into(),
                trap: None,
            });
        }
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
        let member = &self.store.data().members[self.current];
        let mut cx = Lowering {
            instance: member.id,
            resources: &member.resources,
            moved: Vec::new(),
        };
        let mut vals = Vec::with_capacity(args.len());
        for (i, (arg, (_, t))) in args.iter().zip(&params).enumerate() {
            vals.push(lower(&mut cx, arg, t, &Path::Arg(label, i))?);
        }
        let moved = cx.moved;
        let mut out = vec![Val::Bool(false); results.len()];
        let done = self.enter(func, &vals, &mut out).await;
        // What `own` arguments moved is the guest's from the call on.
        let member = &mut self.store.data_mut().members[self.current];
        for id in moved {
            member.resources.take(id);
        }
        done?;
        let mut cx = Lifting {
            instance: member.id,
            resources: &mut member.resources,
        };
        Ok(answer(&mut cx, out, &results))
    }

    /// Calls a command component's `wasi:cli/run`: exit code 0, or 1 when
    /// it returns its error; an export of another name is 5003.
    pub(crate) async fn run_component(&mut self) -> Result<i32> {
        let (_, code) = self.component()?;
        let run = code
            .functions()
            .iter()
            .find(|f| f.name.starts_with("wasi:cli/run@0.2.") && f.name.ends_with("#run"))
            .map(|f| f.name.clone())
            .ok_or_else(|| {
                Error::ExportNotFound(
                    "this component is not a WASI command: it exports no `wasi:cli/run@0.2.x`"
                        .into(),
                )
            })?;
        match self.call_component_async(&run, &[]).await? {
            Answer::Ok(_) => Ok(0),
            Answer::Err(_) => Ok(1),
        }
    }

    /// Drops the resource `r` the host holds: its destructor runs in the
    /// guest. One already dropped or moved into the guest is left as it is;
    /// one of another instance is 5007.
    pub async fn drop_resource_async(&mut self, r: ResourceRef) -> Result<()> {
        self.component()?;
        let member = &mut self.store.data_mut().members[self.current];
        if r.instance != member.id {
            return Err(Error::Type(
                "this resource belongs to another instance".into(),
            ));
        }
        match member.resources.take(r.id) {
            Some(any) => self.enter(Destructor(any), &[], &mut []).await,
            None => Ok(()),
        }
    }

    /// `drop_resource_async` on the calling thread.
    pub fn drop_resource(&mut self, r: ResourceRef) -> Result<()> {
        block_on(&self.gate(), self.drop_resource_async(r))
    }

    /// Calls the component function `name` once per argument list, in
    /// order; the batch ends at the first failure (an error, or an answer
    /// that is a returned `result`'s error, which is the last answer).
    pub async fn call_component_many_async(
        &mut self,
        name: &str,
        batches: &[Vec<Arg>],
    ) -> Result<Vec<Answer>> {
        let mut out = Vec::with_capacity(batches.len());
        for args in batches {
            let answer = self.call_component_async(name, args).await?;
            let failed = matches!(answer, Answer::Err(_));
            out.push(answer);
            if failed {
                break;
            }
        }
        Ok(out)
    }

    /// `call_component_many_async` on the calling thread.
    pub fn call_component_many(&mut self, name: &str, batches: &[Vec<Arg>]) -> Result<Vec<Answer>> {
        block_on(&self.gate(), self.call_component_many_async(name, batches))
    }

    /// `call_component_async` on the calling thread.
    pub fn call_component(&mut self, name: &str, args: &[Arg]) -> Result<Answer> {
        block_on(&self.gate(), self.call_component_async(name, args))
    }
}

/// The resource types a component instance exports (at the top level and in
/// its exported interfaces), with their qualified names.
fn resource_types(
    store: &mut Store<StoreData>,
    instance: wasmtime::component::Instance,
    component: &wasmtime::component::Component,
) -> Vec<(wasmtime::component::ResourceType, Arc<str>)> {
    use wasmtime::component::types::ComponentItem;
    let engine = store.engine().clone();
    let mut out = Vec::new();
    for (name, item) in component.component_type().exports(&engine) {
        match item.ty {
            ComponentItem::Resource(_) => {
                if let Some(ty) = instance.get_resource(&mut *store, name) {
                    out.push((ty, name.into()));
                }
            }
            ComponentItem::ComponentInstance(interface) => {
                let Some(at) = instance.get_export_index(&mut *store, None, name) else {
                    continue;
                };
                for (res, item) in interface.exports(&engine) {
                    if !matches!(item.ty, ComponentItem::Resource(_)) {
                        continue;
                    }
                    let ty = instance
                        .get_export_index(&mut *store, Some(&at), res)
                        .and_then(|i| instance.get_resource(&mut *store, i));
                    if let Some(ty) = ty {
                        out.push((ty, format!("{name}#{res}").into()));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// A resource's destructor, entered like a guest function (under the
/// instance's deadline and fuel).
#[derive(Clone, Copy)]
struct Destructor(wasmtime::component::ResourceAny);

impl Entry for Destructor {
    type Val = ();

    fn call(
        self,
        store: &mut wasmtime::StoreContextMut<'_, StoreData>,
        _: &[()],
        _: &mut [()],
    ) -> wasmtime::Result<()> {
        self.0.resource_drop(store)
    }

    async fn call_async<'a>(
        self,
        store: wasmtime::StoreContextMut<'a, StoreData>,
        _: &'a [()],
        _: &'a mut [()],
    ) -> wasmtime::Result<()> {
        self.0.resource_drop_async(store).await
    }

    fn error(err: wasmtime::Error) -> Error {
        Error::from_component(err)
    }
}
