//! Component values crossing the boundary with jco's conventions: loosely
//! typed arguments are lowered by the parameter's WIT type, naming the path
//! of whatever does not fit; guest values are lifted into the shapes
//! JavaScript holds (`Lifted`).

use super::names::{is_lower_camel, lower_camel};
use crate::error::{Error, Result};
use crate::registry::InstanceId;
use crate::resources::{ResourceRef, Resources};
use crate::value::{Arg, Lifted};
use std::fmt::Write as _;
use wasmtime::component::{Type, Val};

/// How deeply an embedder's value may nest when it is read for a call: as
/// deep as the deepest type a component may declare (the validator's cap),
/// so a cyclic or absurdly deep JS value is a type error, not a stack
/// overflow.
pub const MAX_VALUE_DEPTH: usize = 100;

/// What lowering reads besides the argument: the resources the host holds
/// for the instance, and those `own` arguments move into the guest (given
/// up once the call is made).
pub(crate) struct Lowering<'a> {
    pub(crate) instance: InstanceId,
    pub(crate) resources: &'a Resources,
    pub(crate) moved: Vec<u64>,
}

/// Where lifted resources go: the instance's held resources.
pub(crate) struct Lifting<'a> {
    pub(crate) instance: InstanceId,
    pub(crate) resources: &'a mut Resources,
}

/// What a component function gave back: its results (none or one), or the
/// error value of the `result<T, E>` it returns, which jco throws (as a
/// `ComponentError` whose `payload` it is).
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Ok(Vec<Lifted>),
    Err(Lifted),
}

