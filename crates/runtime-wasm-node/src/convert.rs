//! JS value <-> core value conversions: arguments, results, bytes, options
//! and introspection objects.

use napi::bindgen_prelude::*;
use napi::check_status;
use napi::{sys, JsValue as _};
use runtime_wasm as core;
use std::collections::HashMap;
use std::ptr;

/// A JS value as a loosely typed core argument; the core checks it against
/// the signature.
pub fn to_arg(v: &Unknown) -> Result<core::Arg> {
    Ok(match v.get_type()? {
        ValueType::Number => core::Arg::Number(unsafe { v.cast::<f64>() }?),
        ValueType::BigInt => {
            let b = unsafe { v.cast::<BigInt>() }?;
            core::Arg::BigInt {
                negative: b.sign_bit,
                words: b.words,
            }
        }
        ValueType::Null => core::Arg::Null,
        ValueType::Object => object_arg(v)?,
        other => core::Arg::Other(format!("{other}")),
    })
}

fn object_arg(v: &Unknown) -> Result<core::Arg> {
    if let Ok(bytes) = unsafe { v.cast::<Uint8Array>() } {
        return Ok(core::Arg::Bytes(bytes.to_vec()));
    }
    if v.is_array()? {
        let items = unsafe { v.cast::<Vec<Unknown>>() }?;
        return Ok(core::Arg::List(to_args(&items)?));
    }
    let obj = unsafe { v.cast::<Object>() }?;
    match obj.get_named_property::<Unknown>("wasmType")?.get_type()? {
        ValueType::String => {
            let ty: String = obj.get_named_property("wasmType")?;
            let inner = to_arg(&obj.get_named_property::<Unknown>("value")?)?;
            Ok(core::Arg::Typed(ty, Box::new(inner)))
        }
        _ => Ok(core::Arg::Other("object".into())),
    }
}

pub fn to_args(args: &[Unknown]) -> Result<Vec<core::Arg>> {
    args.iter().map(to_arg).collect()
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

/// Call results: no value is `undefined`, one is the value, more an array.
pub struct Results(pub Vec<core::Value>);

/// One wasm value as JS sees it: a number, a bigint (i64), bytes or null.
pub struct JsValue(pub core::Value);

impl ToNapiValue for JsValue {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
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
            }
        }
    }
}

impl ToNapiValue for Results {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        let mut vals = val.0;
        unsafe {
            match vals.len() {
                0 => <()>::to_napi_value(env, ()),
                1 => JsValue::to_napi_value(env, JsValue(vals.remove(0))),
                _ => Vec::to_napi_value(env, vals.into_iter().map(JsValue).collect::<Vec<_>>()),
            }
        }
    }
}

/// Values as a JS array (host function arguments).
pub struct ValueList(pub Vec<core::Value>);

impl ToNapiValue for ValueList {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        let items: Vec<JsValue> = val.0.into_iter().map(JsValue).collect();
        unsafe { Vec::to_napi_value(env, items) }
    }
}

/// Results of a batch: one entry per call, each as `Results`.
pub struct Batch(pub Vec<Vec<core::Value>>);

impl ToNapiValue for Batch {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        unsafe { Vec::to_napi_value(env, val.0.into_iter().map(Results).collect::<Vec<_>>()) }
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
    check_status!(unsafe { sys::napi_create_arraybuffer(env, len, &mut data, &mut buffer) })?;
    if len > 0 {
        // SAFETY: V8 just allocated `len` writable bytes at `data`.
        unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), data.cast::<u8>(), len) };
    }
    let uint8 = sys::TypedarrayType::uint8_array;
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

#[napi(object)]
pub struct PolicyJs {
    pub read: Option<Vec<String>>,
    pub preopen: Option<Vec<String>>,
}

#[napi(object)]
pub struct RuntimeOptionsJs {
    pub policy: Option<PolicyJs>,
    pub max_instances: Option<f64>,
    pub cache_dir: Option<String>,
    pub pool: Option<f64>,
}

/// An optional count option, checked by the core.
fn count(x: Option<f64>, what: &str) -> core::Result<Option<u64>> {
    x.map(|n| core::count(n, what)).transpose()
}

