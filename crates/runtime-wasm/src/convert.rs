//! Converting values by a wasm type: arguments are converted by the callee's
//! signature, never guessed from their own shape; and the one check of
//! numbers a host gives (offsets, counts, grow deltas, durations).

use crate::error::{Error, Result};
use crate::value::{type_name, Arg, ExternValue, Value};
use wasmtime::{AsContext, AsContextMut, ExternRef, Val, ValType};

impl Arg {
    /// A short description used in type errors.
    pub(crate) fn describe(&self) -> String {
        match self {
            Arg::Number(n) => format!("number {n}"),
            Arg::BigInt { .. } => "bigint".into(),
            Arg::Bytes(b) => format!("{} bytes", b.len()),
            Arg::Null => "null".into(),
            Arg::List(items) => format!("an array of {}", items.len()),
            Arg::Typed(t, _) => format!("{t} value"),
            Arg::Str(_) => "string".into(),
            Arg::Bool(_) => "boolean".into(),
            Arg::Undefined => "undefined".into(),
            Arg::Object(_) => "object".into(),
            Arg::Resource(_) => "a resource".into(),
            Arg::Extern(v) => v.kind.into(),
            Arg::Err(_) => "an error".into(),
            Arg::Other(kind) => kind.clone(),
        }
    }

    /// The value as an exact integer, if it is one.
    pub(crate) fn integer(&self) -> Option<i128> {
        match self {
            Arg::Number(n) if n.is_finite() && n.fract() == 0.0 => Some(*n as i128),
            Arg::BigInt { negative, words } => {
                if words.len() > 2 {
                    return None;
                }
                let mag = words
                    .iter()
                    .rev()
                    .fold(0u128, |acc, w| (acc << 64) | u128::from(*w));
                let mag = i128::try_from(mag).ok()?;
                Some(if *negative { -mag } else { mag })
            }
            _ => None,
        }
    }

    /// Converts this argument to a value of type `ty`; `what` names the
    /// parameter in errors.
    pub fn to_val(&self, ty: &ValType, what: &str) -> Result<Val> {
        self.convert(ty)
            .map_err(|m| Error::Type(format!("{what}: {m}")))
    }

    /// The conversion itself; on failure, why (without naming the
    /// parameter, so the success path allocates nothing).
    fn convert(&self, ty: &ValType) -> std::result::Result<Val, String> {
        let mismatch = || format!("expected {}, got {}", type_name(ty), self.describe());
        if let Arg::Typed(stated, inner) = self {
            if *stated != type_name(ty) {
                return Err(format!(
                    "expected {}, got a value typed {stated}",
                    type_name(ty)
                ));
            }
            return inner.convert(ty);
        }
        if let Arg::Number(x) = *self {
            if let Some(v) = from_number(x, ty) {
                return Ok(v);
            }
        }
        Ok(match ty {
            // `from_number` took every number that fits; what reaches here
            // is an error. As in the WebAssembly JS API, a bigint is no i32.
            ValType::I32 => match self {
                Arg::Number(_) => {
                    let n = self.integer().ok_or_else(mismatch)?;
                    return Err(format!("{n} is out of range for i32"));
                }
                _ => return Err(mismatch()),
            },
            ValType::I64 => {
                let n = self.integer().ok_or_else(mismatch)?;
                let in_range = match self {
                    Arg::Number(_) => n.unsigned_abs() < (1u128 << 53),
                    _ => (-(1i128 << 63)..(1i128 << 64)).contains(&n),
                };
                if !in_range {
                    return Err(format!("{n} is out of range for i64"));
                }
                Val::I64(n as u64 as i64)
            }
            // Every number is a float; anything else is not.
            ValType::F32 | ValType::F64 => return Err(mismatch()),
            ValType::V128 => match self {
                Arg::Bytes(b) if b.len() == 16 => {
                    let bytes: [u8; 16] = b.as_slice().try_into().map_err(|_| mismatch())?;
                    Val::V128(u128::from_le_bytes(bytes).into())
                }
                _ => return Err(mismatch()),
            },
            ValType::Ref(r) => match self {
                Arg::Null if r.is_nullable() => Val::null_ref(r.heap_type()),
                // Made only where the store is at hand (`to_val_in`).
                Arg::Extern(_) if r.heap_type().is_extern() => {
                    return Err("a host value cannot be stored here".into())
                }
                _ => return Err(mismatch()),
            },
        })
    }

    /// `to_val` where the conversion may make an `externref` (from
    /// `Arg::Extern`, or typed `externref`), allocated in `store` and rooted
    /// in its current scope: the caller scopes it (`wasmtime::RootScope`),
    /// or the reference stays rooted for the store's life.
    pub(crate) fn to_val_in(
        &self,
        store: impl AsContextMut,
        ty: &ValType,
        what: &str,
    ) -> Result<Val> {
        let arg = match self {
            Arg::Typed(t, inner) if t == "externref" => inner,
            arg => arg,
        };
        match (arg, ty) {
            (Arg::Extern(v), ValType::Ref(r)) if r.heap_type().is_extern() => {
                let made = ExternRef::new(store, v.clone()).map_err(|e| {
                    Error::LimitExceeded(format!(
                        "{what}: no room for another externref: {}",
                        crate::error::describe(&e)
                    ))
                })?;
                Ok(Val::ExternRef(Some(made)))
            }
            _ => self.to_val(ty, what),
        }
    }
}

