//! A mapping of column name to numpy array, converted into one Arrow record batch (so the
//! Arrow path does the rest) without creating a Python object per row.
//!
//! String columns: numpy `str` (`<U`, read as UCS-4 code points), `bytes` (`S`, UTF-8),
//! `StringDType` (converted to `<U` by numpy), or `object` arrays of `str` (`None` and NaN are
//! null). A string column may instead be dictionary-encoded, as a `tuple` `(codes, categories)`
//! (what a pandas `Categorical` holds, as `.codes` and `.categories`): `codes` any integer array
//! (a negative code is null, as pandas' -1), `categories` any string column above; row `i` is
//! `categories[codes[i]]`, read with no string per row ([`super::codes`]); a code at or past
//! `len(categories)` is `out_of_range` with `.row`. Time columns: any signed integer (or
//! unsigned up to 32 bits) of unix seconds, or `datetime64` of any unit (`NaT` is null); a rank
//! column likewise any integer array. List columns: any sequence (e.g. an `object` array) of
//! sequences of `str`, or `None`. A value that is not a numpy array is passed to
//! `numpy.asarray` first (list columns excepted). Every column must have the same length (a
//! coded column's length is that of its codes).

use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{ArrayRef, Int64Array, RecordBatch};
use numpy::{
    Element, PyArrayDescrMethods, PyReadonlyArray1, PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyFloat, PyMapping, PyString, PyTuple};

use super::codes::{self, CodeError};
use super::{ColumnError, Frame, Shape, Spec, Table};

