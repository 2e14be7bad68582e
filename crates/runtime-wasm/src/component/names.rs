//! The names of a component's functions: each one's name for `call`
//! (`"add"`, `"ns:pkg/iface@1.0.0#fn"`), the shorter forms `call` also takes,
//! and its place in jco's JS shape (lowerCamelCase members, UpperCamelCase
//! resource classes).

use wasmtime::component::types::ComponentItem;
use wasmtime::Engine;

/// One exported function of a component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentFunction {
    /// The name `call` takes: `"add"`, `"test:types/api@0.1.0#echo-string"`,
    /// `"test:types/api@0.1.0#[method]counter.get"`.
    pub name: String,
    /// Where `instance.exports` puts it, as jco does: `["add"]`,
    /// `["api", "echoString"]`, `["api", "Counter", "get"]`.
    pub path: Vec<String>,
    /// `"func"`, or for a resource's: `"constructor" | "method" | "static"`.
    pub kind: &'static str,
}

/// `some-name` as `someName` (jco's members and record keys): the first
/// word lower case, each later one capitalized.
pub(crate) fn lower_camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for (i, word) in name.split('-').enumerate() {
        if i == 0 {
            out.push_str(&word.to_lowercase());
        } else {
            capitalized(word, &mut out);
        }
    }
    out
}

/// Whether `key` is `lower_camel(name)`, without building it (a record's
/// fields are looked up on every call).
pub(crate) fn is_lower_camel(key: &str, name: &str) -> bool {
    let mut key = key.chars();
    for (i, word) in name.split('-').enumerate() {
        for (j, c) in word.chars().enumerate() {
            let mut want = if i > 0 && j == 0 {
                Either::Upper(c.to_uppercase())
            } else {
                Either::Lower(c.to_lowercase())
            };
            if !want.all(|w| key.next() == Some(w)) {
                return false;
            }
        }
    }
    key.next().is_none()
}

/// One character's case mapping, either way.
enum Either {
    Upper(std::char::ToUppercase),
    Lower(std::char::ToLowercase),
}

impl Iterator for Either {
    type Item = char;
    fn next(&mut self) -> Option<char> {
        match self {
            Either::Upper(u) => u.next(),
            Either::Lower(l) => l.next(),
        }
    }
}

/// `some-name` as `SomeName` (jco's resource classes).
pub(crate) fn upper_camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    name.split('-').for_each(|w| capitalized(w, &mut out));
    out
}

fn capitalized(word: &str, out: &mut String) {
    let mut chars = word.chars();
    if let Some(c) = chars.next() {
        out.extend(c.to_uppercase());
        out.push_str(&chars.as_str().to_lowercase());
    }
}

/// The short name of interface `ns:pkg/iface@1.0.0`: `iface`.
fn short(interface: &str) -> &str {
    let name = interface.rsplit('/').next().unwrap_or(interface);
    name.split('@').next().unwrap_or(name)
}

/// `ns:pkg/iface@1.0.0` without its version.
fn unversioned(interface: &str) -> &str {
    interface.split('@').next().unwrap_or(interface)
}