/// A JS number as a value of number type `ty`, when it converts: the
/// success path of `Arg::convert`, cheap enough for every call.
pub(crate) fn from_number(x: f64, ty: &ValType) -> Option<Val> {
    // `as` saturates (NaN becomes 0), so a round trip proves `x` whole.
    match ty {
        ValType::I32 if (-2147483648.0..4294967296.0).contains(&x) => {
            let i = x as i64;
            (i as f64 == x).then_some(Val::I32(i as u32 as i32))
        }
        ValType::I64 if x.abs() < 9007199254740992.0 => {
            let i = x as i64;
            (i as f64 == x).then_some(Val::I64(i))
        }
        ValType::F32 => Some(Val::F32((x as f32).to_bits())),
        ValType::F64 => Some(Val::F64(x.to_bits())),
        _ => None,
    }
}

impl Value {
    /// `from_val` for a value that may be a non-null `externref`: the host
    /// value it holds, read from `store`.
    pub(crate) fn from_val_in(store: impl AsContext, val: &Val) -> Result<Value> {
        let Val::ExternRef(Some(r)) = val else {
            return Value::from_val(val);
        };
        let held = r
            .data(store.as_context())
            .map_err(Error::from_guest)?
            .and_then(|d| d.downcast_ref::<ExternValue>());
        held.map(|v| Value::Extern(v.clone())).ok_or_else(|| {
            Error::Type("an externref the host did not make cannot cross to the host".into())
        })
    }

    /// Converts an engine value for the embedder.
    pub(crate) fn from_val(val: &Val) -> Result<Value> {
        Ok(match val {
            Val::I32(v) => Value::I32(*v),
            Val::I64(v) => Value::I64(*v),
            Val::F32(bits) => Value::F32(f32::from_bits(*bits)),
            Val::F64(bits) => Value::F64(f64::from_bits(*bits)),
            Val::V128(v) => Value::V128(v.as_u128().to_le_bytes()),
            Val::FuncRef(None) | Val::ExternRef(None) | Val::AnyRef(None) | Val::ExnRef(None) => {
                Value::Null
            }
            _ => {
                return Err(Error::Type(
                    "non-null reference values cannot cross to the host".into(),
                ))
            }
        })
    }
}

/// Checks an option given as a JS number is a whole count (≤ 2^53).
pub fn count(x: f64, what: &str) -> Result<u64> {
    if x.is_finite() && x.fract() == 0.0 && (0.0..=9007199254740991.0).contains(&x) {
        Ok(x as u64)
    } else {
        Err(Error::Type(format!(
            "{what} must be a non-negative integer, got {x}"
        )))
    }
}

/// Checks a number a host gives as a byte offset, a length, a table index,
/// a page or element count or a grow delta: the one rule for memories and
/// tables alike, before the core's `u64`s. A fraction, NaN or an infinity is
/// not such a number (5007); a negative or too large integer lies outside
/// any memory or table (5006, as an offset past the end does).
pub fn offset(x: f64, what: &str) -> Result<u64> {
    if !x.is_finite() || x.fract() != 0.0 {
        return Err(Error::Type(format!("{what} must be an integer, got {x}")));
    }
    if x < 0.0 {
        return Err(Error::Memory(format!("{what} {x} is negative")));
    }
    // Every integral f64 below 2^64 converts exactly.
    if x >= u64::MAX as f64 {
        return Err(Error::Memory(format!("{what} {x} is out of range")));
    }
    Ok(x as u64)
}

/// Checks a duration given in milliseconds (fractions allowed).
pub fn millis(x: f64, what: &str) -> Result<std::time::Duration> {
    if x.is_finite() && (0.0..=9007199254740991.0).contains(&x) {
        Ok(std::time::Duration::from_secs_f64(x / 1000.0))
    } else {
        Err(Error::Type(format!(
            "{what} must be a non-negative number of milliseconds, got {x}"
        )))
    }
}

impl Arg {
    /// A whole non-negative amount up to 2^64-1, given as a safe-integer
    /// number or a bigint (fuel).
    pub fn amount(&self, what: &str) -> Result<u64> {
        match self {
            Arg::Number(x) => count(*x, what),
            Arg::BigInt { negative, words } => match (negative, words.as_slice()) {
                (false, []) => Ok(0),
                (false, [w]) => Ok(*w),
                (true, [0]) | (true, []) => Ok(0),
                _ => Err(Error::Type(format!("{what} must be in [0, 2^64)"))),
            },
            other => Err(Error::Type(format!(
                "{what} must be a number or bigint, got {}",
                other.describe()
            ))),
        }
    }
}