/// Where a value sits inside an argument, for errors: built only when one
/// is reported, so a conversion that succeeds allocates no path.
#[derive(Clone, Copy)]
pub(crate) enum Path<'a> {
    /// Argument `n` of function `label`.
    Arg(&'a str, usize),
    /// What host function `label` answered.
    Result(&'a str),
    Field(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    fn render(&self, out: &mut String) {
        match self {
            Path::Arg(label, n) => {
                let _ = write!(out, "`{label}` arg {n}");
            }
            Path::Result(label) => {
                let _ = write!(out, "the result of host function `{label}`");
            }
            Path::Field(up, name) => {
                up.render_under(out);
                let _ = write!(out, ".{name}");
            }
            Path::Index(up, i) => {
                up.render_under(out);
                let _ = write!(out, "[{i}]");
            }
        }
    }

    /// This path as the start of a longer one: a root is followed by a
    /// space (`arg 0 .tags[1]`).
    fn render_under(&self, out: &mut String) {
        self.render(out);
        if matches!(self, Path::Arg(..) | Path::Result(_)) {
            out.push(' ');
        }
    }

    fn fail(&self, why: impl std::fmt::Display) -> Error {
        let mut out = String::new();
        self.render(&mut out);
        let _ = write!(out, ": {why}");
        Error::Type(out)
    }
}

/// How a WIT type is named in errors.
pub(crate) fn type_name(ty: &Type) -> String {
    match ty {
        Type::Bool => "bool".into(),
        Type::S8 => "s8".into(),
        Type::U8 => "u8".into(),
        Type::S16 => "s16".into(),
        Type::U16 => "u16".into(),
        Type::S32 => "s32".into(),
        Type::U32 => "u32".into(),
        Type::S64 => "s64".into(),
        Type::U64 => "u64".into(),
        Type::Float32 => "f32".into(),
        Type::Float64 => "f64".into(),
        Type::Char => "char".into(),
        Type::String => "string".into(),
        Type::List(l) => format!("list<{}>", type_name(&l.ty())),
        Type::Map(_) => "map".into(),
        Type::Record(_) => "a record (an object)".into(),
        Type::Tuple(t) => format!("a tuple of {} (an array)", t.types().len()),
        Type::Variant(_) => "a variant ({ tag, val })".into(),
        Type::Enum(e) => format!("one of {}", e.names().collect::<Vec<_>>().join(", ")),
        Type::Option(o) => format!("option<{}>", type_name(&o.ty())),
        Type::Result(_) => "a result ({ tag: \"ok\" | \"err\", val })".into(),
        Type::Flags(_) => "flags (an object of booleans)".into(),
        Type::Own(_) | Type::Borrow(_) => "a resource".into(),
        Type::Future(_) => "a future".into(),
        Type::Stream(_) => "a stream".into(),
        Type::ErrorContext => "an error-context".into(),
        Type::FixedLengthList(_) => "a fixed-length list".into(),
    }
}

/// Lowers `arg` to a value of `ty`; errors name `path` and what was found.
pub(crate) fn lower(cx: &mut Lowering<'_>, arg: &Arg, ty: &Type, path: &Path<'_>) -> Result<Val> {
    let mismatch = || {
        path.fail(format!(
            "expected {}, got {}",
            type_name(ty),
            arg.describe()
        ))
    };
    Ok(match ty {
        Type::Bool => match arg {
            Arg::Bool(b) => Val::Bool(*b),
            _ => return Err(mismatch()),
        },
        Type::S8 => Val::S8(int(arg, ty, path)?),
        Type::U8 => Val::U8(int(arg, ty, path)?),
        Type::S16 => Val::S16(int(arg, ty, path)?),
        Type::U16 => Val::U16(int(arg, ty, path)?),
        Type::S32 => Val::S32(int(arg, ty, path)?),
        Type::U32 => Val::U32(int(arg, ty, path)?),
        Type::S64 => Val::S64(int(arg, ty, path)?),
        Type::U64 => Val::U64(int(arg, ty, path)?),
        Type::Float32 => match arg {
            Arg::Number(n) => Val::Float32(*n as f32),
            _ => return Err(mismatch()),
        },
        Type::Float64 => match arg {
            Arg::Number(n) => Val::Float64(*n),
            _ => return Err(mismatch()),
        },
        Type::Char => match arg {
            Arg::Str(s) => {
                let mut chars = s.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => Val::Char(c),
                    _ => {
                        return Err(path.fail(format!(
                            "expected char (a string of one character), got a string of {}",
                            s.chars().count()
                        )))
                    }
                }
            }
            _ => return Err(mismatch()),
        },
        Type::String => match arg {
            Arg::Str(s) => Val::String(s.clone()),
            _ => return Err(mismatch()),
        },
        Type::List(list) => {
            let elem = list.ty();
            match (arg, &elem) {
                (Arg::Bytes(b), Type::U8) => Val::List(b.iter().map(|&x| Val::U8(x)).collect()),
                (Arg::List(items), _) => Val::List(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, a)| lower(cx, a, &elem, &Path::Index(path, i)))
                        .collect::<Result<_>>()?,
                ),
                _ => return Err(mismatch()),
            }
        }
        Type::Tuple(tuple) => match arg {
            Arg::List(items) if items.len() == tuple.types().len() => Val::Tuple(
                items
                    .iter()
                    .zip(tuple.types())
                    .enumerate()
                    .map(|(i, (a, t))| lower(cx, a, &t, &Path::Index(path, i)))
                    .collect::<Result<_>>()?,
            ),
            _ => return Err(mismatch()),
        },
        Type::Record(record) => {
            let Arg::Object(props) = arg else {
                return Err(mismatch());
            };
            let mut fields = Vec::with_capacity(record.fields().len());
            for field in record.fields() {
                let found = props.iter().find(|(k, _)| is_lower_camel(k, field.name));
                let val = match (found, &field.ty) {
                    (None | Some((_, Arg::Undefined)), Type::Option(_)) => Val::Option(None),
                    (None, _) => {
                        let key = lower_camel(field.name);
                        let missing = format!("missing ({})", type_name(&field.ty));
                        return Err(Path::Field(path, &key).fail(missing));
                    }
                    (Some((key, a)), t) => lower(cx, a, t, &Path::Field(path, key))?,
                };
                fields.push((field.name.to_string(), val));
            }
            Val::Record(fields)
        }
        Type::Variant(variant) => {
            let (tag, val) = tagged(arg, path, ty)?;
            let case = variant.cases().find(|c| c.name == tag).ok_or_else(|| {
                let names: Vec<_> = variant.cases().map(|c| c.name).collect();
                Path::Field(path, "tag")
                    .fail(format!("expected one of {}, got {tag:?}", names.join(", ")))
            })?;
            Val::Variant(case.name.to_string(), payload(cx, val, case.ty, path)?)
        }
        Type::Enum(e) => match arg {
            Arg::Str(s) if e.names().any(|n| n == s) => Val::Enum(s.clone()),
            Arg::Str(s) => return Err(path.fail(format!("expected {}, got {s:?}", type_name(ty)))),
            _ => return Err(mismatch()),
        },
        Type::Option(option) => {
            let inner = option.ty();
            match (arg, &inner) {
                (Arg::Undefined | Arg::Null, _) => Val::Option(None),
                // `option<option<T>>`: the outer one is `{ tag, val }`.
                (_, Type::Option(_)) => match tagged(arg, path, ty)? {
                    ("none", _) => Val::Option(None),
                    ("some", val) => Val::Option(payload(cx, val, Some(inner), path)?),
                    (tag, _) => {
                        return Err(Path::Field(path, "tag")
                            .fail(format!("expected \"some\" or \"none\", got {tag:?}")))
                    }
                },
                _ => Val::Option(Some(Box::new(lower(cx, arg, &inner, path)?))),
            }
        }
        Type::Result(result) => {
            let (tag, val) = tagged(arg, path, ty)?;
            let side = match tag {
                "ok" => result.ok(),
                "err" => result.err(),
                _ => {
                    return Err(Path::Field(path, "tag")
                        .fail(format!("expected \"ok\" or \"err\", got {tag:?}")))
                }
            };
            let payload = payload(cx, val, side, path)?;
            Val::Result(if tag == "ok" {
                Ok(payload)
            } else {
                Err(payload)
            })
        }
        Type::Flags(flags) => {
            let Arg::Object(props) = arg else {
                return Err(mismatch());
            };
            let names: Vec<(&str, String)> = flags.names().map(|n| (n, lower_camel(n))).collect();
            let mut set = Vec::new();
            for (key, value) in props {
                let Some((name, _)) = names.iter().find(|(_, k)| k == key) else {
                    let known: Vec<_> = names.iter().map(|(_, k)| k.as_str()).collect();
                    return Err(Path::Field(path, key)
                        .fail(format!("no such flag (the flags are {})", known.join(", "))));
                };
                match value {
                    Arg::Bool(true) => set.push(name.to_string()),
                    Arg::Bool(false) | Arg::Undefined => {}
                    other => {
                        return Err(Path::Field(path, key)
                            .fail(format!("expected boolean, got {}", other.describe())))
                    }
                }
            }
            Val::Flags(set)
        }
        Type::Own(rt) | Type::Borrow(rt) => {
            let Arg::Resource(r) = arg else {
                return Err(mismatch());
            };
            Val::Resource(resource(cx, r, rt, matches!(ty, Type::Own(_)), path)?)
        }
        // Maps, futures, streams: a call refuses them before it lowers
        // anything (see `unsupported`).
        _ => {
            return Err(path.fail(format!(
                "values of type {} are not supported yet",
                type_name(ty)
            )))
        }
    })
}

