//! JS value <-> core value conversions: arguments, results, bytes, options
//! and introspection objects.

use crate::resource::ResourceHandle;
use napi::bindgen_prelude::*;
use napi::check_status;
use napi::{sys, JsValue as _};
use runtime_wasm as core;
use std::ptr;
use std::sync::Arc;

/// A JS value as a loosely typed core argument; the core checks it against
/// the signature.
pub fn to_arg(v: &Unknown) -> Result<core::Arg> {
    Ok(match v.get_type()? {
        // SAFETY: `get_type` just reported a number, which `f64` converts.
        ValueType::Number => core::Arg::Number(unsafe { v.cast::<f64>() }?),
        ValueType::BigInt => {
            // SAFETY: `get_type` just reported a bigint, which `BigInt` converts.
            let b = unsafe { v.cast::<BigInt>() }?;
            core::Arg::BigInt {
                negative: b.sign_bit,
                words: b.words,
            }
        }
        ValueType::Null => core::Arg::Null,
        ValueType::Object => object_arg(v)?,
        other => held_arg(v, kind(other))?,
    })
}

/// A JS value's kind in the API's words.
pub fn kind(t: ValueType) -> &'static str {
    match t {
        ValueType::Undefined => "undefined",
        ValueType::Boolean => "boolean",
        ValueType::Number => "number",
        ValueType::String => "string",
        ValueType::Symbol => "symbol",
        ValueType::Function => "function",
        ValueType::External => "external",
        ValueType::BigInt => "bigint",
        ValueType::Null => "null",
        _ => "object",
    }
}

/// Any other JS value, held for an `externref` (the core refuses it for
/// every other type, naming its kind).
fn held_arg(v: &Unknown, kind: &'static str) -> Result<core::Arg> {
    Ok(core::Arg::Extern(crate::held::hold(v, kind)?))
}

fn object_arg(v: &Unknown) -> Result<core::Arg> {
    // SAFETY: `v` is a live object of this call's env, and `Uint8Array`'s
    // conversion checks the value itself (`napi_get_typedarray_info` and the
    // element type), failing with an error and dropping its reference for
    // any other object, so trying it on an arbitrary object is sound.
    if let Ok(bytes) = unsafe { v.cast::<Uint8Array>() } {
        return Ok(core::Arg::Bytes(bytes.to_vec()));
    }
    if v.is_array()? {
        // SAFETY: `is_array` just confirmed `v` is an array, which
        // `Vec<Unknown>` converts element by element.
        let items = unsafe { v.cast::<Vec<Unknown>>() }?;
        return Ok(core::Arg::List(to_args(&items)?));
    }
    // SAFETY: `to_arg` only calls this for `ValueType::Object`, and an
    // `Object` wraps any object value as is.
    let obj = unsafe { v.cast::<Object>() }?;
    // Only a typed value's own `wasmType` counts, never an inherited one.
    if !obj.has_own_property("wasmType")? {
        return held_arg(v, "object");
    }
    match obj.get_named_property::<Unknown>("wasmType")?.get_type()? {
        ValueType::String => {
            let ty: String = obj.get_named_property("wasmType")?;
            let value = obj.get_named_property::<Unknown>("value")?;
            // Typed `externref`: any value, an array or bytes too.
            let inner = match ty.as_str() {
                "externref" if value.get_type()? != ValueType::Null => {
                    held_arg(&value, kind(value.get_type()?))?
                }
                _ => to_arg(&value)?,
            };
            Ok(core::Arg::Typed(ty, Box::new(inner)))
        }
        _ => held_arg(v, "object"),
    }
}

/// Whether object `v` is a typed value (`types.*`): its own `wasmType`.
pub fn is_typed(v: &Unknown) -> Result<bool> {
    // SAFETY: the caller saw `ValueType::Object`, and an `Object` wraps any
    // object value as is.
    let obj = unsafe { v.cast::<Object>() }?;
    obj.has_own_property("wasmType")
}

pub fn to_args(args: &[Unknown]) -> Result<Vec<core::Arg>> {
    args.iter().map(to_arg).collect()
}