impl TryFrom<RuntimeOptionsJs> for core::RuntimeOptions {
    type Error = core::Error;
    fn try_from(o: RuntimeOptionsJs) -> core::Result<Self> {
        let paths = |v: Option<Vec<String>>| v.map(|v| v.into_iter().map(Into::into).collect());
        let policy = o.policy.map(|p| core::Policy {
            read: paths(p.read),
            preopen: paths(p.preopen),
        });
        Ok(core::RuntimeOptions {
            policy: policy.unwrap_or_default(),
            max_instances: count(o.max_instances, "maxInstances")?.map(|n| n as usize),
            cache_dir: o.cache_dir.map(Into::into),
            pool: count(o.pool, "pool")?.map(|n| n.min(u64::from(u32::MAX)) as u32),
        })
    }
}

#[napi(object)]
pub struct PreopenJs {
    pub path: String,
    pub readonly: Option<bool>,
}

#[napi(object)]
pub struct InstanceConfigJs {
    pub preopens: Option<HashMap<String, Either<String, PreopenJs>>>,
    pub env: Option<HashMap<String, String>>,
    pub args: Option<Vec<String>>,
    pub inherit_stdin: Option<bool>,
    pub inherit_stdout: Option<bool>,
    pub inherit_stderr: Option<bool>,
    pub stdin: Option<Either<String, Uint8Array>>,
    pub capture_stdout: Option<bool>,
    pub capture_stderr: Option<bool>,
    pub capture_limit: Option<f64>,
    pub fuel: Option<Either<f64, BigInt>>,
    pub timeout_ms: Option<f64>,
    pub max_memory_bytes: Option<f64>,
    pub max_table_elements: Option<f64>,
}

impl TryFrom<InstanceConfigJs> for core::InstanceConfig {
    type Error = core::Error;
    fn try_from(c: InstanceConfigJs) -> core::Result<Self> {
        let preopen = |(guest, spec): (String, Either<String, PreopenJs>)| match spec {
            Either::A(path) => core::Preopen {
                guest,
                host: path.into(),
                readonly: false,
            },
            Either::B(PreopenJs { path, readonly }) => core::Preopen {
                guest,
                host: path.into(),
                readonly: readonly.unwrap_or(false),
            },
        };
        let wasi = core::WasiConfig {
            preopens: c
                .preopens
                .unwrap_or_default()
                .into_iter()
                .map(preopen)
                .collect(),
            env: c.env.unwrap_or_default().into_iter().collect(),
            args: c.args.unwrap_or_default(),
            inherit_stdin: c.inherit_stdin.unwrap_or(false),
            inherit_stdout: c.inherit_stdout.unwrap_or(false),
            inherit_stderr: c.inherit_stderr.unwrap_or(false),
            stdin: c.stdin.map(|s| match s {
                Either::A(text) => text.into_bytes(),
                Either::B(bytes) => bytes.to_vec(),
            }),
            capture_stdout: c.capture_stdout.unwrap_or(false),
            capture_stderr: c.capture_stderr.unwrap_or(false),
            capture_limit: count(c.capture_limit, "captureLimit")?.map(|n| n as usize),
        };
        let limits = core::Limits {
            fuel: c.fuel.map(|f| amount(f, "fuel")).transpose()?,
            timeout: c
                .timeout_ms
                .map(|t| core::millis(t, "timeoutMs"))
                .transpose()?,
            max_memory_bytes: count(c.max_memory_bytes, "maxMemoryBytes")?,
            max_table_elements: count(c.max_table_elements, "maxTableElements")?,
        };
        Ok(core::InstanceConfig {
            wasi,
            limits,
            ..Default::default()
        })
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
    #[napi(js_name = "type")]
    pub ty: Option<String>,
    pub mutable: Option<bool>,
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
        ty: None,
        mutable: None,
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
        } => {
            e.element = Some(element.clone());
            e.minimum = Some(*minimum as f64);
            e.maximum = maximum.map(|m| m as f64);
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
        .map(|x| extern_js(None, &x.name, &x.ty))
        .collect()
}

#[napi(object)]
pub struct ModuleInfoJs {
    pub imports: Vec<ExternJs>,
    pub exports: Vec<ExternJs>,
}

impl From<core::ModuleInfo> for ModuleInfoJs {
    fn from(info: core::ModuleInfo) -> Self {
        ModuleInfoJs {
            imports: info
                .imports
                .iter()
                .map(|i| extern_js(Some(i.module.clone()), &i.name, &i.ty))
                .collect(),
            exports: exports_js(&info.exports),
        }
    }
}
