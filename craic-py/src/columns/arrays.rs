//! Typed, read-only views of one Arrow column of one record batch: strings, timestamps and
//! lists of strings, whatever their physical Arrow type. Nothing is copied except the
//! normalised keys of a dictionary-encoded column.

use std::ops::Range;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Int32Type, Int64Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType,
};
use arrow_array::{Array, LargeStringArray, StringArray, StringViewArray};
use arrow_buffer::NullBuffer;
use arrow_schema::{DataType, TimeUnit};

/// Whether `dt` is a string type this module reads: `Utf8`, `LargeUtf8`, `Utf8View`, or a
/// dictionary (any key type) of one of those.
pub(super) fn is_string(dt: &DataType) -> bool {
    match dt {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, values) => {
            matches!(
                values.as_ref(),
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            )
        }
        _ => false,
    }
}

/// Whether `dt` is a timestamp type this module reads: `Int64`, `Int32` (unix seconds) or an
/// Arrow `timestamp` of any unit (converted to seconds, rounding down).
pub(super) fn is_time(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Int64 | DataType::Int32 | DataType::Timestamp(_, _)
    )
}

/// Whether `dt` is a list type this module reads: `List` or `LargeList` of a string type.
pub(super) fn is_string_list(dt: &DataType) -> bool {
    match dt {
        // `list<null>`: what pyarrow infers from lists that are all empty.
        DataType::List(f) | DataType::LargeList(f) => {
            is_string(f.data_type()) || *f.data_type() == DataType::Null
        }
        _ => false,
    }
}

/// The index of the first null of `array` (logical nulls: a dictionary's null keys and null
/// values both count), or `None`.
pub(super) fn first_null(array: &dyn Array) -> Option<usize> {
    let nulls = array.logical_nulls()?;
    if nulls.null_count() == 0 {
        return None;
    }
    nulls.iter().position(|valid| !valid)
}

/// A string column.
pub(super) enum Strs<'a> {
    /// `Utf8`.
    Utf8(&'a StringArray),
    /// `LargeUtf8`.
    Large(&'a LargeStringArray),
    /// `Utf8View`.
    View(&'a StringViewArray),
    /// A dictionary: each row's key into `values` (empty when there are no values, in which
    /// case every row must be null).
    Dict {
        /// The keys, as indices into `values`.
        keys: Keys<'a>,
        /// The null keys.
        nulls: Option<&'a NullBuffer>,
        /// The dictionary.
        values: Box<Strs<'a>>,
    },
    /// Arrow type `null`: every row is null (the values of a `list<null>`).
    Nulls,
}

impl<'a> Strs<'a> {
    /// A view of `array`, or `None` if it is not a string type ([`is_string`]).
    pub(super) fn of(array: &'a dyn Array) -> Option<Self> {
        match array.data_type() {
            DataType::Utf8 => Some(Strs::Utf8(array.as_string::<i32>())),
            DataType::LargeUtf8 => Some(Strs::Large(array.as_string::<i64>())),
            DataType::Utf8View => Some(Strs::View(array.as_string_view())),
            DataType::Null => Some(Strs::Nulls),
            DataType::Dictionary(_, _) => {
                let dict = array.as_any_dictionary_opt()?;
                let values = Strs::of(dict.values().as_ref())?;
                let keys = if let Some(int32) = array.as_dictionary_opt::<Int32Type>() {
                    Keys::Int32(int32.keys().values())
                } else if dict.values().is_empty() {
                    // `normalized_keys` requires a non-empty dictionary.
                    Keys::Normalized(Vec::new())
                } else {
                    Keys::Normalized(dict.normalized_keys())
                };
                Some(Strs::Dict {
                    keys,
                    nulls: dict.keys().nulls(),
                    values: Box::new(values),
                })
            }
            _ => None,
        }
    }

    /// Row `i`, or `None` when it is null.
    pub(super) fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Strs::Utf8(a) => {
                let a: &'a StringArray = a;
                a.is_valid(i).then(|| a.value(i))
            }
            Strs::Large(a) => {
                let a: &'a LargeStringArray = a;
                a.is_valid(i).then(|| a.value(i))
            }
            Strs::View(a) => {
                let a: &'a StringViewArray = a;
                a.is_valid(i).then(|| a.value(i))
            }
            Strs::Dict {
                keys,
                nulls,
                values,
            } => {
                if nulls.is_some_and(|n| n.is_null(i)) {
                    return None;
                }
                values.get(keys.get(i)?)
            }
            Strs::Nulls => None,
        }
    }

    /// Row `i` as an owned string; `""` when null (callers check nulls first).
    pub(super) fn owned(&self, i: usize) -> String {
        self.get(i).unwrap_or_default().to_owned()
    }
}

/// The keys of a dictionary column.
pub(super) enum Keys<'a> {
    /// `Int32` keys (pandas' and the numpy codes' usual type), read in place.
    Int32(&'a [i32]),
    /// Keys of any other type, copied as indices.
    Normalized(Vec<usize>),
}