/// A JS value as a loosely typed component argument: strings, booleans,
/// `undefined`, arrays and plain objects (own enumerable properties, each
/// read once) besides numbers, bigints, `null` and `Uint8Array`; the core
/// checks it against the parameter's WIT type. Nesting past
/// `MAX_VALUE_DEPTH` is not followed (a cyclic value ends there).
pub fn to_value_arg(env: &Env, v: &Unknown, depth: usize) -> Result<core::Arg> {
    let deeper = |items: Vec<Unknown>| -> Result<Vec<core::Arg>> {
        items
            .iter()
            .map(|i| to_value_arg(env, i, depth + 1))
            .collect()
    };
    Ok(match v.get_type()? {
        ValueType::String => {
            // SAFETY: `get_type` just reported a string, which `String` converts.
            core::Arg::Str(unsafe { v.cast::<String>() }?)
        }
        // SAFETY: `get_type` just reported a boolean, which `bool` converts.
        ValueType::Boolean => core::Arg::Bool(unsafe { v.cast::<bool>() }?),
        ValueType::Undefined => core::Arg::Undefined,
        ValueType::Object if depth >= core::MAX_VALUE_DEPTH => core::Arg::Other(format!(
            "a value nested deeper than {} levels",
            core::MAX_VALUE_DEPTH
        )),
        ValueType::Object if v.is_array()? => {
            // SAFETY: `is_array` just confirmed `v` is an array, which
            // `Vec<Unknown>` converts element by element.
            core::Arg::List(deeper(unsafe { v.cast::<Vec<Unknown>>() }?)?)
        }
        // Typed arrays: `Uint8Array` is bytes (`list<u8>`); others are refused.
        ValueType::Object if v.is_typedarray()? || v.is_arraybuffer()? => object_arg(v)?,
        ValueType::Object => {
            // SAFETY: `get_type` reported an object, which `Object` wraps as is.
            let obj = unsafe { v.cast::<Object>() }?;
            let entries = crate::read::own_entries(env, &obj)?;
            // A resource handle has no own properties: only then is it
            // worth asking (a failed unwrap costs an error).
            if entries.is_empty() {
                // SAFETY: `v` is a live object of `env`; the conversion
                // unwraps it only after checking its type tag and class,
                // failing (no JS exception) for any other object.
                let h =
                    unsafe { ClassInstance::<ResourceHandle>::from_napi_value(env.raw(), v.raw()) };
                if let Ok(h) = h {
                    return Ok(core::Arg::Resource(h.handle()));
                }
            }
            let (keys, values): (Vec<String>, Vec<Unknown>) = entries.into_iter().unzip();
            core::Arg::Object(keys.into_iter().zip(deeper(values)?).collect())
        }
        ValueType::Number | ValueType::BigInt | ValueType::Null => to_arg(v)?,
        _ => core::Arg::Other(crate::read::describe(v)?.into()),
    })
}

/// Component values lifted from a guest, made JS values; resources become
/// `ResourceHandle`s of `inst` (noted in `handles`, so the JS layer gives
/// them their classes).
struct Lift<'a> {
    inst: Option<&'a Arc<core::Instance>>,
    handles: bool,
}

