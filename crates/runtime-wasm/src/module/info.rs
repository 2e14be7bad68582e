//! What a module imports and exports, with types in the names embedders use,
//! each export's index and the import it passes on.

use crate::value::{ref_type_name, type_name};
use std::collections::HashMap;
use wasmparser::{ExternalKind, Payload, TypeRef};
use wasmtime::{ExternType, Mutability};

/// The shape of one import or export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExternInfo {
    Func {
        params: Vec<String>,
        results: Vec<String>,
    },
    Memory {
        minimum: u64,
        maximum: Option<u64>,
        shared: bool,
        memory64: bool,
    },
    Table {
        element: String,
        minimum: u64,
        maximum: Option<u64>,
        table64: bool,
    },
    Global {
        ty: String,
        mutable: bool,
    },
    Tag {
        params: Vec<String>,
    },
}

impl ExternInfo {
    /// `"func" | "memory" | "table" | "global" | "tag"`.
    pub fn kind(&self) -> &'static str {
        match self {
            ExternInfo::Func { .. } => "func",
            ExternInfo::Memory { .. } => "memory",
            ExternInfo::Table { .. } => "table",
            ExternInfo::Global { .. } => "global",
            ExternInfo::Tag { .. } => "tag",
        }
    }

    pub(crate) fn of(ty: &ExternType) -> ExternInfo {
        match ty {
            ExternType::Func(f) => ExternInfo::Func {
                params: f.params().map(|t| type_name(&t)).collect(),
                results: f.results().map(|t| type_name(&t)).collect(),
            },
            ExternType::Memory(m) => ExternInfo::Memory {
                minimum: m.minimum(),
                maximum: m.maximum(),
                shared: m.is_shared(),
                memory64: m.is_64(),
            },
            ExternType::Table(t) => ExternInfo::Table {
                element: ref_type_name(t.element()),
                minimum: t.minimum(),
                maximum: t.maximum(),
                table64: t.is_64(),
            },
            ExternType::Global(g) => ExternInfo::Global {
                ty: type_name(g.content()),
                mutable: g.mutability() == Mutability::Var,
            },
            ExternType::Tag(t) => ExternInfo::Tag {
                params: t.ty().params().map(|t| type_name(&t)).collect(),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportInfo {
    pub module: String,
    pub name: String,
    pub ty: ExternInfo,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportInfo {
    pub name: String,
    pub ty: ExternInfo,
    /// The exported item's index among the module's items of its kind
    /// (functions, tables, memories, globals or tags; imported ones first):
    /// the WebAssembly JS API names an exported function by it.
    pub index: u32,
    /// The import this export passes on, as its position in
    /// `ModuleInfo::imports`: an embedder gives back the very object that
    /// was imported, as the JS API does.
    pub reexport: Option<usize>,
}

/// Everything a module imports and exports, in declaration order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleInfo {
    pub imports: Vec<ImportInfo>,
    pub exports: Vec<ExportInfo>,
}

impl ModuleInfo {
    /// `module`'s imports and exports; `binary`, the bytes it was compiled
    /// from, gives each export's index and the import it passes on.
    pub(crate) fn of(module: &wasmtime::Module, binary: &[u8]) -> ModuleInfo {
        let Indices { exports, imported } = Indices::of(binary);
        ModuleInfo {
            imports: module
                .imports()
                .map(|i| ImportInfo {
                    module: i.module().to_string(),
                    name: i.name().to_string(),
                    ty: ExternInfo::of(&i.ty()),
                })
                .collect(),
            exports: module
                .exports()
                .map(|e| {
                    let (kind, index) = exports.get(e.name()).copied().unwrap_or((0, 0));
                    ExportInfo {
                        name: e.name().to_string(),
                        ty: ExternInfo::of(&e.ty()),
                        index,
                        reexport: imported[kind].get(index as usize).copied(),
                    }
                })
                .collect(),
        }
    }
}

/// The index spaces a module's items live in, as numbers.
fn space(kind: ExternalKind) -> usize {
    match kind {
        ExternalKind::Func | ExternalKind::FuncExact => 0,
        ExternalKind::Table => 1,
        ExternalKind::Memory => 2,
        ExternalKind::Global => 3,
        ExternalKind::Tag => 4,
    }
}

/// Where a module's items are, read from its import and export sections.
#[derive(Default)]
struct Indices {
    /// Each export's index space and index, by name.
    exports: HashMap<String, (usize, u32)>,
    /// For each index space, the positions (among all imports) of the
    /// imports in it, in order: its first items.
    imported: [Vec<usize>; 5],
}

impl Indices {
    fn of(binary: &[u8]) -> Indices {
        let Indices {
            mut exports,
            mut imported,
        } = Indices::default();
        for payload in wasmparser::Parser::new(0).parse_all(binary) {
            match payload {
                Ok(Payload::ImportSection(section)) => {
                    for (position, import) in section.into_imports().enumerate() {
                        let Ok(import) = import else { break };
                        let kind = match import.ty {
                            TypeRef::Func(_) | TypeRef::FuncExact(_) => 0,
                            TypeRef::Table(_) => 1,
                            TypeRef::Memory(_) => 2,
                            TypeRef::Global(_) => 3,
                            TypeRef::Tag(_) => 4,
                        };
                        imported[kind].push(position);
                    }
                }
                Ok(Payload::ExportSection(section)) => {
                    for export in section.into_iter().flatten() {
                        exports.insert(export.name.to_string(), (space(export.kind), export.index));
                    }
                }
                Ok(Payload::CodeSectionStart { .. }) | Err(_) => break,
                Ok(_) => {}
            }
        }
        Indices { exports, imported }
    }
}
