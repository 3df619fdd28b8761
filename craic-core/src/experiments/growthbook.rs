//! GrowthBook-compatible bucketing primitives.
//!
//! These functions reproduce the GrowthBook JavaScript SDK (`hash`, `getBucketRanges`,
//! `chooseVariation`, `inNamespace`, `getEqualWeights`) bit for bit, so a user bucketed here lands
//! in the same variation as in any GrowthBook SDK given the same key, seed and weights. They are
//! checked against GrowthBook's cross-SDK conformance cases (`testdata/growthbook-cases.json`).
//!
//! # Strings are hashed as UTF-16 code units
//!
//! The JavaScript SDK runs 32-bit FNV-1a over `String.prototype.charCodeAt`, i.e. over **UTF-16
//! code units**, not over UTF-8 bytes. [`fnv1a32`] does the same: a character outside the Basic
//! Multilingual Plane (an emoji such as `"🎉"`) contributes its two surrogates `0xD83C 0xDF89`, and
//! `"é"` contributes the single unit `0x00E9` (not the UTF-8 bytes `0xC3 0xA9`). Ids with accents or
//! emoji therefore bucket exactly as in the browser.
//!
//! ```
//! use craic_core::experiments::growthbook::{choose_variation, get_bucket_ranges, hash};
//!
//! assert_eq!(hash("seed", "a", 2), Some(0.0505));
//! assert_eq!(hash("abc", "def", 99), None); // unknown hash version
//! let ranges = get_bucket_ranges(2, 0.5, None)?;
//! assert_eq!(ranges, vec![(0.0, 0.25), (0.5, 0.75)]);
//! assert_eq!(choose_variation(0.6, &ranges), 1);
//! assert_eq!(choose_variation(0.4, &ranges), -1); // outside the covered traffic
//! # Ok::<(), craic_core::Error>(())
//! ```

use crate::limits::MAX_VARIATIONS;
use crate::model::error::{Error, Result};

const FNV_OFFSET_BASIS: u32 = 0x811c_9dc5;
const FNV_PRIME: u32 = 0x0100_0193;

/// One FNV-1a round over a 16-bit code unit (multiplication modulo 2³², as JavaScript's
/// shift-and-add formulation computes it).
#[inline(always)]
fn step(state: u32, unit: u16) -> u32 {
    (state ^ u32::from(unit)).wrapping_mul(FNV_PRIME)
}

/// Continues an FNV-1a state over the UTF-16 code units of `s`, without allocating.
#[inline]
pub(crate) fn fnv_continue(mut state: u32, s: &str) -> u32 {
    let bytes = s.as_bytes();
    if bytes.is_ascii() {
        for &b in bytes {
            state = step(state, u16::from(b));
        }
    } else {
        for unit in s.encode_utf16() {
            state = step(state, unit);
        }
    }
    state
}

/// Continues two independent FNV-1a states over the same string in one pass (the two dependency
/// chains interleave, so this costs little more than one).
#[inline]
pub(crate) fn fnv_continue_pair(mut a: u32, mut b: u32, s: &str) -> (u32, u32) {
    let bytes = s.as_bytes();
    if bytes.is_ascii() {
        for &byte in bytes {
            a = step(a, u16::from(byte));
            b = step(b, u16::from(byte));
        }
    } else {
        for unit in s.encode_utf16() {
            a = step(a, unit);
            b = step(b, unit);
        }
    }
    (a, b)
}

/// Continues an FNV-1a state over already encoded UTF-16 code units.
#[inline]
pub(crate) fn fnv_continue_units(mut state: u32, units: &[u16]) -> u32 {
    for &u in units {
        state = step(state, u);
    }
    state
}