impl Lift<'_> {
    /// # Safety
    /// `env` is the live env of a conversion on the JS thread.
    unsafe fn js(&mut self, env: sys::napi_env, val: core::Lifted) -> Result<sys::napi_value> {
        // SAFETY: the caller's `env`; each arm converts an owned Rust value
        // into it, which is all these `to_napi_value`s require.
        unsafe {
            match val {
                core::Lifted::Undefined => Undefined::to_napi_value(env, ()),
                core::Lifted::Bool(b) => bool::to_napi_value(env, b),
                core::Lifted::Number(n) => f64::to_napi_value(env, n),
                core::Lifted::BigInt(i) => BigInt::to_napi_value(
                    env,
                    BigInt {
                        sign_bit: i < 0,
                        // u64 and s64 magnitudes fit one word.
                        words: vec![i.unsigned_abs() as u64],
                    },
                ),
                core::Lifted::Str(s) => String::to_napi_value(env, s),
                core::Lifted::Bytes(b) => bytes_js(env, &b),
                core::Lifted::Array(items) => {
                    let mut arr = ptr::null_mut();
                    check_status!(sys::napi_create_array_with_length(
                        env,
                        items.len(),
                        &mut arr
                    ))?;
                    for (i, item) in items.into_iter().enumerate() {
                        let item = self.js(env, item)?;
                        check_status!(sys::napi_set_element(env, arr, i as u32, item))?;
                    }
                    Ok(arr)
                }
                core::Lifted::Object(props) => {
                    // Defined in one call, as an object literal's: data
                    // properties, with no setter on the way to call.
                    let mut descriptors = Vec::with_capacity(props.len());
                    for (key, value) in props {
                        descriptors.push(sys::napi_property_descriptor {
                            utf8name: ptr::null(),
                            name: String::to_napi_value(env, key)?,
                            method: None,
                            getter: None,
                            setter: None,
                            value: self.js(env, value)?,
                            attributes: sys::PropertyAttributes::writable
                                | sys::PropertyAttributes::enumerable
                                | sys::PropertyAttributes::configurable,
                            data: ptr::null_mut(),
                        });
                    }
                    let mut obj = ptr::null_mut();
                    check_status!(sys::napi_create_object(env, &mut obj))?;
                    check_status!(sys::napi_define_properties(
                        env,
                        obj,
                        descriptors.len(),
                        descriptors.as_ptr()
                    ))?;
                    Ok(obj)
                }
                core::Lifted::Resource { handle, class } => {
                    let Some(inst) = self.inst else {
                        // Host calls carry no resources (the core refuses
                        // imports that would).
                        return Undefined::to_napi_value(env, ());
                    };
                    self.handles = true;
                    let handle = ResourceHandle::new(inst.clone(), handle, class.to_string());
                    ResourceHandle::to_napi_value(env, handle)
                }
            }
        }
    }
}

/// A `Uint8Array` holding a copy of `bytes`, in memory of its own that the
/// engine manages (no finalizer to run for it, unlike an external buffer).
///
/// # Safety
/// `env` is the live env of a conversion on the JS thread.
unsafe fn bytes_js(env: sys::napi_env, bytes: &[u8]) -> Result<sys::napi_value> {
    let (mut data, mut buffer, mut array) = (ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
    // SAFETY: the caller's `env`; `data` receives the new buffer's
    // `bytes.len()` bytes, which the copy fills before anything else can
    // see them; the typed array covers exactly that buffer.
    unsafe {
        check_status!(sys::napi_create_arraybuffer(
            env,
            bytes.len(),
            &mut data,
            &mut buffer
        ))?;
        if !bytes.is_empty() {
            ptr::copy_nonoverlapping(bytes.as_ptr(), data.cast::<u8>(), bytes.len());
        }
        check_status!(sys::napi_create_typedarray(
            env,
            sys::TypedarrayType::uint8_array,
            bytes.len(),
            buffer,
            0,
            &mut array
        ))?;
    }
    Ok(array)
}

/// The arguments of a host call: a module's values, or a component's in
/// jco's shapes; a JS array either way.
pub enum HostArgsJs {
    Core(Vec<core::Value>),
    Component(Vec<core::Lifted>),
}

impl ToNapiValue for HostArgsJs {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        // SAFETY: the env napi-rs handed this conversion on the JS thread.
        unsafe {
            match val {
                HostArgsJs::Core(values) => Results::to_napi_value(env, Results(values)),
                HostArgsJs::Component(values) => Lift {
                    inst: None,
                    handles: false,
                }
                .js(env, core::Lifted::Array(values)),
            }
        }
    }
}

/// A component call's answer: its results array, or `{ ok, value, handles
/// }` when it is the error of a `result` it returned (`ok` false: the JS
/// layer throws it as a `ComponentError`) or holds resources of `inst`
/// (`handles`: the JS layer gives them their classes).
pub struct AnswerJs(pub core::Answer, pub Arc<core::Instance>);

impl ToNapiValue for AnswerJs {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        let (ok, value) = match val.0 {
            core::Answer::Ok(results) => (true, core::Lifted::Array(results)),
            core::Answer::Err(e) => (false, e),
        };
        let mut lift = Lift {
            inst: Some(&val.1),
            handles: false,
        };
        // SAFETY: the env napi-rs handed this conversion on the JS thread.
        unsafe {
            let value = lift.js(env, value)?;
            if ok && !lift.handles {
                // The common answer, as the bare results array.
                return Ok(value);
            }
            let mut obj = ptr::null_mut();
            check_status!(sys::napi_create_object(env, &mut obj))?;
            let props = [
                ("ok", bool::to_napi_value(env, ok)?),
                ("value", value),
                ("handles", bool::to_napi_value(env, lift.handles)?),
            ];
            for (key, value) in props {
                let key = String::to_napi_value(env, key.to_string())?;
                check_status!(sys::napi_set_property(env, obj, key, value))?;
            }
            Ok(obj)
        }
    }
}

