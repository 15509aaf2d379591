//! The values a statement takes and a row gives back, the same on both engines: the storage
//! classes the schema uses (integers for counts, flags and Unix seconds; text for ids, dates
//! and JSON; reals for scores; bytes for sealed data).

use time::OffsetDateTime;

use super::bad_column;
use crate::{Result, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

macro_rules! int_values {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::Int(i64::from(v))
            }
        }
    )*};
}
int_values!(i64, i32, u32, u16, u8, bool);

impl From<u64> for Value {
    fn from(v: u64) -> Self {
        Value::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}

impl From<usize> for Value {
    fn from(v: usize) -> Self {
        Value::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Real(v)
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}

impl From<uuid::Uuid> for Value {
    fn from(v: uuid::Uuid) -> Self {
        Value::Text(v.to_string())
    }
}

/// A moment is stored as Unix seconds.
impl From<OffsetDateTime> for Value {
    fn from(v: OffsetDateTime) -> Self {
        Value::Int(v.unix_timestamp())
    }
}

/// A calendar date is stored as ISO text (YYYY-MM-DD).
impl From<time::Date> for Value {
    fn from(v: time::Date) -> Self {
        Value::Text(v.to_string())
    }
}

impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Blob(v)
    }
}

impl From<&Vec<u8>> for Value {
    fn from(v: &Vec<u8>) -> Self {
        Value::Blob(v.clone())
    }
}

impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Self {
        Value::Blob(v.to_vec())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

impl<T: Clone + Into<Value>> From<&Option<T>> for Value {
    fn from(v: &Option<T>) -> Self {
        v.clone().map_or(Value::Null, Into::into)
    }
}

/// A column's value read as a Rust type.
pub(crate) trait FromValue: Sized {
    fn from_value(idx: usize, v: &Value) -> Result<Self>;
}

fn wrong(idx: usize, want: &str, v: &Value) -> StoreError {
    bad_column(idx, format!("expected {want}, found {v:?}"))
}

impl FromValue for i64 {
    fn from_value(idx: usize, v: &Value) -> Result<Self> {
        match v {
            Value::Int(i) => Ok(*i),
            // A PostgreSQL sum or average of integers that came back whole.
            Value::Real(f) if f.fract() == 0.0 => Ok(*f as i64),
            _ => Err(wrong(idx, "an integer", v)),
        }
    }
}

macro_rules! narrow_ints {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(idx: usize, v: &Value) -> Result<Self> {
                let i = i64::from_value(idx, v)?;
                <$t>::try_from(i).map_err(|_| wrong(idx, stringify!($t), v))
            }
        }
    )*};
}
narrow_ints!(i32, u32, u64, usize, u16, u8);

impl FromValue for bool {
    fn from_value(idx: usize, v: &Value) -> Result<Self> {
        Ok(i64::from_value(idx, v)? != 0)
    }
}

impl FromValue for f64 {
    fn from_value(idx: usize, v: &Value) -> Result<Self> {
        match v {
            Value::Real(f) => Ok(*f),
            Value::Int(i) => Ok(*i as f64),
            _ => Err(wrong(idx, "a number", v)),
        }
    }
}

impl FromValue for String {
    fn from_value(idx: usize, v: &Value) -> Result<Self> {
        match v {
            Value::Text(s) => Ok(s.clone()),
            _ => Err(wrong(idx, "text", v)),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(idx: usize, v: &Value) -> Result<Self> {
        match v {
            Value::Blob(b) => Ok(b.clone()),
            Value::Text(s) => Ok(s.as_bytes().to_vec()),
            _ => Err(wrong(idx, "bytes", v)),
        }
    }
}

impl FromValue for uuid::Uuid {
    fn from_value(idx: usize, v: &Value) -> Result<Self> {
        super::uuid(idx, &String::from_value(idx, v)?)
    }
}

impl FromValue for OffsetDateTime {
    fn from_value(idx: usize, v: &Value) -> Result<Self> {
        let secs = i64::from_value(idx, v)?;
        OffsetDateTime::from_unix_timestamp(secs).map_err(|e| bad_column(idx, e.to_string()))
    }
}

impl FromValue for time::Date {
    fn from_value(idx: usize, v: &Value) -> Result<Self> {
        let text = String::from_value(idx, v)?;
        super::named(idx, &text, domain::case::date::parse)
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(idx: usize, v: &Value) -> Result<Self> {
        match v {
            Value::Null => Ok(None),
            _ => T::from_value(idx, v).map(Some),
        }
    }
}

/// One row of a result, read column by column (from 0).
#[derive(Debug, Clone)]
pub(crate) struct Row(pub(crate) Vec<Value>);

impl Row {
    pub(crate) fn get<T: FromValue>(&self, idx: usize) -> Result<T> {
        let v = self
            .0
            .get(idx)
            .ok_or_else(|| bad_column(idx, "no such column".into()))?;
        T::from_value(idx, v)
    }

    /// Text from the column, by reference (no copy).
    pub(crate) fn text(&self, idx: usize) -> Result<&str> {
        match self.0.get(idx) {
            Some(Value::Text(s)) => Ok(s),
            Some(v) => Err(wrong(idx, "text", v)),
            None => Err(bad_column(idx, "no such column".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn values_read_back_as_written() {
        let row = Row(vec![
            Value::from(7_i64),
            Value::from(true),
            Value::from(None::<String>),
            Value::from("x"),
            Value::from(2.5),
            Value::from(time::macros::date!(2026 - 03 - 01)),
        ]);
        assert_eq!(row.get::<i64>(0).unwrap(), 7);
        assert!(row.get::<bool>(1).unwrap());
        assert_eq!(row.get::<Option<String>>(2).unwrap(), None);
        assert_eq!(row.text(3).unwrap(), "x");
        assert_eq!(row.get::<f64>(4).unwrap(), 2.5);
        assert_eq!(
            row.get::<time::Date>(5).unwrap(),
            time::macros::date!(2026 - 03 - 01)
        );
        assert!(row.get::<String>(0).is_err());
        assert!(row.get::<i64>(9).is_err());
    }
}