/// The held resource `r` as an argument of resource type `rt`; `own` moves
/// it into the guest.
fn resource(
    cx: &mut Lowering<'_>,
    r: &ResourceRef,
    rt: &wasmtime::component::ResourceType,
    own: bool,
    path: &Path<'_>,
) -> Result<wasmtime::component::ResourceAny> {
    if r.instance != cx.instance {
        return Err(path.fail("a resource of another instance"));
    }
    if cx.moved.contains(&r.id) {
        return Err(path.fail("a resource an earlier argument moves into the guest"));
    }
    let any = cx
        .resources
        .get(r.id)
        .ok_or_else(|| path.fail("a resource that was disposed or moved into the guest"))?;
    if any.ty() != *rt {
        return Err(path.fail(format!(
            "expected resource `{}`, got resource `{}`",
            cx.resources.name(rt),
            cx.resources.name(&any.ty())
        )));
    }
    if own {
        cx.moved.push(r.id);
    }
    Ok(any)
}

/// The `val` of a `{ tag, val }` whose case carries a `ty` (an absent one is
/// `undefined`); `None` for a case without one.
fn payload(
    cx: &mut Lowering<'_>,
    val: Option<&Arg>,
    ty: Option<Type>,
    path: &Path<'_>,
) -> Result<Option<Box<Val>>> {
    let Some(ty) = ty else { return Ok(None) };
    let val = val.unwrap_or(&Arg::Undefined);
    Ok(Some(Box::new(lower(
        cx,
        val,
        &ty,
        &Path::Field(path, "val"),
    )?)))
}

