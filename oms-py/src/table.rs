//! Arrow tables in and out: reading any `__arrow_c_stream__` producer into
//! record batches, typed column access with messages that name the table,
//! column and row, and `Table`, the immutable result the table API returns.

use std::io::Cursor;
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Decimal128Builder, Float64Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder, UInt32Builder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::{Decimal128Type, Float64Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{
    Array, ArrayRef, LargeStringArray, RecordBatch, StringArray, StringViewArray, StructArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use chrono::{DateTime, Utc};
use oms_core::OmsError;
use pyo3::exceptions::{PyImportError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyCapsule, PyDict};
use pyo3_arrow::ffi::{to_stream_pycapsule, ArrayIterator};
use pyo3_arrow::PyRecordBatchReader;
use rust_decimal::Decimal;

use crate::errors::to_py_err;

/// A validation error about a table's input, as `ValidationError`.
pub(crate) fn invalid(py: Python<'_>, field: String, message: impl Into<String>) -> PyErr {
    to_py_err(py, &OmsError::validation(field, message), None)
}

/// Reads every batch of an Arrow stream producer (`what` names it in errors).
pub(crate) fn read_table(
    source: &Bound<'_, PyAny>,
    what: &str,
) -> PyResult<(SchemaRef, Vec<RecordBatch>)> {
    if let Ok(t) = source.cast::<Table>() {
        let t = t.get();
        return Ok((t.schema.clone(), t.batches.clone()));
    }
    if !source.hasattr("__arrow_c_stream__")? {
        return Err(PyTypeError::new_err(format!(
            "{what} must be an Arrow table (an object with __arrow_c_stream__: pyarrow.Table, \
             polars.DataFrame, pandas.DataFrame with pyarrow installed, a DuckDB result, \
             oms_engine.Table); got {}",
            source.get_type().name()?
        )));
    }
    let capsule = source.call_method0("__arrow_c_stream__")?;
    let capsule = capsule.cast::<PyCapsule>()?;
    let reader = PyRecordBatchReader::from_arrow_pycapsule(capsule)?.into_reader()?;
    let schema = reader.schema();
    let mut batches = Vec::new();
    for batch in reader {
        batches.push(batch.map_err(|e| PyValueError::new_err(format!("{what}: {e}")))?);
    }
    Ok((schema, batches))
}

/// One column of a table, found by name in every batch.
pub(crate) struct Column<'a> {
    pub(crate) table: &'a str,
    pub(crate) name: &'a str,
    pub(crate) index: usize,
    pub(crate) data_type: DataType,
}

impl<'a> Column<'a> {
    /// The column `name` of `table`, or `None` when absent.
    pub(crate) fn find(schema: &Schema, table: &'a str, name: &'a str) -> Option<Column<'a>> {
        let (index, field) = schema.column_with_name(name)?;
        Some(Column {
            table,
            name,
            index,
            data_type: field.data_type().clone(),
        })
    }

    /// The column `name` of `table`; a `ValidationError` when absent.
    pub(crate) fn required(
        py: Python<'_>,
        schema: &Schema,
        table: &'a str,
        name: &'a str,
    ) -> PyResult<Column<'a>> {
        Column::find(schema, table, name).ok_or_else(|| {
            let have: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            invalid(
                py,
                format!("{table}.{name}"),
                format!("the {table} table has no column {name:?} (it has {have:?})"),
            )
        })
    }

    fn field(&self) -> String {
        format!("{}.{}", self.table, self.name)
    }

    fn type_error(&self, py: Python<'_>, wanted: &str) -> PyErr {
        invalid(
            py,
            self.field(),
            format!("must be {wanted}, not {}", self.data_type),
        )
    }

    /// A row's null as an error.
    pub(crate) fn null(&self, py: Python<'_>, row: usize) -> PyErr {
        invalid(
            py,
            format!("{}[{row}].{}", self.table, self.name),
            "must not be null",
        )
    }

    /// The column of `batch` as text (string, large string, string view,
    /// or a dictionary of strings).
    pub(crate) fn strings(&self, py: Python<'_>, batch: &RecordBatch) -> PyResult<Strs> {
        let a = batch.column(self.index);
        match a.data_type() {
            DataType::Utf8 => Ok(Strs::Utf8(a.as_string::<i32>().clone())),
            DataType::LargeUtf8 => Ok(Strs::Large(a.as_string::<i64>().clone())),
            DataType::Utf8View => Ok(Strs::View(a.as_string_view().clone())),
            DataType::Dictionary(_, _) => arrow_cast::cast(a, &DataType::Utf8)
                .map(|a| Strs::Utf8(a.as_string::<i32>().clone()))
                .map_err(|_| self.type_error(py, "text (string)")),
            _ => Err(self.type_error(py, "text (string)")),
        }
    }

    /// The column of `batch` as 64-bit integers.
    pub(crate) fn integers(&self, py: Python<'_>, batch: &RecordBatch) -> PyResult<ArrayRef> {
        let a = batch.column(self.index);
        if a.data_type().is_integer() {
            arrow_cast::cast(a, &DataType::Int64).map_err(|_| self.type_error(py, "integers"))
        } else {
            Err(self.type_error(py, "integers"))
        }
    }

    /// The column of `batch` as 64-bit floats (any number).
    pub(crate) fn floats(&self, py: Python<'_>, batch: &RecordBatch) -> PyResult<ArrayRef> {
        let a = batch.column(self.index);
        if a.data_type().is_numeric() {
            arrow_cast::cast(a, &DataType::Float64).map_err(|_| self.type_error(py, "numbers"))
        } else {
            Err(self.type_error(py, "numbers"))
        }
    }

    /// The column of `batch` as UTC microseconds; only timezone-aware
    /// timestamps are accepted.
    pub(crate) fn times(&self, py: Python<'_>, batch: &RecordBatch) -> PyResult<ArrayRef> {
        let a = batch.column(self.index);
        match a.data_type() {
            DataType::Timestamp(_, Some(_)) => arrow_cast::cast(
                a,
                &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            )
            .map_err(|_| self.type_error(py, "a timezone-aware timestamp")),
            DataType::Timestamp(_, None) => Err(invalid(
                py,
                self.field(),
                format!(
                    "is a timezone-naive timestamp; times must be timezone-aware. Localize it first: \
                     pandas `df[{n:?}] = df[{n:?}].dt.tz_localize(\"UTC\")`, polars \
                     `pl.col({n:?}).dt.replace_time_zone(\"UTC\")`, pyarrow \
                     `pc.assume_timezone(table[{n:?}], \"UTC\")` (or the zone the times were recorded in)",
                    n = self.name
                ),
            )),
            _ => Err(self.type_error(py, "a timezone-aware timestamp")),
        }
    }

    /// The column of `batch` as dates (date32; date64 is converted).
    pub(crate) fn dates(&self, py: Python<'_>, batch: &RecordBatch) -> PyResult<ArrayRef> {
        let a = batch.column(self.index);
        match a.data_type() {
            DataType::Date32 => Ok(a.clone()),
            DataType::Date64 => {
                arrow_cast::cast(a, &DataType::Date32).map_err(|_| self.type_error(py, "a date"))
            }
            _ => Err(self.type_error(py, "a date")),
        }
    }

    /// The column of `batch` as exact decimals: decimal columns, or text
    /// holding decimals; floats only with `allow_float` (each value taken
    /// by its shortest decimal spelling, 9.99 -> 9.99).
    pub(crate) fn money(
        &self,
        py: Python<'_>,
        batch: &RecordBatch,
        allow_float: bool,
    ) -> PyResult<Money> {
        let a = batch.column(self.index);
        match a.data_type() {
            DataType::Decimal128(_, scale) => Ok(Money::Decimal(a.clone(), *scale)),
            DataType::Decimal32(_, s) | DataType::Decimal64(_, s) | DataType::Decimal256(_, s) => {
                let scale = (*s).clamp(0, 28);
                let cast = arrow_cast::cast(a, &DataType::Decimal128(38, scale)).map_err(|e| {
                    invalid(py, self.field(), format!("does not fit a 38-digit decimal: {e}"))
                })?;
                Ok(Money::Decimal(cast, scale))
            }
            DataType::Float16 | DataType::Float32 | DataType::Float64 if allow_float => {
                Ok(Money::Float(arrow_cast::cast(a, &DataType::Float64).map_err(|_| {
                    self.type_error(py, "decimal")
                })?))
            }
            DataType::Float16 | DataType::Float32 | DataType::Float64 => Err(invalid(
                py,
                self.field(),
                format!(
                    "is {} but money must be exact: give a decimal column (pyarrow pa.decimal128(12, 2), \
                     polars pl.Decimal(12, 2), pandas via pyarrow), or pass allow_float_money=True to \
                     take each float by its shortest decimal spelling",
                    a.data_type()
                ),
            )),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                Ok(Money::Text(self.strings(py, batch)?))
            }
            _ => Err(self.type_error(py, "decimal")),
        }
    }
}

