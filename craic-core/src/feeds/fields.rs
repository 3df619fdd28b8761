//! Reading fields of one event's JSON with the path of every field kept for problem reports.

use serde_json::Value;

use super::{Problem, ProblemKind};

/// One event being imported: its JSON, where it sits in the page, and the problems found so far.
pub(crate) struct Event<'v> {
    pub json: &'v Value,
    /// Path of the event itself, e.g. `$._embedded.events[3]`.
    pub base: String,
    pub index: usize,
    pub id: Option<String>,
    pub warnings: Vec<Problem>,
}

/// Renders a relative path (`dates.start.0.x`) as JSONPath (`.dates.start[0].x`).
pub(crate) fn render(rel: &str) -> String {
    let mut out = String::new();
    for seg in rel.split('.').filter(|s| !s.is_empty()) {
        if seg.bytes().all(|b| b.is_ascii_digit()) {
            out.push('[');
            out.push_str(seg);
            out.push(']');
        } else {
            out.push('.');
            out.push_str(seg);
        }
    }
    out
}

/// The value at a relative path (`a.b.0.c`; numeric segments index arrays), `None` if absent.
pub(crate) fn at<'v>(v: &'v Value, rel: &str) -> Option<&'v Value> {
    let mut cur = v;
    for seg in rel.split('.').filter(|s| !s.is_empty()) {
        cur = match cur {
            Value::Object(m) => m.get(seg)?,
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

impl<'v> Event<'v> {
    pub fn new(json: &'v Value, base: String, index: usize) -> Self {
        Event {
            json,
            base,
            index,
            id: None,
            warnings: Vec::new(),
        }
    }

    /// A problem at the relative path `rel`.
    pub fn problem(&self, rel: &str, kind: ProblemKind) -> Problem {
        Problem {
            id: self.id.clone(),
            index: self.index,
            path: format!("{}{}", self.base, render(rel)),
            kind,
        }
    }

    /// Records a warning (the field is dropped, the event kept).
    pub fn warn(&mut self, rel: &str, kind: ProblemKind) {
        let p = self.problem(rel, kind);
        self.warnings.push(p);
    }

    /// A string field: `Ok(None)` if absent or null, `Err` if another type.
    pub fn str(&self, rel: &str) -> Result<Option<&'v str>, Problem> {
        match at(self.json, rel) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(self.problem(rel, ProblemKind::WrongType { expected: "string" })),
        }
    }

    /// An optional string: a wrong type is a warning and reads as absent. Blank reads as absent.
    pub fn opt_str(&mut self, rel: &str) -> Option<&'v str> {
        match self.str(rel) {
            Ok(s) => s.map(str::trim).filter(|s| !s.is_empty()),
            Err(p) => {
                self.warnings.push(p);
                None
            }
        }
    }

    /// An optional boolean (absent, null or another type read as `false`; another type warns).
    pub fn flag(&mut self, rel: &str) -> bool {
        match at(self.json, rel) {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                self.warn(
                    rel,
                    ProblemKind::WrongType {
                        expected: "boolean",
                    },
                );
                false
            }
        }
    }

    /// An id: a string or an integer (some feeds' ids are numeric).
    pub fn id_at(&self, rel: &str) -> Result<String, Problem> {
        match at(self.json, rel) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
            Some(Value::Number(n)) if n.is_u64() => Ok(n.to_string()),
            None | Some(Value::Null) => Err(self.problem(rel, ProblemKind::Missing)),
            Some(Value::String(_)) => Err(self.problem(rel, ProblemKind::Missing)),
            Some(_) => Err(self.problem(rel, ProblemKind::WrongType { expected: "string" })),
        }
    }

    /// The elements of an optional array (absent / null → empty; another type warns).
    pub fn array(&mut self, rel: &str) -> &'v [Value] {
        match at(self.json, rel) {
            None | Some(Value::Null) => &[],
            Some(Value::Array(a)) => a.as_slice(),
            Some(_) => {
                self.warn(rel, ProblemKind::WrongType { expected: "array" });
                &[]
            }
        }
    }
}

