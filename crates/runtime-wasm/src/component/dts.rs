//! A component's exports as TypeScript declarations in jco's shapes (what
//! `runtime-wasm inspect --dts` prints): a namespace per exported interface
//! with its named types, resource classes and functions.

use super::names::{lower_camel, upper_camel};
use std::fmt::Write as _;
use wit_parser::{
    Function, FunctionKind, Handle, InterfaceId, Resolve, Type, TypeDefKind, TypeId, TypeOwner,
    WorldItem, WorldKey,
};

/// The declarations of the exports of the component `binary`; empty when
/// its types cannot be told from its binary (see `info::wit`).
pub(crate) fn dts(binary: &[u8]) -> String {
    let Ok(wit_component::DecodedWasm::Component(resolve, world)) = wit_component::decode(binary)
    else {
        return String::new();
    };
    let mut out = String::from(
        "// The exports of this component as runtime-wasm (and jco) give them:\n\
         // `instantiate<typeof import(\"./this-file.js\")>(id)` types `instance.exports`.\n",
    );
    let exports = resolve.worlds[world].exports.clone();
    let printer = Printer {
        resolve: &resolve,
        exported: exports
            .values()
            .filter_map(|item| match item {
                WorldItem::Interface { id, .. } => Some(*id),
                _ => None,
            })
            .collect(),
    };
    for (key, item) in &exports {
        match item {
            WorldItem::Interface { id, .. } => printer.interface(&mut out, key, *id),
            WorldItem::Function(f) => {
                let _ = writeln!(out, "export declare {}", printer.function(f, None));
            }
            WorldItem::Type { .. } => {}
        }
    }
    out
}

struct Printer<'a> {
    resolve: &'a Resolve,
    /// The exported interfaces: their types are named as `ns.Name`.
    exported: Vec<InterfaceId>,
}