/// A number or bigint amount (fuel), checked by the core.
pub fn amount(v: Either<f64, BigInt>, what: &str) -> core::Result<u64> {
    let arg = match v {
        Either::A(n) => core::Arg::Number(n),
        Either::B(b) => core::Arg::BigInt {
            negative: b.sign_bit,
            words: b.words,
        },
    };
    arg.amount(what)
}

/// Call results, always as an array (`[]`, `[x]`, `[x, y]`).
pub struct Results(pub Vec<core::Value>);

/// One wasm value as JS sees it: a number, a bigint (i64), bytes or null.
pub struct JsValue(pub core::Value);

impl ToNapiValue for JsValue {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        // SAFETY: `env` is the env napi-rs handed this conversion on the JS
        // thread, and each arm converts an owned Rust value into it, which is
        // all these `to_napi_value`s require.
        unsafe {
            match val.0 {
                core::Value::I32(v) => i32::to_napi_value(env, v),
                core::Value::I64(v) => BigInt::to_napi_value(
                    env,
                    BigInt {
                        sign_bit: v < 0,
                        words: vec![v.unsigned_abs()],
                    },
                ),
                core::Value::F32(v) => f64::to_napi_value(env, f64::from(v)),
                core::Value::F64(v) => f64::to_napi_value(env, v),
                core::Value::V128(b) => Uint8Array::to_napi_value(env, Uint8Array::new(b.to_vec())),
                core::Value::Null => Null::to_napi_value(env, Null),
                core::Value::Extern(v) => crate::held::value(env, &v),
            }
        }
    }
}

impl ToNapiValue for Results {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        let items: Vec<JsValue> = val.0.into_iter().map(JsValue).collect();
        // SAFETY: `env` is the live env napi-rs handed to this conversion.
        unsafe { Vec::to_napi_value(env, items) }
    }
}

/// Results of a batch: one entry per call, each as `Results`.
pub struct Batch(pub Vec<Vec<core::Value>>);

impl ToNapiValue for Batch {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        // SAFETY: `env` is the env napi-rs handed this conversion on the JS
        // thread; the array and every `Results` in it are created in it now.
        unsafe { Vec::to_napi_value(env, val.0.into_iter().map(Results).collect::<Vec<_>>()) }
    }
}

/// A copy of the bytes of `v` when it is an `ArrayBuffer`, a typed array
/// or a `DataView` (whatever its element type); `None` for anything else.
pub fn view_bytes(v: &Unknown) -> Result<Option<Vec<u8>>> {
    let (env, raw) = (v.value().env, v.raw());
    let (mut data, mut len) = (ptr::null_mut(), 0usize);
    if v.is_typedarray()? {
        let (mut kind, mut count, mut buffer, mut offset) = (0, 0, ptr::null_mut(), 0);
        // SAFETY: `raw` is a typed array of this env; every out-pointer is valid.
        check_status!(unsafe {
            sys::napi_get_typedarray_info(
                env,
                raw,
                &mut kind,
                &mut count,
                &mut data,
                &mut buffer,
                &mut offset,
            )
        })?;
        match element_size(kind) {
            Some(size) => len = count * size,
            None => return Ok(None),
        }
    } else if v.is_dataview()? {
        let (mut buffer, mut offset) = (ptr::null_mut(), 0);
        // SAFETY: `raw` is a DataView of this env; every out-pointer is valid.
        check_status!(unsafe {
            sys::napi_get_dataview_info(env, raw, &mut len, &mut data, &mut buffer, &mut offset)
        })?;
    } else if v.is_arraybuffer()? {
        // SAFETY: `raw` is an ArrayBuffer of this env; both out-pointers are valid.
        check_status!(unsafe { sys::napi_get_arraybuffer_info(env, raw, &mut data, &mut len) })?;
    } else {
        return Ok(None);
    }
    if len == 0 || data.is_null() {
        return Ok(Some(Vec::new()));
    }
    // SAFETY: Node-API reported `len` readable bytes at `data`, and nothing
    // runs JS (which could detach the buffer) before the copy ends.
    Ok(Some(
        unsafe { std::slice::from_raw_parts(data.cast::<u8>(), len) }.to_vec(),
    ))
}

