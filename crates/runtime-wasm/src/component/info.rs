//! What a component imports and exports: its world as WIT text, and each
//! top-level import and export by name and kind.

use super::names::{functions, ComponentFunction};
use wasmtime::component::types::{ComponentExtern, ComponentItem};
use wasmtime::Engine;

/// A component's world: `wit` prints it (with the packages it uses), and
/// `imports` / `exports` list its top-level items in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentInfo {
    pub wit: String,
    pub imports: Vec<ComponentItemInfo>,
    pub exports: Vec<ComponentItemInfo>,
    /// Every exported function with its name for `call` and its place on
    /// `instance.exports`.
    pub functions: Vec<ComponentFunction>,
    /// Its exports as TypeScript declarations in jco's shapes (empty when
    /// `wit` is).
    pub dts: String,
}

/// One top-level import or export of a component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentItemInfo {
    /// As the component names it: `"add"`, `"ns:pkg/iface@1.0.0"`.
    pub name: String,
    /// `"func" | "instance" | "resource" | "type" | "module" | "component" | "core func"`.
    pub kind: &'static str,
}

impl ComponentInfo {
    pub(crate) fn of(
        component: &wasmtime::component::Component,
        engine: &Engine,
        binary: &[u8],
    ) -> ComponentInfo {
        let ty = component.component_type();
        ComponentInfo {
            wit: wit(binary),
            imports: items(ty.imports(engine)),
            exports: items(ty.exports(engine)),
            functions: functions(component, engine),
            dts: super::dts::dts(binary),
        }
    }
}

fn items<'a>(list: impl Iterator<Item = (&'a str, ComponentExtern<'a>)>) -> Vec<ComponentItemInfo> {
    list.map(|(name, item)| ComponentItemInfo {
        name: name.to_string(),
        kind: kind(&item.ty),
    })
    .collect()
}

fn kind(item: &ComponentItem) -> &'static str {
    match item {
        ComponentItem::ComponentFunc(_) => "func",
        ComponentItem::CoreFunc(_) => "core func",
        ComponentItem::Module(_) => "module",
        ComponentItem::Component(_) => "component",
        ComponentItem::ComponentInstance(_) => "instance",
        ComponentItem::Type(_) => "type",
        ComponentItem::Resource(_) => "resource",
    }
}

/// The component's world as WIT text, as `wasm-tools component wit` prints
/// it: its own package first, then the packages it uses, nested. Empty for
/// a component whose types WIT cannot express (the engine accepted it, so
/// it is described by its imports and exports alone).
fn wit(binary: &[u8]) -> String {
    let Ok(wit_component::DecodedWasm::Component(resolve, world)) = wit_component::decode(binary)
    else {
        return String::new();
    };
    let Some(main) = resolve.worlds[world].package else {
        return String::new();
    };
    let nested: Vec<_> = resolve
        .packages
        .iter()
        .map(|(id, _)| id)
        .filter(|id| *id != main)
        .collect();
    let mut printer = wit_component::WitPrinter::default();
    match printer.print(&resolve, main, &nested) {
        Ok(()) => printer.output.to_string(),
        Err(_) => String::new(),
    }
}
