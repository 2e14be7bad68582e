//! A component's imports, given per interface: each function of an
//! imported interface is the embedder's host function of that name, called
//! with the guest's values in jco's shapes and answering one back; the
//! guest waits on it holding no thread, as a module's guest does. WASI
//! preview 2 interfaces are WASI's, served from the store's WASI context.

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

/// The WASI preview 2 interfaces a component may import (any `0.2.x`):
/// all of `wasi:cli`, `wasi:clocks`, `wasi:filesystem`, `wasi:io` and
/// `wasi:random`, and `wasi:sockets` with every socket and name lookup
/// refused (see `WasiConfig::build`), since toolchains import it whether or
/// not the program uses the network. Nothing else (`wasi:http`, say).
const WASI_PACKAGES: [&str; 6] = [
    "wasi:cli/",
    "wasi:clocks/",
    "wasi:filesystem/",
    "wasi:io/",
    "wasi:random/",
    "wasi:sockets/",
];

/// How a component is linked.
pub(crate) struct Linked {
    pub(crate) linker: Linker<StoreData>,
    /// There are host functions: guest code is entered through a fiber.
    pub(crate) needs_async: bool,
    /// It imports WASI: its store needs a WASI context.
    pub(crate) uses_wasi: bool,
}

/// A linker giving `component` the host functions of `imports`: under an
/// imported interface's name (`"ns:pkg/iface@1.0.0"`, or without its
/// version), each function by its lowerCamelCase name (or its WIT name);
/// and WASI's interfaces (`WASI_PACKAGES`), which `imports` may not
/// replace. An import nothing gives is 5001 naming the interface and the
/// function; so is one this cannot give yet (a resource, a top-level
/// function) and a WASI interface outside `WASI_PACKAGES`.
pub(crate) fn link(engine: &Engine, component: &Component, imports: &Imports) -> Result<Linked> {
    let fail = |message: String| Error::Instantiate {
        message,
        trap: None,
    };
    let mut linker = Linker::new(engine);
    let mut any = false;
    let ty = component.component_type();
    let imported: Vec<_> = ty.imports(engine).collect();
    let uses_wasi = imported.iter().any(|(name, _)| name.starts_with("wasi:"));
    if uses_wasi {
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)
            .and_then(|()| crate::wasi::cap_open_at(&mut linker))
            .map_err(|e| fail(format!("cannot link WASI: {e}")))?;
        any = true;
    }
    for (name, item) in imported {
        if name.starts_with("wasi:") {
            let unversioned = name.split('@').next().unwrap_or(name);
            if imports.gives(name) || imports.gives(unversioned) {
                return Err(fail(format!(
                    "import `{name}` is WASI's: it cannot be given in `imports`"
                )));
            }
            let versioned = name.contains("@0.2.");
            if !versioned || !WASI_PACKAGES.iter().any(|p| name.starts_with(p)) {
                return Err(fail(format!(
                    "missing import `{name}`: of WASI, only preview 2 (0.2.x) `wasi:cli`, `wasi:clocks`, `wasi:filesystem`, `wasi:io`, `wasi:random` and `wasi:sockets` (every socket refused) are provided"
                )));
            }
            continue;
        }
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
    Ok(Linked {
        linker,
        needs_async: any,
        uses_wasi,
    })
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
