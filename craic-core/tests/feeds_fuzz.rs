//! Property tests: the importers never panic on mutated payloads, every event of a page that
//! parses ends up in exactly one place of the report, and the matcher never panics either.

use std::path::PathBuf;

use craic_core::feeds::{
    deduplicate, import_eventbrite, import_ticketmaster, AliasTable, FeedError, ImportOptions,
    ImportReport, MatchConfig,
};
use proptest::prelude::*;
use serde_json::Value;

fn fixture(name: &str) -> Vec<u8> {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "..", "testdata", "feeds", name]
        .iter()
        .collect();
    std::fs::read(path).expect("fixture")
}

type Importer = fn(&[u8], &ImportOptions) -> Result<ImportReport, FeedError>;

fn importers() -> [(Importer, Vec<u8>); 2] {
    [
        (
            |b, o| import_ticketmaster(b, o),
            fixture("ticketmaster-events.json"),
        ),
        (
            |b, o| import_eventbrite(b, o),
            fixture("eventbrite-events.json"),
        ),
    ]
}

/// Every array entry is imported, removed or rejected, exactly once; items are valid.
fn check(report: &ImportReport) {
    assert_eq!(
        report.seen,
        report.events.len() + report.removed.len() + report.rejected.len()
    );
    for e in &report.events {
        assert!(e.item.validate().is_ok(), "{:?}", e.item);
    }
    let _ = deduplicate(&report.events, &MatchConfig::default(), &AliasTable::new());
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("2026-12-05T20:00:00Z"),
            Just("2026-12-05"),
            Just("20:00:00"),
            Just("Europe/Dublin"),
            Just("cancelled"),
            Just("9999-99-99T99:99:99+99:99"),
            Just("2100-01-01T00:00:01Z"),
            Just("1969-12-31T23:59:59Z"),
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// JSON pointers of every value inside the events of a page.
fn pointers(v: &Value, here: String, out: &mut Vec<String>) {
    out.push(here.clone());
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                pointers(
                    x,
                    format!("{here}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                pointers(x, format!("{here}/{i}"), out);
            }
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn byte_flips_and_truncations_never_panic(
        which in 0usize..2,
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let (import, mut bytes) = importers()[which].clone();
        for (at, byte) in flips {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len()));
        }
        if let Ok(report) = import(&bytes, &ImportOptions::default()) {
            check(&report);
        }
    }

    #[test]
    fn random_values_in_fields_never_panic(
        which in 0usize..2,
        target in any::<prop::sample::Index>(),
        value in arb_json(),
    ) {
        let (import, bytes) = importers()[which].clone();
        let mut page: Value = serde_json::from_slice(&bytes).unwrap();
        let root = if which == 0 { "/_embedded/events" } else { "/events" };
        let mut all = Vec::new();
        pointers(page.pointer(root).unwrap(), root.to_string(), &mut all);
        let at = &all[target.index(all.len())];
        *page.pointer_mut(at).unwrap() = value;
        let bytes = serde_json::to_vec(&page).unwrap();
        match import(&bytes, &ImportOptions::default()) {
            Ok(report) => check(&report),
            // Only replacing the events array itself can make the page the wrong shape.
            Err(FeedError::Shape { path, .. }) => prop_assert_eq!(at.as_str(), root, "{}", path),
            Err(e) => prop_assert!(false, "{e}"),
        }
    }
}

#[test]
fn deeply_nested_payloads_are_errors_not_stack_overflows() {
    let deep = format!(
        r#"{{"events":[{{"id":"1","name":{}1{}}}]}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let err = import_eventbrite(deep.as_bytes(), &ImportOptions::default()).unwrap_err();
    assert!(matches!(err, FeedError::Syntax { .. }), "{err:?}");
}