/// Every exported function, top-level ones and those of exported
/// interfaces, in export order.
pub(crate) fn functions(
    component: &wasmtime::component::Component,
    engine: &Engine,
) -> Vec<ComponentFunction> {
    let ty = component.component_type();
    let mut out = Vec::new();
    for (name, item) in ty.exports(engine) {
        match item.ty {
            ComponentItem::ComponentFunc(_) => out.push(ComponentFunction {
                name: name.to_string(),
                path: vec![lower_camel(name)],
                kind: "func",
            }),
            ComponentItem::ComponentInstance(instance) => {
                let object = lower_camel(short(name));
                for (func, item) in instance.exports(engine) {
                    if let ComponentItem::ComponentFunc(_) = item.ty {
                        let (kind, mut path) = member_path(func);
                        path.insert(0, object.clone());
                        out.push(ComponentFunction {
                            name: format!("{name}#{func}"),
                            path,
                            kind,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// A function of an interface in jco's shape: `["echoString"]`, or for a
/// resource's `["Counter"]` (its constructor), `["Counter", "get"]`
/// (a method, on its objects) and `["Counter", "make"]` (static).
fn member_path(func: &str) -> (&'static str, Vec<String>) {
    if let Some(resource) = func.strip_prefix("[constructor]") {
        return ("constructor", vec![upper_camel(resource)]);
    }
    for (prefix, kind) in [("[method]", "method"), ("[static]", "static")] {
        if let Some(rest) = func.strip_prefix(prefix) {
            if let Some((resource, name)) = rest.split_once('.') {
                return (kind, vec![upper_camel(resource), lower_camel(name)]);
            }
        }
    }
    ("func", vec![lower_camel(func)])
}

/// The function `name` names: its full name exactly, or an interface
/// function as `ns:pkg/iface#fn` (no version) or `iface#fn` where only one
/// exported interface has that short name. `Err` says why not.
pub(crate) fn resolve<'a>(
    functions: &'a [ComponentFunction],
    name: &str,
) -> std::result::Result<&'a ComponentFunction, String> {
    if let Some(f) = functions.iter().find(|f| f.name == name) {
        return Ok(f);
    }
    let missing = || format!("no exported function named `{name}`");
    let (interface, func) = name.split_once('#').ok_or_else(missing)?;
    let found: Vec<&ComponentFunction> = functions
        .iter()
        .filter(|f| match f.name.split_once('#') {
            Some((i, f)) => f == func && (unversioned(i) == interface || short(i) == interface),
            None => false,
        })
        .collect();
    match found.as_slice() {
        [one] => Ok(one),
        [] => Err(missing()),
        many => Err(format!(
            "`{name}` is ambiguous: it could be {}",
            many.iter()
                .map(|f| format!("`{}`", f.name))
                .collect::<Vec<_>>()
                .join(" or ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_jco() {
        assert_eq!(lower_camel("echo-string"), "echoString");
        assert_eq!(lower_camel("add"), "add");
        assert_eq!(lower_camel("get-HTTP-url"), "getHttpUrl");
        for name in ["echo-string", "add", "get-HTTP-url", "a-b-c"] {
            assert!(is_lower_camel(&lower_camel(name), name), "{name}");
        }
        assert!(!is_lower_camel("echostring", "echo-string"));
        assert!(!is_lower_camel("echoStrin", "echo-string"));
        assert!(!is_lower_camel("echoStrings", "echo-string"));
        assert_eq!(upper_camel("counter"), "Counter");
        assert_eq!(upper_camel("output-stream"), "OutputStream");
        assert_eq!(short("test:types/api@0.1.0"), "api");
        assert_eq!(unversioned("test:types/api@0.1.0"), "test:types/api");
        assert_eq!(
            member_path("[method]counter.get-value").1,
            ["Counter", "getValue"]
        );
        assert_eq!(member_path("[static]counter.make").0, "static");
        assert_eq!(member_path("[constructor]counter").1, ["Counter"]);
    }

    #[test]
    fn short_names_resolve_when_unique() {
        let f = |name: &str| ComponentFunction {
            name: name.into(),
            path: vec![],
            kind: "func",
        };
        let fns = [
            f("add"),
            f("a:b/api@1.0.0#run"),
            f("c:d/api#run"),
            f("a:b/util#run"),
        ];
        assert_eq!(resolve(&fns, "add").unwrap().name, "add");
        assert_eq!(
            resolve(&fns, "a:b/api#run").unwrap().name,
            "a:b/api@1.0.0#run"
        );
        assert_eq!(resolve(&fns, "util#run").unwrap().name, "a:b/util#run");
        assert!(resolve(&fns, "api#run").unwrap_err().contains("ambiguous"));
        assert!(resolve(&fns, "nope")
            .unwrap_err()
            .contains("no exported function"));
    }
}