/// Pushes `s` onto `out` unless an equal value (ignoring case) is already there.
pub(crate) fn push_unique(out: &mut Vec<String>, s: &str) {
    let s = s.trim();
    if !s.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(s) || o == s) {
        out.push(s.to_string());
    }
}

/// What one event of a page became.
pub(crate) enum Outcome {
    Import(super::FeedEvent),
    Remove(super::Removal),
    Reject(Problem),
}

impl Outcome {
    /// A removal, or a rejection if the id is not a usable item id (e.g. over 256 bytes).
    pub fn remove(ev: &Event<'_>, id: String, status: super::EventStatus) -> Outcome {
        match crate::validate_id(&id) {
            Ok(()) => Outcome::Remove(super::Removal { id, status }),
            Err(e) => Outcome::Reject(ev.problem("id", ProblemKind::InvalidItem(e.to_string()))),
        }
    }

    /// Adds the outcome and the event's warnings to the report.
    pub fn record(self, warnings: Vec<Problem>, report: &mut super::ImportReport) {
        match self {
            Outcome::Import(e) => {
                report.events.push(e);
                report.warnings.extend(warnings);
            }
            Outcome::Remove(r) => report.removed.push(r),
            Outcome::Reject(p) => report.rejected.push(p),
        }
    }
}

impl Event<'_> {
    /// Unix seconds of a local time (`local`: seconds since 1970-01-01 local) in `zone`, read
    /// from the field at `zone_rel`; `UnknownTimezone` if the zone is absent or unknown.
    pub fn in_zone(
        &self,
        zones: &super::Zones,
        local: i64,
        zone: Option<&str>,
        zone_rel: &str,
    ) -> Result<i64, Problem> {
        let name = zone.unwrap_or_default();
        zones
            .to_utc(name, local)
            .ok_or_else(|| self.problem(zone_rel, ProblemKind::UnknownTimezone(clip(name))))
    }
}

/// A value for a problem report: at most 64 characters.
pub(crate) fn clip(s: &str) -> String {
    s.chars().take(64).collect()
}

/// Checks the finished item: an end before the start is dropped with a warning; an event
/// lasting more than 24 hours is tagged `multi-day`.
pub(crate) fn finish_item(
    ev: &mut Event<'_>,
    mut item: crate::Item,
    end_rel: &str,
) -> Result<crate::Item, Problem> {
    if item.ends_at.is_some_and(|end| end < item.starts_at) {
        item.ends_at = None;
        ev.warn(end_rel, ProblemKind::EndBeforeStart);
    }
    if item
        .ends_at
        .is_some_and(|end| end - item.starts_at > 86_400)
    {
        push_unique(&mut item.tags, "multi-day");
    }
    item.validate()
        .map_err(|e| ev.problem("", ProblemKind::InvalidItem(e.to_string())))?;
    Ok(item)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_types() {
        let v = serde_json::json!({"a": {"b": [{"c": "x"}, {"c": 3}]}, "n": 12});
        let mut ev = Event::new(&v, "$.events[2]".into(), 2);
        assert_eq!(ev.str("a.b.0.c").unwrap(), Some("x"));
        let err = ev.str("a.b.1.c").unwrap_err();
        assert_eq!(err.path, "$.events[2].a.b[1].c");
        assert_eq!(err.kind, ProblemKind::WrongType { expected: "string" });
        assert_eq!(ev.opt_str("a.b.1.c"), None);
        assert_eq!(ev.warnings.len(), 1);
        assert_eq!(ev.id_at("n").unwrap(), "12");
        assert_eq!(ev.id_at("zz").unwrap_err().kind, ProblemKind::Missing);
        assert_eq!(ev.array("a.b").len(), 2);
        assert!(ev.array("a.b.0.c").is_empty());
        assert_eq!(ev.warnings.len(), 2);
    }
}