/// Own property `key` of an object.
fn prop<'a>(props: &'a [(String, Arg)], key: &str) -> Option<&'a Arg> {
    props.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// The `tag` (a string) and `val` of a `{ tag, val }` object.
fn tagged<'a>(arg: &'a Arg, path: &Path<'_>, ty: &Type) -> Result<(&'a str, Option<&'a Arg>)> {
    let Arg::Object(props) = arg else {
        return Err(path.fail(format!(
            "expected {}, got {}",
            type_name(ty),
            arg.describe()
        )));
    };
    match prop(props, "tag") {
        Some(Arg::Str(tag)) => Ok((tag, prop(props, "val"))),
        Some(other) => {
            Err(Path::Field(path, "tag").fail(format!("expected string, got {}", other.describe())))
        }
        None => Err(Path::Field(path, "tag").fail("missing")),
    }
}

/// An integer argument in range for the integer type `ty`: a number with
/// no fraction, or (for `u64` / `s64`) a bigint or a safe integer.
fn int<T: TryFrom<i128>>(arg: &Arg, ty: &Type, path: &Path<'_>) -> Result<T> {
    let wide = matches!(ty, Type::S64 | Type::U64);
    let exact = match arg {
        Arg::Number(n) if n.is_finite() && n.fract() == 0.0 => {
            (!wide || n.abs() <= 9_007_199_254_740_991.0).then_some(*n as i128)
        }
        Arg::BigInt { .. } if wide => arg.integer(),
        _ => None,
    };
    let what = match (arg, wide) {
        (Arg::Number(_), false) => "an integer",
        (Arg::Number(_), true) => "a safe integer or a bigint",
        (_, true) => "a bigint",
        _ => "a number",
    };
    let Some(exact) = exact else {
        return Err(path.fail(format!(
            "expected {} ({what}), got {}",
            type_name(ty),
            arg.describe()
        )));
    };
    T::try_from(exact)
        .map_err(|_| path.fail(format!("{exact} is out of range for {}", type_name(ty))))
}

/// Lifts a guest value of `ty` into its JS shape.
pub(crate) fn lift(cx: &mut Lifting<'_>, val: Val, ty: &Type) -> Lifted {
    match (val, ty) {
        (Val::Bool(b), _) => Lifted::Bool(b),
        (Val::S8(v), _) => Lifted::Number(v.into()),
        (Val::U8(v), _) => Lifted::Number(v.into()),
        (Val::S16(v), _) => Lifted::Number(v.into()),
        (Val::U16(v), _) => Lifted::Number(v.into()),
        (Val::S32(v), _) => Lifted::Number(v.into()),
        (Val::U32(v), _) => Lifted::Number(v.into()),
        (Val::S64(v), _) => Lifted::BigInt(v.into()),
        (Val::U64(v), _) => Lifted::BigInt(v.into()),
        (Val::Float32(v), _) => Lifted::Number(v.into()),
        (Val::Float64(v), _) => Lifted::Number(v),
        (Val::Char(c), _) => Lifted::Str(c.to_string()),
        (Val::String(s), _) => Lifted::Str(s),
        (Val::List(items), Type::List(list)) => {
            let elem = list.ty();
            if matches!(elem, Type::U8) {
                let bytes = items.into_iter().map(|v| match v {
                    Val::U8(b) => b,
                    _ => 0,
                });
                return Lifted::Bytes(bytes.collect());
            }
            Lifted::Array(items.into_iter().map(|v| lift(cx, v, &elem)).collect())
        }
        (Val::Tuple(items), Type::Tuple(tuple)) => Lifted::Array(
            items
                .into_iter()
                .zip(tuple.types())
                .map(|(v, t)| lift(cx, v, &t))
                .collect(),
        ),
        (Val::Record(fields), Type::Record(record)) => Lifted::Object(
            fields
                .into_iter()
                .zip(record.fields())
                .map(|((name, v), f)| (lower_camel(&name), lift(cx, v, &f.ty)))
                .collect(),
        ),
        (Val::Variant(tag, payload), Type::Variant(variant)) => {
            let case = variant.cases().find(|c| c.name == tag).and_then(|c| c.ty);
            tag_val(cx, tag, payload.zip(case))
        }
        (Val::Enum(name), _) => Lifted::Str(name),
        (Val::Option(v), Type::Option(option)) => {
            let inner = option.ty();
            match (v, matches!(inner, Type::Option(_))) {
                (None, false) => Lifted::Undefined,
                (Some(v), false) => lift(cx, *v, &inner),
                (None, true) => tag_val(cx, "none".into(), None),
                (Some(v), true) => tag_val(cx, "some".into(), Some((v, inner))),
            }
        }
        (Val::Result(r), Type::Result(result)) => match r {
            Ok(v) => tag_val(cx, "ok".into(), v.zip(result.ok())),
            Err(v) => tag_val(cx, "err".into(), v.zip(result.err())),
        },
        (Val::Flags(set), Type::Flags(flags)) => Lifted::Object(
            flags
                .names()
                .map(|n| (lower_camel(n), Lifted::Bool(set.iter().any(|s| s == n))))
                .collect(),
        ),
        (Val::Resource(any), _) => {
            let id = cx.resources.hold(any);
            Lifted::Resource {
                handle: ResourceRef {
                    instance: cx.instance,
                    id,
                },
                class: cx.resources.name(&any.ty()),
            }
        }
        // Types a call refuses before it runs (see `unsupported`), and
        // values that do not match their type, which the engine never
        // produces.
        _ => Lifted::Undefined,
    }
}

