//! Every case of GrowthBook's cross-SDK conformance sections that concern bucketing.

use craic_core::experiments::growthbook::{
    choose_variation, get_bucket_ranges, get_equal_weights, hash, in_namespace,
};
use serde_json::Value;

const TOLERANCE: f64 = 1e-9;

fn cases(section: &str) -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/growthbook-cases.json"
    );
    let text = std::fs::read_to_string(path).expect("conformance file");
    let all: Value = serde_json::from_str(&text).expect("valid JSON");
    let list = all[section]
        .as_array()
        .expect("section is an array")
        .clone();
    assert!(!list.is_empty(), "section {section} is empty");
    list
}

fn f(v: &Value) -> f64 {
    v.as_f64().expect("number")
}

fn ranges(v: &Value) -> Vec<(f64, f64)> {
    v.as_array()
        .expect("ranges")
        .iter()
        .map(|r| (f(&r[0]), f(&r[1])))
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= TOLERANCE
}

#[test]
fn hash_cases() {
    let cases = cases("hash");
    for c in &cases {
        let (seed, value) = (c[0].as_str().unwrap(), c[1].as_str().unwrap());
        let version = u32::try_from(c[2].as_u64().unwrap()).unwrap();
        let got = hash(seed, value, version);
        match c[3].as_f64() {
            None => assert_eq!(got, None, "{c}"),
            Some(expected) => assert!(close(got.expect("a hash"), expected), "{c}: {got:?}"),
        }
    }
    assert_eq!(cases.len(), 15);
}

#[test]
fn get_bucket_range_cases() {
    let cases = cases("getBucketRange");
    for c in &cases {
        let args = &c[1];
        let n = usize::try_from(args[0].as_u64().unwrap()).unwrap();
        let weights: Option<Vec<f64>> = args[2].as_array().map(|w| w.iter().map(f).collect());
        let got = get_bucket_ranges(n, f(&args[1]), weights.as_deref()).unwrap();
        let expected = ranges(&c[2]);
        assert_eq!(got.len(), expected.len(), "{c}");
        for (g, e) in got.iter().zip(&expected) {
            assert!(close(g.0, e.0) && close(g.1, e.1), "{}: {got:?}", c[0]);
        }
    }
    assert_eq!(cases.len(), 13);
}

#[test]
fn choose_variation_cases() {
    let cases = cases("chooseVariation");
    for c in &cases {
        let got = choose_variation(f(&c[1]), &ranges(&c[2]));
        assert_eq!(i64::from(got), c[3].as_i64().unwrap(), "{}", c[0]);
    }
    assert_eq!(cases.len(), 13);
}

#[test]
fn in_namespace_cases() {
    let cases = cases("inNamespace");
    for c in &cases {
        let ns = &c[2];
        let got = in_namespace(
            c[1].as_str().unwrap(),
            (ns[0].as_str().unwrap(), f(&ns[1]), f(&ns[2])),
        );
        assert_eq!(got, c[3].as_bool().unwrap(), "{}", c[0]);
    }
    assert_eq!(cases.len(), 16);
}

#[test]
fn get_equal_weights_cases() {
    let cases = cases("getEqualWeights");
    for c in &cases {
        let got = get_equal_weights(c[0].as_i64().unwrap()).unwrap();
        let expected: Vec<f64> = c[1].as_array().unwrap().iter().map(f).collect();
        assert_eq!(got.len(), expected.len(), "{c}");
        // The JS test rounds to 8 decimals before comparing.
        for (g, e) in got.iter().zip(&expected) {
            assert!(((g * 1e8).round() - (e * 1e8).round()).abs() < 0.5, "{c}");
        }
    }
    assert_eq!(cases.len(), 6);
}

/// Non-BMP and non-ASCII ids, with expected values computed by running the JavaScript hash (string
/// semantics of `charCodeAt`) in Node.js: they only agree because we hash UTF-16 code units.
#[test]
fn emoji_and_non_ascii_ids_hash_like_javascript() {
    let cases: [(&str, &str, f64, f64); 5] = [
        ("exp", "🎉", 0.113, 0.1547),
        ("exp", "user-🎉-1", 0.047, 0.2695),
        ("s€ed", "Zoë", 0.145, 0.501),
        ("", "👩‍👩‍👧", 0.623, 0.1402),
        ("日本", "語", 0.736, 0.1203),
    ];
    for (seed, value, v1, v2) in cases {
        assert!(
            close(hash(seed, value, 1).unwrap(), v1),
            "{seed:?} {value:?}"
        );
        assert!(
            close(hash(seed, value, 2).unwrap(), v2),
            "{seed:?} {value:?}"
        );
    }
}