/// Bytes per element of a typed array kind Node-API knows.
fn element_size(kind: sys::napi_typedarray_type) -> Option<usize> {
    use sys::TypedarrayType as T;
    match kind {
        T::int8_array | T::uint8_array | T::uint8_clamped_array => Some(1),
        T::int16_array | T::uint16_array => Some(2),
        T::int32_array | T::uint32_array | T::float32_array => Some(4),
        T::float64_array | T::bigint64_array | T::biguint64_array => Some(8),
        _ => None,
    }
}

/// Bytes handed to JS as a fresh `Uint8Array` in memory V8 allocates: the
/// collector counts it, where a buffer lent from Rust would go unseen and
/// large reads would pile up uncollected.
pub struct Bytes(pub Vec<u8>);

impl ToNapiValue for Bytes {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        js_bytes(env, &val.0)
    }
}

/// A copy of `bytes` as a new `Uint8Array` in memory V8 allocates.
pub fn js_bytes(env: sys::napi_env, bytes: &[u8]) -> Result<sys::napi_value> {
    let (len, mut data, mut buffer, mut array) = (
        bytes.len(),
        ptr::null_mut(),
        ptr::null_mut(),
        ptr::null_mut(),
    );
    // SAFETY: `env` is the env of the Node-API call running on this (JS)
    // thread: both callers, `Bytes::to_napi_value` and `read_sync`, pass the
    // one they were handed. Both out-pointers are live locals.
    check_status!(unsafe { sys::napi_create_arraybuffer(env, len, &mut data, &mut buffer) })?;
    if len > 0 {
        // SAFETY: V8 just allocated `len` writable bytes at `data` (status
        // checked); they cannot overlap `bytes`, which live in a `Vec` or in
        // wasm memory, never in a buffer V8 has only now created.
        unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), data.cast::<u8>(), len) };
    }
    let uint8 = sys::TypedarrayType::uint8_array;
    // SAFETY: same `env`; `buffer` is the `len`-byte ArrayBuffer created
    // just above, so `len` one-byte elements from offset 0 fit in it, and
    // `array` is a live local.
    check_status!(unsafe { sys::napi_create_typedarray(env, uint8, len, buffer, 0, &mut array) })?;
    Ok(array)
}

/// What `run` resolves to, `{ exitCode, stdout?, stderr? }`; built on the JS
/// thread from the core's output, captured bytes as `Bytes`.
pub struct RunResult(pub core::RunOutput);

impl ToNapiValue for RunResult {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        let env = Env::from_raw(env);
        let mut obj = Object::new(&env)?;
        obj.set_named_property("exitCode", val.0.exit_code)?;
        if let Some(out) = val.0.stdout {
            obj.set_named_property("stdout", Bytes(out))?;
        }
        if let Some(err) = val.0.stderr {
            obj.set_named_property("stderr", Bytes(err))?;
        }
        Ok(obj.raw())
    }
}

/// A global as `{ type, mutable, value }`.
pub struct GlobalJs(pub core::GlobalValue);

impl ToNapiValue for GlobalJs {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        let env = Env::from_raw(env);
        let mut obj = Object::new(&env)?;
        obj.set_named_property("type", val.0.ty)?;
        obj.set_named_property("mutable", val.0.mutable)?;
        obj.set_named_property("value", JsValue(val.0.value))?;
        Ok(obj.raw())
    }
}

/// A function handle (an export or a table entry), called back through its
/// `id`; `numeric` ones also through `callNumbers`.
#[napi(object)]
pub struct FuncRefJs {
    pub id: u32,
    pub params: Vec<String>,
    pub results: Vec<String>,
    pub numeric: bool,
}

impl From<core::FuncRef> for FuncRefJs {
    fn from(f: core::FuncRef) -> Self {
        FuncRefJs {
            id: f.id,
            params: f.params,
            results: f.results,
            numeric: f.numeric,
        }
    }
}

