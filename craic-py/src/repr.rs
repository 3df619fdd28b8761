//! Python `repr` helpers shared by the binding's classes.

/// Python `repr` of an optional value.
pub(crate) fn opt<T: std::fmt::Debug>(v: &Option<T>) -> String {
    v.as_ref()
        .map_or_else(|| "None".to_owned(), |x| format!("{x:?}"))
}

/// Python `repr` of a bool.
pub(crate) fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}