/// A money column of one batch, read exactly.
pub(crate) enum Money {
    Decimal(ArrayRef, i8),
    Float(ArrayRef),
    Text(Strs),
}

/// A text column of one batch, read in place whatever its string layout
/// (held as its concrete array: reading a row needs no downcast).
pub(crate) enum Strs {
    Utf8(StringArray),
    Large(LargeStringArray),
    View(StringViewArray),
}

impl Strs {
    /// Row `i`'s text, `None` when null.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<&str> {
        match self {
            Strs::Utf8(a) => (!a.is_null(i)).then(|| a.value(i)),
            Strs::Large(a) => (!a.is_null(i)).then(|| a.value(i)),
            Strs::View(a) => (!a.is_null(i)).then(|| a.value(i)),
        }
    }

    /// The number of rows.
    pub(crate) fn len(&self) -> usize {
        match self {
            Strs::Utf8(a) => a.len(),
            Strs::Large(a) => a.len(),
            Strs::View(a) => a.len(),
        }
    }
}

impl Money {
    /// Row `i`'s amount; `Err(message)` when it cannot be one.
    pub(crate) fn get(&self, i: usize) -> Result<Option<Decimal>, String> {
        match self {
            Money::Decimal(a, scale) => {
                let a = a.as_primitive::<Decimal128Type>();
                if a.is_null(i) {
                    return Ok(None);
                }
                let v = a.value(i);
                if *scale < 0 {
                    return Err("negative decimal scales are not supported".into());
                }
                Decimal::try_from_i128_with_scale(v, *scale as u32)
                    .map(Some)
                    .map_err(|_| format!("{v}e-{scale} does not fit a 28-digit decimal"))
            }
            Money::Float(a) => {
                let a = a.as_primitive::<Float64Type>();
                if a.is_null(i) {
                    return Ok(None);
                }
                let f = a.value(i);
                if !f.is_finite() {
                    return Err(format!("{f} is not an amount"));
                }
                // Display gives the shortest spelling that reads back as `f`.
                f.to_string()
                    .parse::<Decimal>()
                    .map(Some)
                    .map_err(|e| format!("{f}: {e}"))
            }
            Money::Text(a) => {
                let Some(s) = a.get(i) else {
                    return Ok(None);
                };
                s.trim()
                    .parse::<Decimal>()
                    .map(Some)
                    .map_err(|_| format!("{s:?} is not a decimal amount"))
            }
        }
    }
}