impl Printer<'_> {
    fn interface(&self, out: &mut String, key: &WorldKey, id: InterfaceId) {
        let iface = &self.resolve.interfaces[id];
        let name = self.namespace(id);
        let _ = writeln!(out, "\nexport declare namespace {name} {{");
        for (type_name, &ty) in &iface.types {
            let def = &self.resolve.types[ty];
            let upper = upper_camel(type_name);
            match &def.kind {
                TypeDefKind::Resource => self.resource(out, id, type_name, &upper),
                TypeDefKind::Record(r) => {
                    let _ = writeln!(out, "  export interface {upper} {{");
                    for f in &r.fields {
                        let optional = matches!(self.unalias(&f.ty), Some(TypeDefKind::Option(_)));
                        let mark = if optional { "?" } else { "" };
                        let _ = writeln!(
                            out,
                            "    {}{mark}: {};",
                            lower_camel(&f.name),
                            self.ty(&f.ty)
                        );
                    }
                    let _ = writeln!(out, "  }}");
                }
                TypeDefKind::Flags(f) => {
                    let _ = writeln!(out, "  export interface {upper} {{");
                    for flag in &f.flags {
                        let _ = writeln!(out, "    {}?: boolean;", lower_camel(&flag.name));
                    }
                    let _ = writeln!(out, "  }}");
                }
                _ => {
                    let _ = writeln!(
                        out,
                        "  export type {upper} = {};",
                        self.structure(&def.kind)
                    );
                }
            }
        }
        for f in iface.functions.values() {
            if matches!(
                f.kind,
                FunctionKind::Freestanding | FunctionKind::AsyncFreestanding
            ) {
                let _ = writeln!(out, "  export {}", self.function(f, None));
            }
        }
        let _ = writeln!(out, "}}");
        if let WorldKey::Interface(_) = key {
            if let Some(full) = self.resolve.id_of(id) {
                let _ = writeln!(out, "export {{ {name} as \"{full}\" }};");
            }
        }
    }

    /// A resource's class: its constructor, methods and static functions.
    fn resource(&self, out: &mut String, iface: InterfaceId, wit: &str, class: &str) {
        let _ = writeln!(out, "  export class {class} {{");
        let mut has_ctor = false;
        for f in self.resolve.interfaces[iface].functions.values() {
            let of = |t: &TypeId| self.resolve.types[*t].name.as_deref() == Some(wit);
            match &f.kind {
                FunctionKind::Constructor(t) if of(t) => {
                    has_ctor = true;
                    let _ = writeln!(out, "    constructor({});", self.params(&f.params));
                }
                FunctionKind::Method(t) | FunctionKind::AsyncMethod(t) if of(t) => {
                    let _ = writeln!(
                        out,
                        "    {}",
                        self.function(f, Some(1)).trim_start_matches("function ")
                    );
                }
                FunctionKind::Static(t) | FunctionKind::AsyncStatic(t) if of(t) => {
                    let _ = writeln!(
                        out,
                        "    static {}",
                        self.function(f, Some(0)).trim_start_matches("function ")
                    );
                }
                _ => {}
            }
        }
        if !has_ctor {
            let _ = writeln!(out, "    private constructor();");
        }
        let _ = writeln!(out, "    [Symbol.dispose](): void;\n  }}");
    }

    /// `function name(params): result;` — for a resource's function, its
    /// name after the resource's (`skip`: parameters taken by `self`).
    fn function(&self, f: &Function, skip: Option<usize>) -> String {
        let name = match skip {
            Some(_) => f.name.rsplit('.').next().unwrap_or(&f.name),
            None => &f.name,
        };
        let params = &f.params[skip.unwrap_or(0)..];
        let result = match &f.result {
            None => "void".to_string(),
            Some(ty) => match self.unalias(ty) {
                // A returned result is its `ok` value; its `err` is thrown.
                Some(TypeDefKind::Result(r)) => r.ok.as_ref().map_or("void".into(), |t| self.ty(t)),
                _ => self.ty(ty),
            },
        };
        format!(
            "function {}({}): {result};",
            lower_camel(name),
            self.params(params)
        )
    }

    fn params(&self, params: &[wit_parser::Param]) -> String {
        let list: Vec<String> = params
            .iter()
            .map(|p| format!("{}: {}", lower_camel(&p.name), self.ty(&p.ty)))
            .collect();
        list.join(", ")
    }

    /// The definition behind aliases, for a type defined by one.
    fn unalias(&self, ty: &Type) -> Option<&TypeDefKind> {
        let mut ty = *ty;
        loop {
            let Type::Id(id) = ty else { return None };
            match &self.resolve.types[id].kind {
                TypeDefKind::Type(inner) => ty = *inner,
                kind => return Some(kind),
            }
        }
    }

    /// A type as TypeScript: named types of an exported interface by name.
    fn ty(&self, ty: &Type) -> String {
        match ty {
            Type::Bool => "boolean".into(),
            Type::U8 | Type::U16 | Type::U32 | Type::S8 | Type::S16 | Type::S32 => "number".into(),
            Type::F32 | Type::F64 => "number".into(),
            Type::U64 | Type::S64 => "bigint".into(),
            Type::Char | Type::String => "string".into(),
            Type::ErrorContext => "unknown".into(),
            Type::Id(id) => {
                let def = &self.resolve.types[*id];
                match (&def.name, def.owner) {
                    (Some(name), TypeOwner::Interface(owner)) if self.exported.contains(&owner) => {
                        format!("{}.{}", self.namespace(owner), upper_camel(name))
                    }
                    _ => self.structure(&def.kind),
                }
            }
        }
    }

    /// A type's structure, in jco's shapes.
    fn structure(&self, kind: &TypeDefKind) -> String {
        let tagged = |tag: &str, val: Option<&Type>| match val {
            Some(t) => format!("{{ tag: \"{tag}\"; val: {} }}", self.ty(t)),
            None => format!("{{ tag: \"{tag}\" }}"),
        };
        match kind {
            TypeDefKind::Record(r) => {
                let fields: Vec<String> = r
                    .fields
                    .iter()
                    .map(|f| format!("{}: {}", lower_camel(&f.name), self.ty(&f.ty)))
                    .collect();
                format!("{{ {} }}", fields.join("; "))
            }
            TypeDefKind::Flags(f) => {
                let flags: Vec<String> = f
                    .flags
                    .iter()
                    .map(|x| format!("{}?: boolean", lower_camel(&x.name)))
                    .collect();
                format!("{{ {} }}", flags.join("; "))
            }
            TypeDefKind::Tuple(t) => {
                let items: Vec<String> = t.types.iter().map(|t| self.ty(t)).collect();
                format!("[{}]", items.join(", "))
            }
            TypeDefKind::Variant(v) => {
                let cases: Vec<String> = v
                    .cases
                    .iter()
                    .map(|c| tagged(&c.name, c.ty.as_ref()))
                    .collect();
                cases.join(" | ")
            }
            TypeDefKind::Enum(e) => {
                let cases: Vec<String> =
                    e.cases.iter().map(|c| format!("\"{}\"", c.name)).collect();
                cases.join(" | ")
            }
            TypeDefKind::Option(t) => match self.unalias(t) {
                Some(TypeDefKind::Option(_)) => {
                    format!("{} | {}", tagged("none", None), tagged("some", Some(t)))
                }
                _ => format!("{} | undefined", self.ty(t)),
            },
            TypeDefKind::Result(r) => {
                format!(
                    "{} | {}",
                    tagged("ok", r.ok.as_ref()),
                    tagged("err", r.err.as_ref())
                )
            }
            TypeDefKind::List(Type::U8) => "Uint8Array".into(),
            TypeDefKind::List(t) => format!("Array<{}>", self.ty(t)),
            TypeDefKind::Handle(Handle::Own(t) | Handle::Borrow(t)) => self.ty(&Type::Id(*t)),
            TypeDefKind::Type(t) => self.ty(t),
            TypeDefKind::Resource => "unknown".into(),
            _ => "unknown".into(),
        }
    }

    /// The namespace of an exported interface: its lowerCamelCase name.
    fn namespace(&self, id: InterfaceId) -> String {
        lower_camel(
            self.resolve.interfaces[id]
                .name
                .as_deref()
                .unwrap_or("exports"),
        )
    }
}
