//! A component's imports, given per interface: each function of an
//! imported interface is the embedder's host function of that name, called
//! with the guest's values in jco's shapes and answering one back; the
//! guest waits on it holding no thread, as a module's guest does.

use super::names::lower_camel;
use super::value::{lift, lower, Lifting, Lowering, Path};
use crate::error::{Error, HostFailure, Result};
use crate::host_call::{HostArgs, HostFunc};
use crate::imports::{self, Import, Imports};
use crate::memory::Memories;
use crate::resources::Resources;
use crate::store::StoreData;
use crate::value::Arg;
use std::sync::Arc;
use wasmtime::component::types::{ComponentFunc, ComponentItem};
use wasmtime::component::{Component, Linker, Type, Val};
use wasmtime::{AsContextMut, Engine, StoreContextMut};

/// A linker giving `component` the host functions of `imports`: under an
/// imported interface's name (`"ns:pkg/iface@1.0.0"`, or without its
/// version), each function by its lowerCamelCase name (or its WIT name).
/// An import nothing gives is 5001 naming the interface and the function;
/// so is one this cannot give yet (a resource, a top-level function).
/// `true` with it when there are host functions (guest code is then
/// entered through a fiber).
pub(crate) fn link(
    engine: &Engine,
    component: &Component,
    imports: &Imports,
) -> Result<(Linker<StoreData>, bool)> {
    let fail = |message: String| Error::Instantiate {
        message,
        trap: None,
    };
    let mut linker = Linker::new(engine);
    let mut any = false;
    for (name, item) in component.component_type().imports(engine) {
        let ComponentItem::ComponentInstance(interface) = item.ty else {
            return Err(fail(format!(
                "missing import `{name}`: only imported interfaces of functions can be given"
            )));
        };
        let mut instance = linker
            .instance(name)
            .map_err(|e| fail(format!("import `{name}`: {e}")))?;
        for (func, item) in interface.exports(engine) {
            match item.ty {
                ComponentItem::ComponentFunc(_) => {}
                ComponentItem::Type(_) => continue,
                _ => {
                    return Err(fail(format!(
                        "import `{name}#{func}`: imported resources are not supported yet"
                    )))
                }
            }
            let label: Arc<str> = format!("{name}#{func}").into();
            let host = match given(imports, name, func) {
                Some(Import::Func(f)) => f.clone(),
                Some(_) => return Err(fail(format!("import `{label}` must be a function"))),
                None => return Err(fail(format!("missing import `{label}`"))),
            };
            instance
                .func_new_async(func, move |store, ty, params, results| {
                    let (host, label) = (host.clone(), label.clone());
                    Box::new(async move { call(store, host, ty, params, results, &label).await })
                })
                .map_err(|e| fail(format!("import `{name}#{func}`: {e}")))?;
            any = true;
        }
    }
    Ok((linker, any))
}

/// What the embedder gives for function `func` of interface `interface`.
fn given<'a>(imports: &'a Imports, interface: &str, func: &str) -> Option<&'a Import> {
    let unversioned = interface.split('@').next().unwrap_or(interface);
    let camel = lower_camel(func);
    [interface, unversioned]
        .into_iter()
        .find_map(|m| imports.get(m, &camel).or_else(|| imports.get(m, func)))
}

/// One call of host function `host` (`label`) from the guest: its
/// arguments lifted, its answer lowered by the function's result type (a
/// `result<T, E>` takes the answer as `T`, and `Arg::Err` as `E`).
async fn call(
    mut store: StoreContextMut<'_, StoreData>,
    host: Arc<dyn HostFunc>,
    ty: ComponentFunc,
    params: &[Val],
    results: &mut [Val],
    label: &str,
) -> wasmtime::Result<()> {
    let fail = |e: Error| wasmtime::Error::new(HostFailure(e));
    let data = store.data();
    let instance = data.id;
    let exported = data.members[0].memories.clone();
    // Imported interfaces hold no resources (`link` refuses them).
    let mut none = Resources::default();
    let mut lifting = Lifting {
        instance,
        resources: &mut none,
    };
    let args = params
        .iter()
        .zip(ty.params())
        .map(|(v, (_, t))| lift(&mut lifting, v.clone(), &t))
        .collect();
    let returns_result = matches!(ty.results().next(), Some(Type::Result(_)));
    let args = HostArgs::Component {
        args,
        returns_result,
    };
    let store = store.as_context_mut();
    let ret = imports::serve(store, host, args, Memories::none(), exported)
        .await
        .map_err(fail)?;
    let Some(ty) = ty.results().next() else {
        return Ok(());
    };
    let mut lowering = Lowering {
        instance,
        resources: &none,
        moved: Vec::new(),
    };
    let path = Path::Result(label);
    let mut side = |arg: &Arg, ty: Option<Type>| match ty {
        Some(t) => lower(&mut lowering, arg, &t, &path).map(|v| Some(Box::new(v))),
        None => Ok(None),
    };
    results[0] = match (&ty, &ret) {
        (Type::Result(r), Arg::Err(e)) => Val::Result(Err(side(e, r.err()).map_err(fail)?)),
        (Type::Result(r), ok) => Val::Result(Ok(side(ok, r.ok()).map_err(fail)?)),
        (t, ret) => lower(&mut lowering, ret, t, &path).map_err(fail)?,
    };
    Ok(())
}