/// Microseconds since the epoch as a UTC time.
pub(crate) fn utc_micros(us: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_micros(us)
}

/// Typed row access to the arrays returned by [`Column`].
#[inline]
pub(crate) fn str_at(a: &Strs, i: usize) -> Option<&str> {
    a.get(i)
}
pub(crate) fn i64_at(a: &ArrayRef, i: usize) -> Option<i64> {
    let a = a.as_primitive::<Int64Type>();
    (!a.is_null(i)).then(|| a.value(i))
}
pub(crate) fn f64_at(a: &ArrayRef, i: usize) -> Option<f64> {
    let a = a.as_primitive::<Float64Type>();
    (!a.is_null(i)).then(|| a.value(i))
}
pub(crate) fn time_at(a: &ArrayRef, i: usize) -> Option<DateTime<Utc>> {
    let a = a.as_primitive::<TimestampMicrosecondType>();
    (!a.is_null(i)).then(|| utc_micros(a.value(i))).flatten()
}

/// Builds a table column by column.
#[derive(Default)]
pub(crate) struct TableBuilder {
    fields: Vec<Field>,
    columns: Vec<ArrayRef>,
}

/// The decimal type of KPI figures and other computed amounts.
pub(crate) const DECIMAL_PRECISION: u8 = 38;
pub(crate) const DECIMAL_SCALE: i8 = 12;

impl TableBuilder {
    pub(crate) fn column(&mut self, name: &str, nullable: bool, array: ArrayRef) -> &mut Self {
        self.fields
            .push(Field::new(name, array.data_type().clone(), nullable));
        self.columns.push(array);
        self
    }

