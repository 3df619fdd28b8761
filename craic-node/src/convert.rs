//! Checks on what JavaScript passes in: numbers that must be whole, option objects whose names
//! must all be known. JS has one number type, so `k = 2.5`, `NaN` or a millisecond timestamp
//! would otherwise be truncated or wrapped silently by the napi conversions.

use craic_core::ErrorKind;
use napi::bindgen_prelude::{FromNapiValue, Object};
use napi::{Env, JsValue};

use crate::errors::{Fallible, JsFailure, OrThrow};

/// The largest integer a JS number holds exactly (`Number.MAX_SAFE_INTEGER`).
pub(crate) const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A JS number that must be a whole, safe integer, else an error of `kind` naming `what`.
pub(crate) fn whole(value: f64, what: &str, kind: ErrorKind) -> Fallible<i64> {
    if value.is_finite() && value.fract() == 0.0 && value.abs() <= MAX_SAFE_INTEGER {
        Ok(value as i64)
    } else {
        Err(JsFailure::invalid(
            kind,
            format!("{what} must be a whole number (a safe integer), got {value}"),
        ))
    }
}

/// A count (`k`, a number of variations, …): a whole number ≥ 0.
pub(crate) fn count(value: f64, what: &str, kind: ErrorKind) -> Fallible<usize> {
    let n = whole(value, what, kind)?;
    usize::try_from(n)
        .map_err(|_| JsFailure::invalid(kind, format!("{what} must not be negative, got {value}")))
}

/// An impression rank: a whole number in `0..=u32::MAX` (else `out_of_range`).
pub(crate) fn rank(value: f64, what: &str) -> Fallible<u32> {
    let n = whole(value, what, ErrorKind::OutOfRange)?;
    u32::try_from(n).map_err(|_| {
        JsFailure::invalid(
            ErrorKind::OutOfRange,
            format!("{what} must be between 0 and {}, got {value}", u32::MAX),
        )
    })
}

/// A `k`: a whole number (0 and values above `max_k` are the core's `invalid_k` too).
pub(crate) fn k(value: Option<f64>) -> Fallible<usize> {
    value.map_or(Ok(10), |v| count(v, "k", ErrorKind::InvalidK))
}

/// A timestamp in unix seconds: a whole number (its range is checked by the core, which names
/// milliseconds passed as seconds).
pub(crate) fn timestamp(value: f64, what: &str) -> Fallible<i64> {
    whole(value, what, ErrorKind::InvalidTimestamp)
}

/// An optional timestamp.
pub(crate) fn opt_timestamp(value: Option<f64>, what: &str) -> Fallible<Option<i64>> {
    value.map(|v| timestamp(v, what)).transpose()
}

/// An option object's field names (snake_case, as in Rust; JS spells them in camelCase).
pub(crate) trait Fields {
    /// What the object is, for messages (`"recommend options"`).
    const WHAT: &'static str;
    /// Every field, snake_case.
    const FIELDS: &'static [&'static str];
}

/// snake_case → camelCase, as napi names the fields of an object type.
fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether `key` is `snake` spelled in camelCase (`excludeSaved` for `exclude_saved`), without
/// allocating: this runs on every call that takes an option object.
fn is_camel_of(key: &str, snake: &str) -> bool {
    let mut key = key.bytes();
    let mut upper = false;
    for b in snake.bytes() {
        if b == b'_' {
            upper = true;
            continue;
        }
        let want = if upper { b.to_ascii_uppercase() } else { b };
        upper = false;
        if key.next() != Some(want) {
            return false;
        }
    }
    key.next().is_none()
}

/// Converts an option object into `T`, refusing any property name `T` does not define (a typo
/// such as `{excludeSave: true}` would otherwise be ignored silently). `undefined` and `null`
/// give `None`.
pub(crate) fn strict<T: Fields + FromNapiValue>(
    env: &Env,
    obj: Option<Object>,
) -> napi::Result<Option<T>> {
    let Some(obj) = obj else { return Ok(None) };
    known_keys(env, &obj, T::WHAT, T::FIELDS)?;
    from_object(env, &obj).map(Some)
}

/// Converts an object into `T` (an object type), ignoring names `T` does not define: for an
/// object that holds the fields of several option types, checked with [`known_keys`] first.
pub(crate) fn from_object<T: FromNapiValue>(env: &Env, obj: &Object) -> napi::Result<T> {
    // SAFETY: `obj` is a live value of `env` for the duration of this call.
    #[allow(unsafe_code)]
    unsafe {
        T::from_napi_value(env.raw(), obj.raw())
    }
}

/// Refuses any property of `obj` that is not one of `fields` (snake_case, compared in
/// camelCase), with an `InvalidInputError` (code `CRAIC_INVALID_CONFIG`) naming it.
pub(crate) fn known_keys(env: &Env, obj: &Object, what: &str, fields: &[&str]) -> napi::Result<()> {
    let keys = Object::keys(obj)?;
    let known = |key: &String| fields.iter().any(|f| is_camel_of(key, f));
    match keys.iter().find(|key| !known(key)) {
        None => Ok(()),
        Some(bad) => {
            let allowed: Vec<String> = fields.iter().map(|f| camel(f)).collect();
            Err(JsFailure::invalid(
                ErrorKind::InvalidConfig,
                format!(
                    "unknown option {bad:?} in {what} (known: {})",
                    allowed.join(", ")
                ),
            ))
            .or_throw(env)
        }
    }
}

/// Declares a `#[napi(object)]` option type and its [`Fields`] in one place, so the list of
/// names the strict check accepts cannot drift from the fields. Each field's type is written in
/// brackets (`pub k: [Option<f64>],`) and attributes are matched as plain tokens: napi then sees
/// `Option<…>` (and makes the field optional) and the doc text (for JSDoc), which `ty` and
/// `meta` fragments would hide from it.
macro_rules! options {
    (
        $(#[$($meta:tt)*])*
        pub struct $name:ident : $what:literal {
            $( $(#[$($fmeta:tt)*])* pub $field:ident : [$($ty:tt)*], )*
        }
    ) => {
        $(#[$($meta)*])*
        #[napi_derive::napi(object)]
        #[derive(Default)]
        pub struct $name {
            $( $(#[$($fmeta)*])* pub $field: $($ty)*, )*
        }

        impl $crate::convert::Fields for $name {
            const WHAT: &'static str = $what;
            const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];
        }
    };
}
pub(crate) use options;
