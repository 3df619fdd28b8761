//! Streams the events array of a page, one event at a time, without holding the page.

use std::fmt;
use std::io::Read;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::FeedError;

struct Ctx<'f> {
    sink: &'f mut dyn FnMut(usize, Value),
    seen: usize,
    shape: Option<(String, String)>,
}

/// Walks the object path `keys` (e.g. `["_embedded", "events"]`) from the top of the page and
/// calls `sink(index, event)` for each element of the array found there. A missing or null
/// object or array on the way is an empty page; any other type is a [`FeedError::Shape`].
/// Returns the number of elements.
pub(crate) fn for_each_event<R: Read>(
    reader: R,
    feed: &'static str,
    keys: &[&'static str],
    sink: &mut dyn FnMut(usize, Value),
) -> Result<usize, FeedError> {
    let mut ctx = Ctx {
        sink,
        seen: 0,
        shape: None,
    };
    let mut de = serde_json::Deserializer::from_reader(std::io::BufReader::new(reader));
    let level = Level {
        ctx: &mut ctx,
        keys,
        depth: 0,
    };
    let outcome = level.deserialize(&mut de).and_then(|()| de.end());
    if let Some((path, reason)) = ctx.shape {
        return Err(FeedError::Shape { feed, path, reason });
    }
    match outcome {
        Ok(()) => Ok(ctx.seen),
        Err(e) => Err(FeedError::Syntax {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        }),
    }
}

fn path_of(keys: &[&str], depth: usize) -> String {
    let mut p = String::from("$");
    for k in &keys[..depth] {
        p.push('.');
        p.push_str(k);
    }
    p
}

struct Level<'c, 'f> {
    ctx: &'c mut Ctx<'f>,
    keys: &'c [&'static str],
    depth: usize,
}

impl Level<'_, '_> {
    fn shape<E: de::Error>(self, what: &str) -> Result<(), E> {
        let expected = if self.depth == self.keys.len() {
            "an array"
        } else {
            "an object"
        };
        let path = path_of(self.keys, self.depth);
        self.ctx.shape = Some((path, format!("expected {expected}, found {what}")));
        Err(E::custom("page shape"))
    }
}

impl<'de> DeserializeSeed<'de> for Level<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

macro_rules! wrong_type {
    ($($name:ident: $t:ty => $what:expr),*) => {
        $(fn $name<E: de::Error>(self, _v: $t) -> Result<(), E> {
            self.shape($what)
        })*
    };
}

impl<'de> Visitor<'de> for Level<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a feed page")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        if self.depth == 0 {
            return self.shape("null");
        }
        Ok(())
    }

    wrong_type!(visit_bool: bool => "a boolean", visit_i64: i64 => "a number",
        visit_u64: u64 => "a number", visit_f64: f64 => "a number", visit_str: &str => "a string");

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        if self.depth == self.keys.len() {
            return self.shape("an object");
        }
        while let Some(key) = map.next_key::<String>()? {
            if key != self.keys[self.depth] {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            map.next_value_seed(Level {
                ctx: &mut *self.ctx,
                keys: self.keys,
                depth: self.depth + 1,
            })?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if self.depth != self.keys.len() {
            return self.shape("an array");
        }
        while let Some(event) = seq.next_element::<Value>()? {
            let index = self.ctx.seen;
            self.ctx.seen += 1;
            (self.ctx.sink)(index, event);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(page: &str) -> Result<Vec<(usize, Value)>, FeedError> {
        let mut got = Vec::new();
        for_each_event(
            page.as_bytes(),
            "Test",
            &["_embedded", "events"],
            &mut |i, v| got.push((i, v)),
        )?;
        Ok(got)
    }

    #[test]
    fn walks_only_the_events_array() {
        let page =
            r#"{"_links":{"events":[9]},"_embedded":{"x":[1],"events":[{"a":1},2]},"page":{}}"#;
        let got = run(page).unwrap();
        assert_eq!(
            got,
            vec![(0, serde_json::json!({"a": 1})), (1, serde_json::json!(2))]
        );
        assert_eq!(run("{}").unwrap(), vec![]);
        assert_eq!(run(r#"{"_embedded":null}"#).unwrap(), vec![]);
    }

    #[test]
    fn shape_and_syntax_errors() {
        let e = run(r#"{"_embedded":{"events":{"a":1}}}"#).unwrap_err();
        assert_eq!(
            e,
            FeedError::Shape {
                feed: "Test",
                path: "$._embedded.events".into(),
                reason: "expected an array, found an object".into()
            }
        );
        assert!(matches!(run("[]").unwrap_err(), FeedError::Shape { .. }));
        let e = run(r#"{"_embedded":{"events":[{"a":1},"#).unwrap_err();
        assert!(matches!(e, FeedError::Syntax { line: 1, .. }), "{e:?}");
        assert!(matches!(run("{} x").unwrap_err(), FeedError::Syntax { .. }));
    }
}