    pub(crate) fn strings<'s>(
        &mut self,
        name: &str,
        nullable: bool,
        values: impl ExactSizeIterator<Item = Option<&'s str>>,
    ) -> &mut Self {
        let mut b = StringBuilder::with_capacity(values.len(), values.len() * 8);
        for v in values {
            debug_assert!(nullable || v.is_some(), "a null in a required column");
            b.append_option(v);
        }
        self.column(name, nullable, Arc::new(b.finish()))
    }

    pub(crate) fn u32s(
        &mut self,
        name: &str,
        values: impl ExactSizeIterator<Item = u32>,
    ) -> &mut Self {
        let mut b = UInt32Builder::with_capacity(values.len());
        values.for_each(|v| b.append_value(v));
        self.column(name, false, Arc::new(b.finish()))
    }

    pub(crate) fn i64s(
        &mut self,
        name: &str,
        values: impl ExactSizeIterator<Item = i64>,
    ) -> &mut Self {
        let mut b = Int64Builder::with_capacity(values.len());
        values.for_each(|v| b.append_value(v));
        self.column(name, false, Arc::new(b.finish()))
    }

    pub(crate) fn f64s(
        &mut self,
        name: &str,
        nullable: bool,
        values: impl ExactSizeIterator<Item = Option<f64>>,
    ) -> &mut Self {
        let mut b = Float64Builder::with_capacity(values.len());
        for v in values {
            debug_assert!(nullable || v.is_some(), "a null in a required column");
            b.append_option(v);
        }
        self.column(name, nullable, Arc::new(b.finish()))
    }

    pub(crate) fn bools(
        &mut self,
        name: &str,
        values: impl ExactSizeIterator<Item = bool>,
    ) -> &mut Self {
        let mut b = BooleanBuilder::with_capacity(values.len());
        values.for_each(|v| b.append_value(v));
        self.column(name, false, Arc::new(b.finish()))
    }

    pub(crate) fn times(
        &mut self,
        name: &str,
        nullable: bool,
        values: impl ExactSizeIterator<Item = Option<DateTime<Utc>>>,
    ) -> &mut Self {
        let mut b = TimestampMicrosecondBuilder::with_capacity(values.len()).with_timezone("UTC");
        for v in values {
            debug_assert!(nullable || v.is_some(), "a null in a required column");
            b.append_option(v.map(|t| t.timestamp_micros()));
        }
        self.column(name, nullable, Arc::new(b.finish()))
    }

    /// Decimals at scale 12 (more decimal places are rounded half even).
    pub(crate) fn decimals(
        &mut self,
        name: &str,
        nullable: bool,
        values: impl ExactSizeIterator<Item = Option<Decimal>>,
    ) -> &mut Self {
        let mut b = Decimal128Builder::with_capacity(values.len());
        for v in values {
            debug_assert!(nullable || v.is_some(), "a null in a required column");
            b.append_option(v.map(|d| {
                let mut d = d.round_dp(DECIMAL_SCALE as u32);
                d.rescale(DECIMAL_SCALE as u32);
                d.mantissa()
            }));
        }
        let array = b
            .finish()
            .with_precision_and_scale(DECIMAL_PRECISION, DECIMAL_SCALE)
            .expect("38 digits at scale 12 is a valid decimal type");
        self.column(name, nullable, Arc::new(array))
    }

    pub(crate) fn finish(&mut self) -> Table {
        let schema = Arc::new(Schema::new(std::mem::take(&mut self.fields)));
        let columns = std::mem::take(&mut self.columns);
        let batch = RecordBatch::try_new(schema.clone(), columns)
            .expect("the builder's columns have one length and match their fields");
        Table {
            schema,
            batches: vec![batch],
        }
    }
}

/// Pickles start with these bytes and a little-endian u16 format version.
const PICKLE_MAGIC: &[u8; 8] = b"OMSTABLE";
/// The pickle format: 1 = magic, version, then an Arrow IPC stream.
const PICKLE_VERSION: u16 = 1;

/// An immutable table of results (allocations, shipments, events, KPIs).
///
/// It exports the Arrow PyCapsule stream interface, so `pyarrow.table(t)`,
/// `polars.DataFrame(t)` and DuckDB read it without copying; `to_pandas()`
/// and `to_polars()` import those libraries only when called. It pickles as
/// an Arrow IPC stream behind a format version.
#[pyclass(module = "oms_engine._oms", frozen)]
pub(crate) struct Table {
    pub(crate) schema: SchemaRef,
    pub(crate) batches: Vec<RecordBatch>,
}