/// Converts `args` for a function whose parameters are `params`.
pub(crate) fn convert_args(params: &[ValType], args: &[Arg], func: &str) -> Result<Vec<Val>> {
    check_arity(params, args.len(), func)?;
    params
        .iter()
        .zip(args)
        .enumerate()
        .map(|(i, (ty, arg))| {
            arg.convert(ty)
                .map_err(|m| Error::Type(format!("`{func}` argument {i}: {m}")))
        })
        .collect()
}

/// 5007 unless function `func` takes `given` arguments.
pub(crate) fn check_arity(params: &[ValType], given: usize, func: &str) -> Result<()> {
    if params.len() != given {
        return Err(Error::Type(format!(
            "`{func}` takes {} argument(s), got {given}",
            params.len()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big(n: i128) -> Arg {
        let mag = n.unsigned_abs();
        Arg::BigInt {
            negative: n < 0,
            words: vec![mag as u64, (mag >> 64) as u64],
        }
    }

    /// The integer rules written the slow, obvious way (exact in i128).
    fn model(x: f64, ty: &ValType) -> Option<i128> {
        let whole = x.is_finite() && x.fract() == 0.0;
        let n = x as i128;
        match ty {
            ValType::I32 => (whole && (-(1i128 << 31)..(1i128 << 32)).contains(&n)).then_some(n),
            _ => (whole && n.unsigned_abs() < (1u128 << 53)).then_some(n),
        }
    }

    #[test]
    fn from_number_follows_the_integer_rules_exactly() {
        let mut xs = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for e in [31, 32, 53, 63, 64] {
            let p = 2f64.powi(e);
            xs.extend([p, -p, p - 1.0, -p - 1.0, p + 1.0, p - 0.5, -p + 0.5]);
        }
        for ty in [ValType::I32, ValType::I64] {
            for &x in &xs {
                let got = from_number(x, &ty).map(|v| match v {
                    Val::I32(i) => i64::from(i),
                    Val::I64(i) => i,
                    _ => unreachable!(),
                });
                let want = model(x, &ty).map(|n| match ty {
                    ValType::I32 => i64::from(n as u32 as i32),
                    _ => n as i64,
                });
                assert_eq!(got, want, "{x} as {ty}");
            }
        }
        let f32_bits = from_number(0.1, &ValType::F32).and_then(|v| v.f32());
        assert_eq!(f32_bits, Some(0.1f32));
        assert!(from_number(1.0, &ValType::V128).is_none());
    }

    #[test]
    fn i32_accepts_signed_and_unsigned_range_only() {
        let t = ValType::I32;
        assert_eq!(Arg::Number(3.0).to_val(&t, "a").unwrap().unwrap_i32(), 3);
        assert_eq!(
            Arg::Number(4294967295.0)
                .to_val(&t, "a")
                .unwrap()
                .unwrap_i32(),
            -1
        );
        assert_eq!(
            Arg::Number(-2147483648.0)
                .to_val(&t, "a")
                .unwrap()
                .unwrap_i32(),
            i32::MIN
        );
        for bad in [3.5, 4294967296.0, -2147483649.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                Arg::Number(bad).to_val(&t, "a"),
                Err(Error::Type(_))
            ));
        }
    }

    #[test]
    fn i64_takes_bigint_full_range_and_safe_numbers() {
        let t = ValType::I64;
        assert_eq!(
            big(i64::MIN as i128).to_val(&t, "a").unwrap().unwrap_i64(),
            i64::MIN
        );
        assert_eq!(
            big(u64::MAX as i128).to_val(&t, "a").unwrap().unwrap_i64(),
            -1
        );
        assert!(big(1i128 << 64).to_val(&t, "a").is_err());
        assert_eq!(
            Arg::Number(9007199254740991.0)
                .to_val(&t, "a")
                .unwrap()
                .unwrap_i64(),
            9007199254740991
        );
        assert!(Arg::Number(9007199254740992.0).to_val(&t, "a").is_err());
    }

    #[test]
    fn floats_and_typed_values_follow_the_signature() {
        let v = Arg::Number(3.0).to_val(&ValType::F64, "a").unwrap();
        assert_eq!(v.unwrap_f64(), 3.0);
        assert!(big(3).to_val(&ValType::F32, "a").is_err());
        let typed = Arg::Typed("i64".into(), Box::new(Arg::Number(1.0)));
        assert!(typed.to_val(&ValType::I32, "a").is_err());
        assert_eq!(typed.to_val(&ValType::I64, "a").unwrap().unwrap_i64(), 1);
        assert!(Arg::Other("string".into())
            .to_val(&ValType::I32, "a")
            .is_err());
    }

    #[test]
    fn v128_round_trips_sixteen_bytes() {
        let bytes: Vec<u8> = (0..16).collect();
        let val = Arg::Bytes(bytes.clone())
            .to_val(&ValType::V128, "a")
            .unwrap();
        assert_eq!(
            Value::from_val(&val).unwrap(),
            Value::V128(bytes.try_into().unwrap())
        );
        assert!(Arg::Bytes(vec![0; 15]).to_val(&ValType::V128, "a").is_err());
    }
}