/// One import or export, flattened the way JS users read it.
#[napi(object)]
pub struct ExternJs {
    pub module: Option<String>,
    pub name: String,
    pub kind: String,
    pub params: Option<Vec<String>>,
    pub results: Option<Vec<String>>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub shared: Option<bool>,
    pub memory64: Option<bool>,
    pub element: Option<String>,
    pub table64: Option<bool>,
    #[napi(js_name = "type")]
    pub ty: Option<String>,
    pub mutable: Option<bool>,
    /// An export's index among the module's items of its kind.
    pub index: Option<u32>,
    /// The position (in the module's imports) of the import an export
    /// passes on.
    pub reexport: Option<u32>,
}

pub fn extern_js(module: Option<String>, name: &str, info: &core::ExternInfo) -> ExternJs {
    let mut e = ExternJs {
        module,
        name: name.to_string(),
        kind: info.kind().to_string(),
        params: None,
        results: None,
        minimum: None,
        maximum: None,
        shared: None,
        memory64: None,
        element: None,
        table64: None,
        ty: None,
        mutable: None,
        index: None,
        reexport: None,
    };
    match info {
        core::ExternInfo::Func { params, results } => {
            e.params = Some(params.clone());
            e.results = Some(results.clone());
        }
        core::ExternInfo::Memory {
            minimum,
            maximum,
            shared,
            memory64,
        } => {
            e.minimum = Some(*minimum as f64);
            e.maximum = maximum.map(|m| m as f64);
            e.shared = Some(*shared);
            e.memory64 = Some(*memory64);
        }
        core::ExternInfo::Table {
            element,
            minimum,
            maximum,
            table64,
        } => {
            e.element = Some(element.clone());
            e.minimum = Some(*minimum as f64);
            e.maximum = maximum.map(|m| m as f64);
            e.table64 = Some(*table64);
        }
        core::ExternInfo::Global { ty, mutable } => {
            e.ty = Some(ty.clone());
            e.mutable = Some(*mutable);
        }
        core::ExternInfo::Tag { params } => e.params = Some(params.clone()),
    }
    e
}

pub fn exports_js(exports: &[core::ExportInfo]) -> Vec<ExternJs> {
    exports
        .iter()
        .map(|x| ExternJs {
            index: Some(x.index),
            reexport: x.reexport.map(|i| i as u32),
            ..extern_js(None, &x.name, &x.ty)
        })
        .collect()
}

#[napi(object)]
pub struct ModuleInfoJs {
    /// `"module"`.
    pub kind: String,
    pub imports: Vec<ExternJs>,
    pub exports: Vec<ExternJs>,
}

impl From<core::ModuleInfo> for ModuleInfoJs {
    fn from(info: core::ModuleInfo) -> Self {
        ModuleInfoJs {
            kind: "module".into(),
            imports: info
                .imports
                .iter()
                .map(|i| extern_js(Some(i.module.clone()), &i.name, &i.ty))
                .collect(),
            exports: exports_js(&info.exports),
        }
    }
}

/// A component's world (`moduleInfo` of a component handle).
#[napi(object)]
pub struct ComponentInfoJs {
    /// `"component"`.
    pub kind: String,
    /// The world as WIT text.
    pub wit: String,
    pub imports: Vec<ComponentItemJs>,
    pub exports: Vec<ComponentItemJs>,
    pub functions: Vec<ComponentFunctionJs>,
    /// Its exports as TypeScript declarations.
    pub dts: String,
}

/// One exported function of a component (see `core::ComponentFunction`).
#[napi(object)]
pub struct ComponentFunctionJs {
    pub name: String,
    pub path: Vec<String>,
    pub kind: String,
}

pub fn functions_js(list: &[core::ComponentFunction]) -> Vec<ComponentFunctionJs> {
    list.iter()
        .map(|f| ComponentFunctionJs {
            name: f.name.clone(),
            path: f.path.clone(),
            kind: f.kind.into(),
        })
        .collect()
}

/// One top-level import or export of a component.
#[napi(object)]
pub struct ComponentItemJs {
    pub name: String,
    pub kind: String,
}

impl From<core::ComponentInfo> for ComponentInfoJs {
    fn from(info: core::ComponentInfo) -> Self {
        let items = |list: Vec<core::ComponentItemInfo>| {
            list.into_iter()
                .map(|i| ComponentItemJs {
                    name: i.name,
                    kind: i.kind.into(),
                })
                .collect()
        };
        ComponentInfoJs {
            kind: "component".into(),
            wit: info.wit,
            imports: items(info.imports),
            exports: items(info.exports),
            functions: functions_js(&info.functions),
            dts: info.dts,
        }
    }
}