/// Reads the columns of `table` found in `mapping`.
pub(super) fn frame(mapping: &Bound<'_, PyMapping>, table: Table) -> PyResult<Frame> {
    let np = mapping.py().import("numpy")?;
    let mut columns: Vec<(&'static str, ArrayRef)> = Vec::new();
    for spec in table.specs() {
        if !mapping.contains(spec.name)? {
            continue;
        }
        let value = mapping.get_item(spec.name)?;
        if value.is_none() && !spec.required {
            continue;
        }
        let column = Column {
            np: &np,
            table,
            spec,
        };
        let array = match spec.shape {
            Shape::Str => match coded_pair(&value)? {
                Some((codes, categories)) => column.coded(&codes, &categories)?,
                None => column.strings(&value)?,
            },
            Shape::Time | Shape::Rank => column.times(&value)?,
            Shape::StrList => column.lists(&value)?,
        };
        if let Some((name, first)) = columns.first() {
            if first.len() != array.len() {
                let message = format!(
                    "column `{}` has {} rows but `{name}` has {}",
                    spec.name,
                    array.len(),
                    first.len()
                );
                return Err(ColumnError::layout(table, message).into_py());
            }
        }
        columns.push((spec.name, array));
    }
    if columns.is_empty() {
        return Ok(Frame::of_batch(table, None));
    }
    let batch =
        RecordBatch::try_from_iter(columns).map_err(|e| ColumnError::layout(table, e).into_py())?;
    Ok(Frame::of_batch(table, Some(batch)))
}

/// One column being read.
struct Column<'a, 'py> {
    np: &'a Bound<'py, PyModule>,
    table: Table,
    spec: &'a Spec,
}

impl<'py> Column<'_, 'py> {
    fn type_error(&self, what: impl std::fmt::Display) -> PyErr {
        let message = format!(
            "column `{}` is {what}; expected {}",
            self.spec.name,
            self.spec.shape.expected()
        );
        ColumnError::layout(self.table, message).into_py()
    }

    fn bad_value(&self, row: usize, problem: impl std::fmt::Display) -> PyErr {
        ColumnError::value(self.table, self.spec, row, problem).into_py()
    }

    /// `value` as a one-dimensional, C-contiguous numpy array (of `dtype` if given).
    fn array(
        &self,
        value: &Bound<'py, PyAny>,
        dtype: Option<&str>,
    ) -> PyResult<Bound<'py, PyUntypedArray>> {
        let array = match dtype {
            Some(d) => self.np.call_method1("ascontiguousarray", (value, d))?,
            None => self.np.call_method1("ascontiguousarray", (value,))?,
        };
        let array = array.cast_into::<PyUntypedArray>()?;
        if array.ndim() != 1 {
            return Err(self.type_error(format_args!("{}-dimensional", array.ndim())));
        }
        Ok(array)
    }

    /// A string column.
    fn strings(&self, value: &Bound<'py, PyAny>) -> PyResult<ArrayRef> {
        let array = self.array(value, None)?;
        let dtype = array.dtype();
        let mut out = StringBuilder::with_capacity(array.len(), 0);
        if array.len() == 0 {
            // `[]` becomes a float64 array: an empty column of any dtype is an empty column.
            return Ok(Arc::new(out.finish()));
        }
        match dtype.kind() {
            b'U' => {
                let width = dtype.itemsize() / 4;
                let native = self.array(&array, Some(&format!("=U{width}")))?;
                self.unicode(&native, width, &mut out)?;
            }
            b'T' => {
                let fixed = array.call_method1("astype", ("U",))?;
                return self.strings(&fixed);
            }
            b'S' => self.bytes(&array, dtype.itemsize(), &mut out)?,
            b'O' => self.objects(&array, &mut out)?,
            _ => return Err(self.type_error(format_args!("a numpy array of {dtype}"))),
        }
        Ok(Arc::new(out.finish()))
    }

    /// A str column given as `(codes, categories)`: a dictionary over the categories (read as
    /// any str column is), keyed by the integer codes; a negative code is null.
    fn coded(
        &self,
        codes: &Bound<'py, PyAny>,
        categories: &Bound<'py, PyAny>,
    ) -> PyResult<ArrayRef> {
        let values = self.strings(categories)?;
        let codes = self.array(codes, None)?;
        let dtype = codes.dtype();
        let (kind, size) = (dtype.kind(), dtype.itemsize());
        let codes = if matches!(kind, b'i' | b'u') && dtype.is_native_byteorder() == Some(false) {
            self.array(&codes, Some(&format!("={}{size}", char::from(kind))))?
        } else {
            codes
        };
        match (kind, size) {
            (b'i', 1) => self.keys::<i8>(&codes, values),
            (b'i', 2) => self.keys::<i16>(&codes, values),
            (b'i', 4) => self.keys::<i32>(&codes, values),
            (b'i', 8) => self.keys::<i64>(&codes, values),
            (b'u', 1) => self.keys::<u8>(&codes, values),
            (b'u', 2) => self.keys::<u16>(&codes, values),
            (b'u', 4) => self.keys::<u32>(&codes, values),
            (b'u', 8) => self.keys::<u64>(&codes, values),
            _ => Err(self.type_error(format_args!(
                "a pair whose codes are a numpy array of {dtype}"
            ))),
        }
    }

    /// The dictionary column of `codes` (an integer array of element type `T`) over `values`.
    fn keys<T>(&self, codes: &Bound<'py, PyUntypedArray>, values: ArrayRef) -> PyResult<ArrayRef>
    where
        T: Element + Copy,
        i128: From<T>,
    {
        let codes: PyReadonlyArray1<'_, T> = codes.extract()?;
        let codes = codes
            .as_slice()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        codes::dictionary(codes, values).map_err(|e| match e {
            CodeError::OutOfRange {
                row,
                code,
                categories,
            } => {
                let problem =
                    format_args!("holds code {code}, outside the {categories} categories");
                ColumnError::out_of_range(self.table, self.spec, row, problem).into_py()
            }
            CodeError::Arrow(message) => ColumnError::layout(self.table, message).into_py(),
        })
    }

    /// A `<U{width}` array: UCS-4 code points, NUL-padded.
    fn unicode(
        &self,
        array: &Bound<'py, PyUntypedArray>,
        width: usize,
        out: &mut StringBuilder,
    ) -> PyResult<()> {
        if width == 0 {
            (0..array.len()).for_each(|_| out.append_value(""));
            return Ok(());
        }
        let codes = array.call_method1("view", (self.np.getattr("uint32")?,))?;
        let codes: PyReadonlyArray1<'_, u32> = codes.extract()?;
        let codes = codes
            .as_slice()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        let mut s = String::new();
        for (row, chunk) in codes.chunks_exact(width).enumerate() {
            s.clear();
            let end = chunk.iter().rposition(|&c| c != 0).map_or(0, |p| p + 1);
            for &c in &chunk[..end] {
                let c = char::from_u32(c)
                    .ok_or_else(|| self.bad_value(row, format_args!("holds code point {c:#x}")))?;
                s.push(c);
            }
            out.append_value(&s);
        }
        Ok(())
    }

    /// An `S{width}` array: UTF-8 bytes, NUL-padded.
    fn bytes(
        &self,
        array: &Bound<'py, PyUntypedArray>,
        width: usize,
        out: &mut StringBuilder,
    ) -> PyResult<()> {
        if width == 0 {
            (0..array.len()).for_each(|_| out.append_value(""));
            return Ok(());
        }
        let raw = array.call_method1("view", (self.np.getattr("uint8")?,))?;
        let raw: PyReadonlyArray1<'_, u8> = raw.extract()?;
        let raw = raw
            .as_slice()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        for (row, chunk) in raw.chunks_exact(width).enumerate() {
            let end = chunk.iter().rposition(|&c| c != 0).map_or(0, |p| p + 1);
            let s = std::str::from_utf8(&chunk[..end])
                .map_err(|_| self.bad_value(row, "is not valid UTF-8"))?;
            out.append_value(s);
        }
        Ok(())
    }

    /// An `object` array of `str` (`None` and NaN are null).
    fn objects(&self, array: &Bound<'py, PyUntypedArray>, out: &mut StringBuilder) -> PyResult<()> {
        let objects: PyReadonlyArray1<'_, Py<PyAny>> = array.extract()?;
        let objects = objects
            .as_slice()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        let py = array.py();
        for (row, obj) in objects.iter().enumerate() {
            let obj = obj.bind(py);
            if let Ok(s) = obj.cast::<PyString>() {
                out.append_value(s.to_cow()?);
            } else if is_missing(obj) {
                out.append_null();
            } else {
                let type_name = obj.get_type().name()?;
                return Err(self.bad_value(row, format_args!("holds a {type_name}, not a str")));
            }
        }
        Ok(())
    }

    /// A time column, as int64 unix seconds.
    fn times(&self, value: &Bound<'py, PyAny>) -> PyResult<ArrayRef> {
        let array = self.array(value, None)?;
        let dtype = array.dtype();
        let (kind, size) = (dtype.kind(), dtype.itemsize());
        let datetime = kind == b'M';
        if array.len() == 0 {
            return Ok(Arc::new(Int64Array::from(Vec::<i64>::new())));
        }
        let seconds = match kind {
            b'i' => array.call_method1("astype", ("int64",))?,
            b'u' if size <= 4 => array.call_method1("astype", ("int64",))?,
            b'M' => array
                .call_method1("astype", ("datetime64[s]",))?
                .call_method1("view", ("int64",))?,
            _ => return Err(self.type_error(format_args!("a numpy array of {dtype}"))),
        };
        let seconds: PyReadonlyArray1<'_, i64> = seconds.extract()?;
        let seconds = seconds
            .as_slice()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        let array = if datetime {
            // NaT is i64::MIN.
            Int64Array::from_iter(seconds.iter().map(|&v| (v != i64::MIN).then_some(v)))
        } else {
            Int64Array::from(seconds.to_vec())
        };
        Ok(Arc::new(array))
    }

    /// A list column: a sequence of sequences of `str` (or `None`).
    fn lists(&self, value: &Bound<'py, PyAny>) -> PyResult<ArrayRef> {
        let mut out = ListBuilder::new(StringBuilder::new());
        for (row, list) in value.try_iter()?.enumerate() {
            let list = list?;
            if is_missing(&list) {
                out.append(false);
                continue;
            }
            if list.is_instance_of::<PyString>() || list.is_instance_of::<PyBytes>() {
                return Err(self.bad_value(row, "holds a str, not a list of str"));
            }
            let Ok(strings) = list.try_iter() else {
                let type_name = list.get_type().name()?;
                return Err(self.bad_value(row, format_args!("holds a {type_name}, not a list")));
            };
            for s in strings {
                let s = s?;
                if let Ok(s) = s.cast::<PyString>() {
                    out.values().append_value(s.to_cow()?);
                } else if s.is_none() {
                    // Reported with its row when the column is read.
                    out.values().append_null();
                } else {
                    let type_name = s.get_type().name()?;
                    return Err(self.bad_value(row, format_args!("holds a {type_name} in a list")));
                }
            }
            out.append(true);
        }
        Ok(Arc::new(out.finish()))
    }
}

/// `value` as a `(codes, categories)` pair: a `tuple` of two whose first element is not a
/// string or a missing value (a tuple of two strings is a column of two rows).
fn coded_pair<'py>(
    value: &Bound<'py, PyAny>,
) -> PyResult<Option<(Bound<'py, PyAny>, Bound<'py, PyAny>)>> {
    let Ok(tuple) = value.cast::<PyTuple>() else {
        return Ok(None);
    };
    if tuple.len() != 2 {
        return Ok(None);
    }
    let codes = tuple.get_item(0)?;
    if codes.is_instance_of::<PyString>() || codes.is_instance_of::<PyBytes>() || is_missing(&codes)
    {
        return Ok(None);
    }
    Ok(Some((codes, tuple.get_item(1)?)))
}

/// Whether `obj` is `None` or a float NaN (pandas' missing value).
fn is_missing(obj: &Bound<'_, PyAny>) -> bool {
    obj.is_none() || obj.cast::<PyFloat>().is_ok_and(|f| f.value().is_nan())
}
