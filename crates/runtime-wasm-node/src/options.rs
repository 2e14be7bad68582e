//! The API's option objects — instance configs, runtime options, policies,
//! preopens — read into the core's settings; unknown keys are 5007 naming
//! the nearest known one.

use crate::host;
use crate::js_thread::{JsRef, JsThread};
use crate::read::{
    boolean, count, describe, entries, number, object, string, strings, type_error, Read,
};
use napi::bindgen_prelude::*;
use runtime_wasm as core;
use std::sync::Arc;

/// A whole amount given as a number or a bigint (fuel).
fn amount(v: &Unknown, what: &str) -> Read<u64> {
    match v.get_type()? {
        ValueType::Number | ValueType::BigInt => Ok(crate::convert::to_arg(v)?.amount(what)?),
        _ => Err(type_error(format!(
            "{what} must be a number or bigint, got {}",
            describe(v)?
        ))),
    }
}

/// Bytes of a string (UTF-8) or of any `ArrayBufferView` / `ArrayBuffer`.
fn text_or_bytes(v: &Unknown, what: &str) -> Read<Vec<u8>> {
    if v.get_type()? == ValueType::String {
        return Ok(string(v, what)?.into_bytes());
    }
    crate::convert::view_bytes(v)?.ok_or_else(|| {
        type_error(format!(
            "{what} must be a string or a Uint8Array, got {}",
            describe(v).unwrap_or("object")
        ))
    })
}

fn string_pairs(env: &Env, v: Unknown, what: &str) -> Read<Vec<(String, String)>> {
    entries(env, v, what)?
        .into_iter()
        .map(|(k, v)| {
            let value = string(&v, &format!("{what}.{k}"))?;
            Ok((k, value))
        })
        .collect()
}

fn preopens(env: &Env, v: Unknown) -> Read<Vec<core::Preopen>> {
    let mut out = Vec::new();
    for (guest, spec) in entries(env, v, "preopens")? {
        let at = format!("preopens[{guest:?}]");
        let (host, readonly) = match spec.get_type()? {
            ValueType::String => (string(&spec, &at)?, false),
            ValueType::Object => {
                let (mut path, mut readonly) = (None, false);
                for (key, value) in entries(env, spec, &at)? {
                    match key.as_str() {
                        "path" => path = Some(string(&value, &format!("{at}.path"))?),
                        "readonly" => readonly = boolean(&value, &format!("{at}.readonly"))?,
                        _ => return Err(core::unknown_key(&at, &key, core::PREOPEN_KEYS).into()),
                    }
                }
                let path = path.ok_or_else(|| type_error(format!("{at}.path is required")))?;
                (path, readonly)
            }
            _ => {
                return Err(type_error(format!(
                    "{at} must be a host path or {{ path, readonly }}, got {}",
                    describe(&spec)?
                )))
            }
        };
        out.push(core::Preopen {
            guest,
            host: host.into(),
            readonly,
        });
    }
    Ok(out)
}

/// An instance configuration, host functions of `imports` included.
pub fn instance_config(
    env: &Env,
    config: Unknown,
    dispatch: &Arc<JsRef>,
    js: &JsThread,
) -> Read<core::InstanceConfig> {
    let mut c = core::InstanceConfig::default();
    for (key, v) in entries(env, config, "instance config")? {
        let k = key.as_str();
        let (wasi, limits) = (&mut c.wasi, &mut c.limits);
        match k {
            "preopens" => wasi.preopens = preopens(env, v)?,
            "env" => wasi.env = string_pairs(env, v, "env")?,
            "args" => wasi.args = strings(&v, k)?,
            "inheritStdin" => wasi.inherit_stdin = boolean(&v, k)?,
            "inheritStdout" => wasi.inherit_stdout = boolean(&v, k)?,
            "inheritStderr" => wasi.inherit_stderr = boolean(&v, k)?,
            "stdin" => wasi.stdin = Some(text_or_bytes(&v, k)?),
            "captureStdout" => wasi.capture_stdout = boolean(&v, k)?,
            "captureStderr" => wasi.capture_stderr = boolean(&v, k)?,
            "captureLimit" => wasi.capture_limit = Some(count(&v, k)? as usize),
            "fuel" => limits.fuel = Some(amount(&v, k)?),
            "timeoutMs" => limits.timeout = Some(core::millis(number(&v, k)?, k)?),
            "maxMemoryBytes" => limits.max_memory_bytes = Some(count(&v, k)?),
            "maxTableElements" => limits.max_table_elements = Some(count(&v, k)?),
            "maxOpenFiles" => limits.max_open_files = Some(count(&v, k)?),
            "maxValueBytes" => limits.max_value_bytes = Some(count(&v, k)?),
            "imports" => c.imports = host::imports(env, object(v, "imports")?, dispatch, js)?,
            _ => {
                let known = core::INSTANCE_CONFIG_KEYS;
                return Err(core::unknown_key("instance config", k, known).into());
            }
        }
    }
    Ok(c)
}

fn policy(env: &Env, v: Unknown) -> Read<core::Policy> {
    let mut p = core::Policy::default();
    for (key, v) in entries(env, v, "policy")? {
        let paths = |what| Read::Ok(strings(&v, what)?.into_iter().map(Into::into).collect());
        match key.as_str() {
            "read" => p.read = Some(paths("policy.read")?),
            "preopen" => p.preopen = Some(paths("policy.preopen")?),
            _ => return Err(core::unknown_key("policy", &key, core::POLICY_KEYS).into()),
        }
    }
    Ok(p)
}

/// A runtime's options.
pub fn runtime_options(env: &Env, options: Unknown) -> Read<core::RuntimeOptions> {
    let mut o = core::RuntimeOptions::default();
    for (key, v) in entries(env, options, "Runtime options")? {
        let k = key.as_str();
        match k {
            "policy" => o.policy = policy(env, v)?,
            "maxInstances" => o.max_instances = Some(count(&v, k)? as usize),
            "cacheDir" => o.cache_dir = Some(string(&v, k)?.into()),
            "pool" => o.pool = Some(count(&v, k)?.min(u64::from(u32::MAX)) as u32),
            "maxModuleBytes" => o.max_module_bytes = Some(count(&v, k)?),
            "compiler" => {
                let name = string(&v, k)?;
                o.compiler = core::Compiler::from_name(&name).ok_or_else(|| {
                    type_error(format!(
                        "compiler must be \"tiered\", \"optimized\" or \"baseline\", got \"{name}\""
                    ))
                })?;
            }
            "allowPrecompiled" => o.allow_precompiled = boolean(&v, k)?,
            _ => {
                let known = core::RUNTIME_OPTION_KEYS;
                return Err(core::unknown_key("Runtime options", k, known).into());
            }
        }
    }
    Ok(o)
}
