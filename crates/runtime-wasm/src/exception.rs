//! Exceptions across the boundary: a wasm exception nothing caught leaves a
//! call as its tag and payload; what a host function throws enters the guest
//! as a wasm exception it can catch (`catch_all` catches any of them).

use crate::error::{Error, Exception, HostError, HostFailure, Result, TagRef, Throw};
use crate::store::StoreData;
use crate::value::{type_name, Arg, ExternValue, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use wasmtime::{
    AsContext, AsContextMut, ExnRef, ExnRefPre, ExnType, FuncType, OwnedRooted, RootScope, Rooted,
    Tag, TagType, ThrownException, ValType,
};

/// Numbers for guest tags: one sequence for the process, so a number
/// names one tag of one store.
static NEXT_TAG: AtomicU64 = AtomicU64::new(1);

/// The embedder's name for `tag`, numbering it if it is new.
pub(crate) fn tag_ref(mut store: impl AsContextMut<Data = StoreData>, tag: Tag) -> TagRef {
    let mut store = store.as_context_mut();
    let ex = &store.data().exceptions;
    let (host, seen) = (ex.host.clone(), ex.seen.clone());
    if let Some((id, _)) = host.iter().find(|(_, t)| Tag::eq(t, &tag, &store)) {
        return TagRef::Host(*id);
    }
    if let Some((id, _)) = seen.iter().find(|(_, t)| Tag::eq(t, &tag, &store)) {
        return TagRef::Guest(*id);
    }
    let id = NEXT_TAG.fetch_add(1, Ordering::Relaxed);
    store.data_mut().exceptions.seen.push((id, tag));
    TagRef::Guest(id)
}

/// The tag standing for the embedder's tag `id` in this store, made (of
/// type `ty`, the import's) the first time; `params`, the embedder's
/// parameter types, must be the import's.
pub(crate) fn host_tag(
    mut store: impl AsContextMut<Data = StoreData>,
    id: u64,
    params: &[String],
    ty: &TagType,
    label: &str,
) -> Result<Tag> {
    expect_params(ty, params, label)?;
    let mut store = store.as_context_mut();
    if let Some((_, t)) = store.data().exceptions.host.iter().find(|(i, _)| *i == id) {
        return Ok(*t);
    }
    let made = Tag::new(&mut store, ty).map_err(|e| Error::Instantiate {
        message: format!("import `{label}`: {}", crate::error::describe(&e)),
        trap: None,
    })?;
    store.data_mut().exceptions.host.push((id, made));
    Ok(made)
}

/// 5001 unless an import of tag type `ty` takes the parameters `given`.
fn expect_params(ty: &TagType, given: &[String], label: &str) -> Result<()> {
    let wanted: Vec<String> = ty.ty().params().map(|t| type_name(&t)).collect();
    if wanted == given {
        return Ok(());
    }
    Err(Error::Instantiate {
        message: format!(
            "import `{label}` is a tag with parameters ({}), but the tag given has ({})",
            wanted.join(", "),
            given.join(", ")
        ),
        trap: None,
    })
}

/// The tag `tag` names in this store, if it is one of the store's.
fn find(mut store: impl AsContextMut<Data = StoreData>, tag: TagRef) -> Option<Tag> {
    let store = store.as_context_mut();
    let ex = &store.data().exceptions;
    let (list, id) = match tag {
        TagRef::Host(id) => (&ex.host, id),
        TagRef::Guest(id) => (&ex.seen, id),
    };
    list.iter().find(|(i, _)| *i == id).map(|(_, t)| *t)
}

/// Turns what a host function failed with into the error its guest sees:
/// a thrown value (`Error::Host`) or tagged exception (`Error::Throw`)
/// becomes a wasm exception the guest may catch; anything else (a limit, a
/// bad result) ends the call as before.
pub(crate) fn throw_into(
    mut store: impl AsContextMut<Data = StoreData>,
    err: Error,
) -> wasmtime::Error {
    let mut scope = RootScope::new(&mut store);
    // `remember`: the exception's payload does not carry what was thrown,
    // so the store keeps it beside the exception for the rest of the call.
    let (exn, original, remember) = match err {
        Error::Throw(t) => {
            let Throw {
                tag,
                payload,
                original,
            } = *t;
            match find(&mut scope, tag) {
                Some(tag) => match tagged(&mut scope, tag, &payload) {
                    Ok(exn) => (exn, original, true),
                    Err(e) => return wasmtime::Error::new(HostFailure(e)),
                },
                // A tag of another store: no guest here can name it, so
                // it travels as what was thrown, for `catch_all` only.
                None => match as_value(&mut scope, &original, true) {
                    Ok(exn) => (exn, original, false),
                    Err(_) => return wasmtime::Error::new(HostFailure(Error::Host(original))),
                },
            }
        }
        Error::Host(original) => match as_value(&mut scope, &original, false) {
            Ok(exn) => (exn, original, false),
            Err(_) => return wasmtime::Error::new(HostFailure(Error::Host(original))),
        },
        other => return wasmtime::Error::new(HostFailure(other)),
    };
    if remember {
        let Ok(owned) = exn.to_owned_rooted(&mut scope) else {
            return wasmtime::Error::new(HostFailure(Error::Host(original)));
        };
        let mut store = scope.as_context_mut();
        let thrown = &mut store.data_mut().exceptions.thrown;
        // A guest catching in a loop cannot grow the store without bound:
        // past the cap the oldest are forgotten (one of them leaving the
        // call later is a new exception of the same tag and payload).
        if thrown.len() == MAX_REMEMBERED {
            thrown.pop_front();
        }
        thrown.push_back((owned, original));
    }
    let thrown = scope.as_context_mut().throw::<()>(exn);
    thrown.err().unwrap_or_else(|| {
        wasmtime::Error::new(HostFailure(Error::Call {
            message: "the host function's exception could not be thrown".into(),
            trap: None,
        }))
    })
}

/// How many tagged exceptions host functions threw one call remembers.
const MAX_REMEMBERED: usize = 1024;

/// A new exception of `tag` carrying `payload`, converted by its types.
fn tagged(
    store: &mut RootScope<impl AsContextMut<Data = StoreData>>,
    tag: Tag,
    payload: &[Arg],
) -> Result<Rooted<ExnRef>> {
    let ty = tag.ty(&*store);
    let params: Vec<ValType> = ty.ty().params().collect();
    if params.len() != payload.len() {
        return Err(Error::Type(format!(
            "the exception's tag takes {} values, got {}",
            params.len(),
            payload.len()
        )));
    }
    let mut vals = Vec::with_capacity(params.len());
    for (i, (p, arg)) in params.iter().zip(payload).enumerate() {
        vals.push(arg.to_val_in(&mut *store, p, &format!("exception payload {i}"))?);
    }
    let exn_ty =
        ExnType::from_tag_type(&ty).map_err(|e| Error::Type(crate::error::describe(&e)))?;
    let pre = ExnRefPre::new(&mut *store, exn_ty);
    ExnRef::new(&mut *store, &pre, &tag, &vals).map_err(|e| {
        Error::LimitExceeded(format!(
            "no room for an exception: {}",
            crate::error::describe(&e)
        ))
    })
}

/// The store's value tag (or, `foreign`, its foreign tag), made the first time.
fn value_tag(
    mut store: impl AsContextMut<Data = StoreData>,
    foreign: bool,
) -> wasmtime::Result<Tag> {
    let mut store = store.as_context_mut();
    let ex = &store.data().exceptions;
    if let Some(t) = if foreign {
        ex.foreign_tag
    } else {
        ex.value_tag
    } {
        return Ok(t);
    }
    let ty = FuncType::new(store.engine(), [ValType::EXTERNREF], []);
    let made = Tag::new(&mut store, &TagType::new(ty))?;
    let ex = &mut store.data_mut().exceptions;
    *if foreign {
        &mut ex.foreign_tag
    } else {
        &mut ex.value_tag
    } = Some(made);
    Ok(made)
}

/// The value tag for an import of type `ty` (`Import::ValueTag`): it must
/// take one `externref`.
pub(crate) fn value_tag_for(
    store: impl AsContextMut<Data = StoreData>,
    ty: &TagType,
    label: &str,
) -> Result<Tag> {
    expect_params(ty, &["externref".to_string()], label)?;
    value_tag(store, false).map_err(|e| Error::Instantiate {
        message: format!("import `{label}`: {}", crate::error::describe(&e)),
        trap: None,
    })
}

/// A new exception of the store's value tag (or foreign tag) carrying
/// `value` as an externref.
fn as_value(
    store: &mut RootScope<impl AsContextMut<Data = StoreData>>,
    value: &HostError,
    foreign: bool,
) -> Result<Rooted<ExnRef>> {
    let tag = value_tag(&mut *store, foreign)
        .map_err(|e| Error::LimitExceeded(crate::error::describe(&e)))?;
    let held = Arg::Extern(ExternValue {
        value: value.0.clone(),
        kind: "thrown value",
    });
    tagged(store, tag, &[held])
}

/// The error a call ends with when `err` is an exception no guest caught:
/// what a host function threw, if it threw that very exception (or any
/// value), else the exception's tag and payload. `Err(err)` when it is no
/// exception.
pub(crate) fn uncaught(
    mut store: impl AsContextMut<Data = StoreData>,
    err: wasmtime::Error,
) -> Result<Error, wasmtime::Error> {
    if !err.is::<ThrownException>() {
        return Err(err);
    }
    let mut scope = RootScope::new(&mut store);
    let Some(exn) = scope.as_context_mut().take_pending_exception() else {
        return Err(err);
    };
    Ok(describe(&mut scope, &exn).unwrap_or_else(|e| e))
}

fn describe(
    store: &mut RootScope<impl AsContextMut<Data = StoreData>>,
    exn: &Rooted<ExnRef>,
) -> Result<Error> {
    let engine = |e: wasmtime::Error| Error::from_guest(e);
    let thrown = std::mem::take(&mut store.as_context_mut().data_mut().exceptions.thrown);
    let mut original = None;
    for (owned, value) in &thrown {
        if original.is_none() && OwnedRooted::ref_eq(&*store, exn, owned).map_err(engine)? {
            original = Some(HostError(value.0.clone()));
        }
    }
    store.as_context_mut().data_mut().exceptions.thrown = thrown;
    if let Some(value) = original {
        return Ok(Error::Host(value));
    }
    let tag = exn.tag(&mut *store).map_err(engine)?;
    let fields: Vec<wasmtime::Val> = exn.fields(&mut *store).map_err(engine)?.collect();
    let ex = &store.as_context().data().exceptions;
    let ours = [ex.value_tag, ex.foreign_tag];
    if ours.iter().flatten().any(|t| Tag::eq(t, &tag, &*store)) {
        if let Some(wasmtime::Val::ExternRef(Some(_))) = fields.first() {
            if let Value::Extern(v) = Value::from_val_in(&*store, &fields[0])? {
                return Ok(Error::Host(HostError(v.value)));
            }
        }
    }
    let params = tag
        .ty(&*store)
        .ty()
        .params()
        .map(|t| type_name(&t))
        .collect();
    let payload = fields
        .iter()
        .map(|v| Value::from_val_in(&*store, v))
        .collect::<Result<Vec<_>>>()?;
    Ok(Error::Exception(Box::new(Exception {
        tag: tag_ref(&mut *store, tag),
        params,
        payload,
    })))
}

/// Forgets the exceptions host functions threw: the call that could meet
/// them again is over.
pub(crate) fn call_over(mut store: impl AsContextMut<Data = StoreData>) {
    store.as_context_mut().data_mut().exceptions.thrown.clear();
}