/// FNV-1a of the decimal representation of `n` (JavaScript's `n + ""` for a `u32`), no allocation.
#[inline]
pub(crate) fn fnv_of_decimal(n: u32) -> u32 {
    let mut digits = [0u8; 10];
    let mut len = 0;
    let mut rest = n;
    loop {
        digits[len] = b'0' + (rest % 10) as u8;
        len += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let mut state = FNV_OFFSET_BASIS;
    for &d in digits[..len].iter().rev() {
        state = step(state, u16::from(d));
    }
    state
}

/// The FNV-1a state before any input (the offset basis).
pub(crate) const FNV_START: u32 = FNV_OFFSET_BASIS;

/// 32-bit FNV-1a over the UTF-16 code units of `s` (see the module docs for why UTF-16).
///
/// ```
/// use craic_core::experiments::growthbook::fnv1a32;
/// assert_eq!(fnv1a32(""), 0x811c_9dc5);
/// assert_eq!(fnv1a32("a"), 0xe40c_292c);
/// ```
pub fn fnv1a32(s: &str) -> u32 {
    fnv_continue(FNV_OFFSET_BASIS, s)
}

/// Version-1 bucket of `value + seed` in `[0, 1)` (GrowthBook's original, slightly biased hash).
#[inline]
pub(crate) fn bucket_v1(h: u32) -> f64 {
    f64::from(h % 1000) / 1000.0
}

/// Version-2 bucket in `[0, 1)` from the first-round hash of `seed + value`.
#[inline]
pub(crate) fn bucket_v2(first_round: u32) -> f64 {
    f64::from(fnv_of_decimal(first_round) % 10_000) / 10_000.0
}

/// GrowthBook's deterministic hash of `value` under `seed`, in `[0, 1)`.
///
/// * version 1: `fnv1a32(value + seed) % 1000 / 1000`
/// * version 2: `fnv1a32(decimal(fnv1a32(seed + value))) % 10000 / 10000`
/// * any other version: `None`.
pub fn hash(seed: &str, value: &str, version: u32) -> Option<f64> {
    match version {
        1 => Some(bucket_v1(fnv_continue(fnv1a32(value), seed))),
        2 => Some(bucket_v2(fnv_continue(fnv1a32(seed), value))),
        _ => None,
    }
}

/// `n` equal weights of `1 / n`; empty for `n <= 0`.
///
/// Fails with [`Error::InvalidExperiment`] for `n` above [`MAX_VARIATIONS`] (the caller's number
/// never sizes an allocation unchecked).
pub fn get_equal_weights(n: i64) -> Result<Vec<f64>> {
    match usize::try_from(n) {
        Ok(len) if len > 0 => {
            check_variations(len)?;
            Ok(vec![1.0 / n as f64; len])
        }
        _ => Ok(Vec::new()),
    }
}

/// Fails with [`Error::InvalidExperiment`] above [`MAX_VARIATIONS`] variations.
pub(crate) fn check_variations(n: usize) -> Result<()> {
    if n > MAX_VARIATIONS {
        return Err(Error::InvalidExperiment(format!(
            "{n} variations: at most {MAX_VARIATIONS}"
        )));
    }
    Ok(())
}

/// Bucket ranges `[start, end)` of `num_variations` variations, exactly as GrowthBook computes them.
///
/// `coverage` is clamped to `[0, 1]` (a NaN stays NaN, as in JavaScript, and then matches no one).
/// `weights` fall back to equal weights when absent, when their length differs from
/// `num_variations`, or when they do not sum to 1 within 0.01. Variation `i` starts at the sum of the
/// weights before it and covers `coverage * weights[i]` of the hash space from there.
///
/// Fails with [`Error::InvalidExperiment`] for `num_variations` above [`MAX_VARIATIONS`].
pub fn get_bucket_ranges(
    num_variations: usize,
    coverage: f64,
    weights: Option<&[f64]>,
) -> Result<Vec<(f64, f64)>> {
    check_variations(num_variations)?;
    // `clamp` keeps a NaN as NaN, like JavaScript's comparisons do.
    let coverage = coverage.clamp(0.0, 1.0);
    let equal = get_equal_weights(i64::try_from(num_variations).unwrap_or(i64::MAX))?;
    let mut chosen: &[f64] = match weights {
        Some(w) if w.len() == num_variations => w,
        _ => &equal,
    };
    let total: f64 = chosen.iter().fold(0.0, |sum, w| sum + w);
    if !(0.99..=1.01).contains(&total) {
        chosen = &equal;
    }
    let mut cumulative = 0.0;
    Ok(chosen
        .iter()
        .map(|&w| {
            let start = cumulative;
            cumulative += w;
            (start, start + coverage * w)
        })
        .collect())
}

/// Index of the first range `[start, end)` containing `n`, or `-1` when none does.
pub fn choose_variation(n: f64, ranges: &[(f64, f64)]) -> i32 {
    ranges
        .iter()
        .position(|&(start, end)| n >= start && n < end)
        .and_then(|i| i32::try_from(i).ok())
        .unwrap_or(-1)
}

/// Whether `user_id` falls in the slice `[start, end)` of namespace `id` (hash version 1 with the
/// seed `"__" + id`). Namespaces keep mutually exclusive experiments apart.
pub fn in_namespace(user_id: &str, namespace: (&str, f64, f64)) -> bool {
    let (id, start, end) = namespace;
    let n = namespace_bucket(user_id, id);
    n >= start && n < end
}

/// Version-1 hash of `user_id` under the namespace seed `"__" + id`.
#[inline]
pub(crate) fn namespace_bucket(user_id: &str, id: &str) -> f64 {
    let state = fnv_continue(fnv1a32(user_id), "__");
    bucket_v1(fnv_continue(state, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference_fnv(s: &str) -> u32 {
        // Straight transcription of the definition over a materialised UTF-16 buffer.
        s.encode_utf16().fold(0x811c_9dc5u32, |h, u| {
            (h ^ u as u32).wrapping_mul(16_777_619)
        })
    }

    #[test]
    fn ascii_and_utf16_paths_agree_with_the_definition() {
        for s in [
            "",
            "a",
            "user-42",
            "é",
            "Zoë",
            "🎉",
            "a🎉b",
            "日本語",
            "\u{10FFFF}",
        ] {
            assert_eq!(fnv1a32(s), reference_fnv(s), "{s:?}");
        }
    }

    #[test]
    fn emoji_hash_over_surrogate_pairs_not_utf8_bytes() {
        // "🎉" is U+1F389 = surrogates D83C DF89 in UTF-16, F0 9F 8E 89 in UTF-8.
        let units = [0xD83Cu16, 0xDF89];
        let expected = fnv_continue_units(FNV_START, &units);
        assert_eq!(fnv1a32("🎉"), expected);
        let utf8 = "🎉".bytes().fold(FNV_START, |h, b| step(h, u16::from(b)));
        assert_ne!(fnv1a32("🎉"), utf8);
        // And hash() composes seed and value the same way.
        let v2 = bucket_v2(fnv_continue_units(fnv1a32("seed"), &units));
        assert_eq!(hash("seed", "🎉", 2), Some(v2));
    }

    #[test]
    fn decimal_hash_matches_formatting() {
        for n in [0u32, 7, 10, 99, 12345, u32::MAX] {
            assert_eq!(fnv_of_decimal(n), fnv1a32(&n.to_string()));
        }
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        assert!(get_bucket_ranges(0, 1.0, None).unwrap().is_empty());
        assert_eq!(get_bucket_ranges(2, f64::NAN, None).unwrap().len(), 2);
        assert_eq!(choose_variation(f64::NAN, &[(0.0, 1.0)]), -1);
        assert!(get_equal_weights(i64::MIN).unwrap().is_empty());
        assert!(!in_namespace("", ("ns", 0.0, 0.0)));
    }

    /// The counts that aborted a Python process ("memory allocation of ... bytes failed") are
    /// typed errors, and the limit itself is accepted.
    #[test]
    fn variation_counts_are_bounded() {
        use crate::ErrorKind::InvalidExperiment;
        let e = get_equal_weights(1_000_000_000_000).unwrap_err();
        assert_eq!(e.kind(), InvalidExperiment);
        for n in [1_000_000_000, 1_700_000_000_000, usize::MAX] {
            let e = get_bucket_ranges(n, 1.0, Some(&[0.5, 0.5])).unwrap_err();
            assert_eq!(e.kind(), InvalidExperiment);
            assert_eq!(
                get_bucket_ranges(n, 1.0, None).unwrap_err().kind(),
                InvalidExperiment
            );
        }
        let limit = MAX_VARIATIONS;
        assert_eq!(get_equal_weights(limit as i64).unwrap().len(), limit);
        assert_eq!(get_bucket_ranges(limit, 1.0, None).unwrap().len(), limit);
    }
}
