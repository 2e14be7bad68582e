//! Reading JS option objects as untrusted input: own enumerable string keys
//! only, each read once, in the order given; wrong types are 5007 in the
//! API's words. Every other reader of JS objects builds on these.

use napi::bindgen_prelude::*;
use napi::{check_status, sys};
use runtime_wasm as core;
use std::ptr;

/// Why reading options stopped: a JS exception (a throwing getter) or a
/// core error to report.
pub enum Fail {
    Js(Error),
    Core(core::Error),
}

impl From<Error> for Fail {
    fn from(e: Error) -> Self {
        Fail::Js(e)
    }
}

impl From<core::Error> for Fail {
    fn from(e: core::Error) -> Self {
        Fail::Core(e)
    }
}

pub type Read<T> = std::result::Result<T, Fail>;

pub fn type_error(message: String) -> Fail {
    Fail::Core(core::Error::Type(message))
}

/// How a JS value is named in an error: its type, with arrays and null told apart.
pub fn describe(v: &Unknown) -> Result<&'static str> {
    Ok(match v.get_type()? {
        ValueType::Null => "null",
        ValueType::Undefined => "undefined",
        ValueType::Boolean => "boolean",
        ValueType::Number => "number",
        ValueType::BigInt => "bigint",
        ValueType::String => "string",
        ValueType::Symbol => "symbol",
        ValueType::Function => "function",
        ValueType::Object if v.is_array()? => "an array",
        _ => "object",
    })
}

/// The own enumerable string-keyed properties of `obj`, in property order,
/// each read exactly once; the prototype chain is never consulted.
pub fn own_entries<'e>(env: &Env, obj: &Object<'e>) -> Result<Vec<(String, Unknown<'e>)>> {
    let mut names = ptr::null_mut();
    // SAFETY: `env` and `obj` are live for this call on the JS thread and
    // `names` receives a new array value.
    check_status!(unsafe {
        sys::napi_get_all_property_names(
            env.raw(),
            obj.raw(),
            sys::KeyCollectionMode::own_only,
            sys::KeyFilter::enumerable | sys::KeyFilter::skip_symbols,
            sys::KeyConversion::numbers_to_strings,
            &mut names,
        )
    })?;
    let names = Object::from_raw(env.raw(), names);
    let mut out = Vec::new();
    for i in 0..names.get_array_length()? {
        let key: Unknown = names.get_element(i)?;
        let value: Unknown = obj.get_property(key)?;
        // SAFETY: keys converted with `numbers_to_strings` are strings.
        let name = unsafe { key.cast::<String>() }?;
        out.push((name, value));
    }
    Ok(out)
}

/// `v` as a plain object (not null, an array or a function).
pub fn object<'e>(v: Unknown<'e>, what: &str) -> Read<Object<'e>> {
    if v.get_type()? != ValueType::Object || v.is_array()? {
        return Err(type_error(format!(
            "{what} must be an object, got {}",
            describe(&v)?
        )));
    }
    // SAFETY: checked to be an object just above.
    Ok(unsafe { v.cast::<Object>() }?)
}

/// Own entries of `v`, an object, leaving out those set to `undefined`.
pub fn entries<'e>(env: &Env, v: Unknown<'e>, what: &str) -> Read<Vec<(String, Unknown<'e>)>> {
    let obj = object(v, what)?;
    let mut all = own_entries(env, &obj)?;
    all.retain(|(_, v)| !matches!(v.get_type(), Ok(ValueType::Undefined)));
    Ok(all)
}

pub fn string(v: &Unknown, what: &str) -> Read<String> {
    if v.get_type()? != ValueType::String {
        return Err(type_error(format!(
            "{what} must be a string, got {}",
            describe(v)?
        )));
    }
    // SAFETY: checked to be a string just above.
    Ok(unsafe { v.cast::<String>() }?)
}

pub fn boolean(v: &Unknown, what: &str) -> Read<bool> {
    if v.get_type()? != ValueType::Boolean {
        return Err(type_error(format!(
            "{what} must be a boolean, got {}",
            describe(v)?
        )));
    }
    // SAFETY: checked to be a boolean just above.
    Ok(unsafe { v.cast::<bool>() }?)
}

pub fn number(v: &Unknown, what: &str) -> Read<f64> {
    if v.get_type()? != ValueType::Number {
        return Err(type_error(format!(
            "{what} must be a number, got {}",
            describe(v)?
        )));
    }
    // SAFETY: checked to be a number just above.
    Ok(unsafe { v.cast::<f64>() }?)
}

pub fn count(v: &Unknown, what: &str) -> Read<u64> {
    Ok(core::count(number(v, what)?, what)?)
}

/// An array of strings, read by index (holes and extra properties aside).
pub fn strings(v: &Unknown, what: &str) -> Read<Vec<String>> {
    if !v.is_array()? {
        return Err(type_error(format!(
            "{what} must be an array of strings, got {}",
            describe(v)?
        )));
    }
    // SAFETY: checked to be an array just above.
    let arr = unsafe { v.cast::<Object>() }?;
    (0..arr.get_array_length()?)
        .map(|i| string(&arr.get_element::<Unknown>(i)?, &format!("{what}[{i}]")))
        .collect()
}