/// `{ tag, val }`, without `val` for a case that carries none.
fn tag_val(cx: &mut Lifting<'_>, tag: String, payload: Option<(Box<Val>, Type)>) -> Lifted {
    let mut props = vec![("tag".to_string(), Lifted::Str(tag))];
    if let Some((v, t)) = payload {
        props.push(("val".to_string(), lift(cx, *v, &t)));
    }
    Lifted::Object(props)
}

/// The first part of `ty` a call cannot convert yet, named; `None` when
/// every part converts.
pub(crate) fn unsupported(ty: &Type) -> Option<String> {
    let first =
        |mut types: Box<dyn Iterator<Item = Type> + '_>| types.find_map(|t| unsupported(&t));
    match ty {
        Type::List(l) => unsupported(&l.ty()),
        Type::Option(o) => unsupported(&o.ty()),
        Type::Tuple(t) => first(Box::new(t.types())),
        Type::Record(r) => first(Box::new(r.fields().map(|f| f.ty))),
        Type::Variant(v) => first(Box::new(v.cases().filter_map(|c| c.ty))),
        Type::Result(r) => first(Box::new(r.ok().into_iter().chain(r.err()))),
        Type::Map(_)
        | Type::Future(_)
        | Type::Stream(_)
        | Type::ErrorContext
        | Type::FixedLengthList(_) => Some(type_name(ty)),
        _ => None,
    }
}

/// The results in jco's shapes; a function returning `result<T, E>` gives
/// `T` (`undefined` without one) or answers with its error.
pub(crate) fn answer(cx: &mut Lifting<'_>, out: Vec<Val>, types: &[Type]) -> Answer {
    let mut lifted = Vec::with_capacity(out.len());
    for (val, ty) in out.into_iter().zip(types) {
        match (val, ty) {
            (Val::Result(r), Type::Result(rt)) => match r {
                Ok(v) => lifted.push(side(cx, v, rt.ok())),
                Err(e) => return Answer::Err(side(cx, e, rt.err())),
            },
            (val, ty) => lifted.push(lift(cx, val, ty)),
        }
    }
    Answer::Ok(lifted)
}

/// One side of a `result`: its payload, or `undefined` without one.
fn side(cx: &mut Lifting<'_>, val: Option<Box<Val>>, ty: Option<Type>) -> Lifted {
    match (val, ty) {
        (Some(v), Some(t)) => lift(cx, *v, &t),
        _ => Lifted::Undefined,
    }
}