impl Table {
    pub(crate) fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    fn to_ipc(&self) -> Result<Vec<u8>, arrow_schema::ArrowError> {
        let mut out = Vec::new();
        out.extend_from_slice(PICKLE_MAGIC);
        out.extend_from_slice(&PICKLE_VERSION.to_le_bytes());
        {
            let mut w = arrow_ipc::writer::StreamWriter::try_new(&mut out, &self.schema)?;
            for b in &self.batches {
                w.write(b)?;
            }
            w.finish()?;
        }
        Ok(out)
    }
}

#[pymethods]
impl Table {
    /// The number of rows.
    #[getter(num_rows)]
    fn num_rows_py(&self) -> usize {
        self.num_rows()
    }

    /// Column names and their Arrow types, in order.
    #[getter]
    fn schema<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for f in self.schema.fields() {
            d.set_item(f.name(), f.data_type().to_string())?;
        }
        Ok(d)
    }

    /// The column names, in order.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    fn __len__(&self) -> usize {
        self.num_rows()
    }

    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyCapsule>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let field = Field::new_struct("", self.schema.fields().clone(), false)
            .with_metadata(self.schema.metadata().clone());
        let batches = self.batches.clone();
        let arrays = batches
            .into_iter()
            .map(|b| Ok(Arc::new(StructArray::from(b)) as ArrayRef));
        let reader = Box::new(ArrayIterator::new(arrays, field.into()));
        Ok(to_stream_pycapsule(py, reader, requested_schema)?)
    }

    /// A `pandas.DataFrame` (needs pandas and pyarrow).
    fn to_pandas<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let pa = py.import("pyarrow").map_err(|_| {
            PyImportError::new_err(
                "Table.to_pandas() needs pyarrow and pandas: pip install pyarrow pandas",
            )
        })?;
        pa.call_method1("table", (slf,))?.call_method0("to_pandas")
    }

    /// A `polars.DataFrame` (needs polars).
    fn to_polars<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let pl = py.import("polars").map_err(|_| {
            PyImportError::new_err("Table.to_polars() needs polars: pip install polars")
        })?;
        pl.call_method1("DataFrame", (slf,))
    }

    fn __repr__(&self) -> String {
        let cols: Vec<String> = self
            .schema
            .fields()
            .iter()
            .map(|f| format!("{}: {}", f.name(), f.data_type()))
            .collect();
        let rows = self.num_rows();
        format!(
            "oms_engine.Table({} row{}; {})",
            rows,
            if rows == 1 { "" } else { "s" },
            cols.join(", ")
        )
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        match other.cast::<Table>() {
            Ok(o) => {
                let o = o.get();
                if self.schema.fields() != o.schema.fields() {
                    return false;
                }
                let concat =
                    |t: &Table| arrow_select::concat::concat_batches(&t.schema, &t.batches).ok();
                match (concat(self), concat(o)) {
                    (Some(a), Some(b)) => a == b,
                    _ => false,
                }
            }
            Err(_) => false,
        }
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let py = slf.py();
        let bytes = slf
            .get()
            .to_ipc()
            .map_err(|e| PyValueError::new_err(format!("cannot pickle the table: {e}")))?;
        let from = py.get_type::<Table>().getattr("_from_ipc")?;
        Ok((from, (PyBytes::new(py, &bytes),)))
    }

    /// Reads a pickled table (the `__reduce__` format).
    #[staticmethod]
    fn _from_ipc(data: &[u8]) -> PyResult<Table> {
        let bad =
            |why: &str| PyValueError::new_err(format!("not a pickled oms_engine.Table: {why}"));
        if data.len() < 10 || &data[..8] != PICKLE_MAGIC {
            return Err(bad("missing header"));
        }
        let version = u16::from_le_bytes([data[8], data[9]]);
        if version != PICKLE_VERSION {
            return Err(bad(&format!(
                "format version {version}; this oms_engine reads version {PICKLE_VERSION} (upgrade oms-engine)"
            )));
        }
        let reader = arrow_ipc::reader::StreamReader::try_new(Cursor::new(&data[10..]), None)
            .map_err(|e| bad(&e.to_string()))?;
        let schema = reader.schema();
        let batches = reader
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(&e.to_string()))?;
        Ok(Table { schema, batches })
    }
}