impl Keys<'_> {
    /// Row `i`'s index into the values (`None` past the end or for a negative key).
    fn get(&self, i: usize) -> Option<usize> {
        match self {
            Keys::Int32(keys) => usize::try_from(*keys.get(i)?).ok(),
            Keys::Normalized(keys) => keys.get(i).copied(),
        }
    }
}

/// A timestamp column, in unix seconds.
pub(super) enum Times<'a> {
    /// 64-bit values, divided by `per_second` (1 for seconds, 1000 for milliseconds, ...).
    I64 {
        /// The raw values.
        values: &'a [i64],
        /// Units per second.
        per_second: i64,
        /// The nulls.
        nulls: Option<&'a NullBuffer>,
    },
    /// 32-bit seconds.
    I32 {
        /// The raw values.
        values: &'a [i32],
        /// The nulls.
        nulls: Option<&'a NullBuffer>,
    },
}

impl<'a> Times<'a> {
    /// A view of `array`, or `None` if it is not a timestamp type ([`is_time`]).
    pub(super) fn of(array: &'a dyn Array) -> Option<Self> {
        let nulls = array.nulls();
        let (values, per_second): (&'a [i64], i64) = match array.data_type() {
            DataType::Int32 => {
                let values = array.as_primitive_opt::<Int32Type>()?.values();
                return Some(Times::I32 { values, nulls });
            }
            DataType::Int64 => (array.as_primitive_opt::<Int64Type>()?.values(), 1),
            DataType::Timestamp(TimeUnit::Second, _) => {
                (array.as_primitive_opt::<TimestampSecondType>()?.values(), 1)
            }
            DataType::Timestamp(TimeUnit::Millisecond, _) => (
                array
                    .as_primitive_opt::<TimestampMillisecondType>()?
                    .values(),
                1_000,
            ),
            DataType::Timestamp(TimeUnit::Microsecond, _) => (
                array
                    .as_primitive_opt::<TimestampMicrosecondType>()?
                    .values(),
                1_000_000,
            ),
            DataType::Timestamp(TimeUnit::Nanosecond, _) => (
                array
                    .as_primitive_opt::<TimestampNanosecondType>()?
                    .values(),
                1_000_000_000,
            ),
            _ => return None,
        };
        Some(Times::I64 {
            values,
            per_second,
            nulls,
        })
    }

    /// Row `i` in unix seconds (rounded down), or `None` when it is null.
    pub(super) fn get(&self, i: usize) -> Option<i64> {
        match self {
            Times::I64 {
                values,
                per_second,
                nulls,
            } => {
                if nulls.is_some_and(|n| n.is_null(i)) {
                    return None;
                }
                Some(values.get(i)?.div_euclid(*per_second))
            }
            Times::I32 { values, nulls } => {
                if nulls.is_some_and(|n| n.is_null(i)) {
                    return None;
                }
                values.get(i).map(|&v| i64::from(v))
            }
        }
    }
}

/// A column of lists of strings.
pub(super) struct Lists<'a> {
    /// Row `i` spans `offsets[i]..offsets[i + 1]` of `values`.
    offsets: Vec<usize>,
    /// The null lists.
    nulls: Option<&'a NullBuffer>,
    /// The strings of every list, end to end.
    values: Strs<'a>,
    /// Whether any string in `values` is null.
    has_null_values: bool,
}

impl<'a> Lists<'a> {
    /// A view of `array`, or `None` if it is not a list of strings ([`is_string_list`]).
    pub(super) fn of(array: &'a dyn Array) -> Option<Self> {
        let (offsets, child): (Vec<usize>, &'a dyn Array) = match array.data_type() {
            DataType::List(_) => {
                let list = array.as_list_opt::<i32>()?;
                let offsets = list.value_offsets().iter().map(|&o| o as usize).collect();
                (offsets, list.values().as_ref())
            }
            DataType::LargeList(_) => {
                let list = array.as_list_opt::<i64>()?;
                let offsets = list.value_offsets().iter().map(|&o| o as usize).collect();
                (offsets, list.values().as_ref())
            }
            _ => return None,
        };
        Some(Lists {
            offsets,
            nulls: array.nulls(),
            values: Strs::of(child)?,
            has_null_values: first_null(child).is_some(),
        })
    }

    /// The strings of row `i`.
    fn range(&self, i: usize) -> Range<usize> {
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&start), Some(&end)) if start <= end => start..end,
            _ => 0..0,
        }
    }

    /// Whether row `i` is null.
    fn is_null(&self, i: usize) -> bool {
        self.nulls.is_some_and(|n| n.is_null(i))
    }

    /// The first row (of `len`) whose list holds a null string, or `None`.
    pub(super) fn first_null_element(&self, len: usize) -> Option<usize> {
        if !self.has_null_values {
            return None;
        }
        (0..len).find(|&i| !self.is_null(i) && self.range(i).any(|j| self.values.get(j).is_none()))
    }

    /// Row `i`; a null list is empty.
    pub(super) fn get(&self, i: usize) -> Vec<String> {
        if self.is_null(i) {
            return Vec::new();
        }
        self.range(i).map(|j| self.values.owned(j)).collect()
    }
}
