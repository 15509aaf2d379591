//! [`Value`] on the PostgreSQL wire. PostgreSQL types every parameter from its place in the
//! statement, so a value is written as the type the server asked for (an integer bound where a
//! flag column is compared is written as a boolean, and so on); a column is read back from
//! whatever type the query produced, sums and averages (`numeric`) included.

use std::error::Error;

use bytes::BytesMut;
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

use crate::sql::Value;

type BoxError = Box<dyn Error + Sync + Send>;

fn mismatch(v: &Value, ty: &Type) -> BoxError {
    format!("cannot write {v:?} as {ty}").into()
}

impl ToSql for Value {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match (self, ty) {
            (Value::Null, _) => Ok(IsNull::Yes),
            (Value::Int(i), &Type::INT8) => i.to_sql(ty, out),
            (Value::Int(i), &Type::INT4) => i32::try_from(*i)?.to_sql(ty, out),
            (Value::Int(i), &Type::INT2) => i16::try_from(*i)?.to_sql(ty, out),
            (Value::Int(i), &Type::BOOL) => (*i != 0).to_sql(ty, out),
            (Value::Int(i), &Type::FLOAT8) => (*i as f64).to_sql(ty, out),
            (Value::Int(i), &Type::FLOAT4) => (*i as f32).to_sql(ty, out),
            (Value::Int(i), t) if is_text(t) => i.to_string().as_str().to_sql(ty, out),
            (Value::Real(f), &Type::FLOAT8) => f.to_sql(ty, out),
            (Value::Real(f), &Type::FLOAT4) => (*f as f32).to_sql(ty, out),
            (Value::Real(f), t) if is_text(t) => f.to_string().as_str().to_sql(ty, out),
            (Value::Text(s), t) if is_text(t) => s.as_str().to_sql(ty, out),
            (Value::Text(s), &Type::JSON | &Type::JSONB) => {
                if ty == &Type::JSONB {
                    out.extend_from_slice(&[1]);
                }
                out.extend_from_slice(s.as_bytes());
                Ok(IsNull::No)
            }
            (Value::Text(s), &Type::INT8) => s.parse::<i64>()?.to_sql(ty, out),
            (Value::Text(s), &Type::FLOAT8) => s.parse::<f64>()?.to_sql(ty, out),
            (Value::Blob(b), &Type::BYTEA) => b.as_slice().to_sql(ty, out),
            (Value::Text(s), &Type::BYTEA) => s.as_bytes().to_sql(ty, out),
            (v, ty) => Err(mismatch(v, ty)),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn is_text(t: &Type) -> bool {
    matches!(
        *t,
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN
    )
}

impl<'a> FromSql<'a> for Value {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        Ok(match *ty {
            Type::INT8 => Value::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Value::Int(i32::from_sql(ty, raw)?.into()),
            Type::INT2 => Value::Int(i16::from_sql(ty, raw)?.into()),
            Type::OID => Value::Int(u32::from_sql(ty, raw)?.into()),
            Type::BOOL => Value::Int(bool::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => Value::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => Value::Real(f32::from_sql(ty, raw)?.into()),
            Type::NUMERIC => numeric(raw)?,
            Type::BYTEA => Value::Blob(raw.to_vec()),
            Type::JSONB => Value::Text(std::str::from_utf8(raw.get(1..).unwrap_or(&[]))?.into()),
            Type::JSON => Value::Text(std::str::from_utf8(raw)?.into()),
            ref t if is_text(t) => Value::Text(<&str>::from_sql(ty, raw)?.into()),
            ref t => return Err(format!("cannot read a column of type {t}").into()),
        })
    }

    fn from_sql_null(_: &Type) -> Result<Self, BoxError> {
        Ok(Value::Null)
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// A `numeric` (what PostgreSQL's `sum` and `avg` give) as an integer when it is whole and
/// has no decimals, otherwise as a real. The binary form: digit count, weight (the power of
/// 10,000 of the first digit), sign, display scale, then base-10,000 digits.
fn numeric(raw: &[u8]) -> Result<Value, BoxError> {
    let word = |i: usize| -> Result<u16, BoxError> {
        let b = raw.get(i * 2..i * 2 + 2).ok_or("truncated numeric")?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    };
    let digits = usize::from(word(0)?);
    let weight = i32::from(word(1)? as i16);
    let sign = word(2)?;
    let scale = word(3)?;
    if sign == 0xC000 {
        return Ok(Value::Real(f64::NAN));
    }
    let mut whole: i128 = 0;
    let mut real = 0.0_f64;
    let mut exact = scale == 0;
    for i in 0..digits {
        let d = i128::from(word(4 + i)?);
        let power = weight - i as i32;
        real += d as f64 * 10_000_f64.powi(power);
        if power < 0 {
            exact &= d == 0;
        } else {
            whole = whole
                .checked_add(
                    d.checked_mul(10_000_i128.checked_pow(power as u32).ok_or("overflow")?)
                        .ok_or("overflow")?,
                )
                .ok_or("overflow")?;
        }
    }
    let negative = sign == 0x4000;
    if exact && let Ok(i) = i64::try_from(if negative { -whole } else { whole }) {
        return Ok(Value::Int(i));
    }
    Ok(Value::Real(if negative { -real } else { real }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn raw(words: &[u16]) -> Vec<u8> {
        words.iter().flat_map(|w| w.to_be_bytes()).collect()
    }

    #[test]
    fn numerics_read_as_integers_or_reals() {
        // 1234567 = 123 * 10000 + 4567
        assert_eq!(
            numeric(&raw(&[2, 1, 0, 0, 123, 4567])).unwrap(),
            Value::Int(1_234_567)
        );
        assert_eq!(numeric(&raw(&[0, 0, 0, 0])).unwrap(), Value::Int(0));
        assert_eq!(
            numeric(&raw(&[1, 0, 0x4000, 0, 5])).unwrap(),
            Value::Int(-5)
        );
        // 2.5 = 2 + 5000 / 10000, scale 1
        assert_eq!(
            numeric(&raw(&[2, 0, 0, 1, 2, 5000])).unwrap(),
            Value::Real(2.5)
        );
    }
}
