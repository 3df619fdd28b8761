//! A dictionary-encoded string column built from integer codes and their categories (the
//! `(codes, categories)` pair of a numpy mapping, what pandas' `Categorical` holds): an Arrow
//! `DictionaryArray` over the categories, so the Arrow path reads every row as a borrowed `&str`
//! with no string per row. Only the codes are copied, narrowed to the smallest key type that
//! indexes every category (`Int32` unless there are more than `i32::MAX` categories).

use std::sync::Arc;

use arrow_array::types::{ArrowDictionaryKeyType, Int32Type, Int64Type};
use arrow_array::{ArrayRef, DictionaryArray, PrimitiveArray};
use arrow_buffer::{ArrowNativeType, NullBufferBuilder, ScalarBuffer};

/// Why codes could not be read.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum CodeError {
    /// Row `row` holds `code`, not an index into the categories (`0..categories`).
    OutOfRange {
        /// The row.
        row: usize,
        /// Its code.
        code: i128,
        /// How many categories there are.
        categories: usize,
    },
    /// Arrow refused the dictionary (not expected: the keys were checked).
    Arrow(String),
}

/// The dictionary column whose row `i` is `values[codes[i]]`; a negative code is a null row.
pub(super) fn dictionary<T>(codes: &[T], values: ArrayRef) -> Result<ArrayRef, CodeError>
where
    T: Copy,
    i128: From<T>,
{
    if i32::try_from(values.len()).is_ok() {
        typed::<T, Int32Type>(codes, values)
    } else {
        typed::<T, Int64Type>(codes, values)
    }
}

fn typed<T, K>(codes: &[T], values: ArrayRef) -> Result<ArrayRef, CodeError>
where
    T: Copy,
    i128: From<T>,
    K: ArrowDictionaryKeyType,
{
    let categories = values.len();
    let mut keys: Vec<K::Native> = Vec::with_capacity(codes.len());
    let mut nulls = NullBufferBuilder::new(codes.len());
    for (row, &code) in codes.iter().enumerate() {
        let code = i128::from(code);
        if code < 0 {
            keys.push(K::Native::default());
            nulls.append_null();
            continue;
        }
        let key = usize::try_from(code)
            .ok()
            .filter(|&k| k < categories)
            .and_then(K::Native::from_usize)
            .ok_or(CodeError::OutOfRange {
                row,
                code,
                categories,
            })?;
        keys.push(key);
        nulls.append_non_null();
    }
    let keys = PrimitiveArray::<K>::new(ScalarBuffer::from(keys), nulls.finish());
    DictionaryArray::<K>::try_new(keys, values)
        .map(|d| Arc::new(d) as ArrayRef)
        .map_err(|e| CodeError::Arrow(e.to_string()))
}

#[cfg(test)]
mod tests {
    use arrow_array::cast::AsArray;
    use arrow_array::{Array, StringArray};
    use arrow_schema::DataType;

    use super::*;

    fn values() -> ArrayRef {
        Arc::new(StringArray::from(vec!["save", "click"]))
    }

    #[test]
    fn codes_index_the_categories_and_negatives_are_null() {
        let array = dictionary(&[1i64, 0, -1, 1, -7], values()).unwrap();
        assert_eq!(
            array.data_type(),
            &DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
        );
        let dict = array.as_dictionary::<Int32Type>();
        let strings = dict.values().as_string::<i32>();
        let rows: Vec<Option<&str>> = (0..dict.len())
            .map(|i| {
                dict.is_valid(i)
                    .then(|| strings.value(dict.key(i).unwrap()))
            })
            .collect();
        assert_eq!(
            rows,
            [Some("click"), Some("save"), None, Some("click"), None]
        );
    }

    #[test]
    fn a_code_past_the_categories_names_its_row() {
        let err = dictionary(&[0u8, 1, 2], values()).unwrap_err();
        assert_eq!(
            err,
            CodeError::OutOfRange {
                row: 2,
                code: 2,
                categories: 2
            }
        );
        let err = dictionary(&[u64::MAX], values()).unwrap_err();
        assert!(matches!(err, CodeError::OutOfRange { row: 0, .. }));
    }

    #[test]
    fn no_categories_allow_only_nulls() {
        let empty: ArrayRef = Arc::new(StringArray::from(Vec::<&str>::new()));
        assert_eq!(
            dictionary(&[-1i16, -1], empty.clone())
                .unwrap()
                .null_count(),
            2
        );
        assert!(dictionary(&[0i16], empty).is_err());
    }
}
