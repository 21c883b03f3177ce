//! Exact money and quantities.
//!
//! Amounts are `rust_decimal::Decimal` in the API and in rules, and are stored as a
//! 64-bit integer count of ten-thousandths. SQLite has no exact decimal type (its
//! drivers round through `f64`), so the integer is the one representation that stays
//! exact, sortable and summable in SQL on both SQLite and PostgreSQL.

use rust_decimal::Decimal;
use thiserror::Error;

/// Decimal places kept for money and quantities.
pub const SCALE: u32 = 4;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum MoneyError {
    #[error("must have at most {SCALE} decimal places")]
    TooPrecise,
    #[error("is out of range")]
    OutOfRange,
    #[error("must not be negative")]
    Negative,
}

/// Converts an amount to its stored integer form, refusing what would lose precision.
pub fn to_stored(amount: Decimal) -> Result<i64, MoneyError> {
    let normalized = amount.normalize();
    if normalized.scale() > SCALE {
        return Err(MoneyError::TooPrecise);
    }
    let mut exact = normalized;
    exact.rescale(SCALE);
    if exact.scale() != SCALE {
        return Err(MoneyError::OutOfRange);
    }
    let mantissa = exact.mantissa();
    i64::try_from(mantissa).map_err(|_| MoneyError::OutOfRange)
}

/// Like [`to_stored`], for amounts that may not be negative (limits, prices).
pub fn to_stored_non_negative(amount: Decimal) -> Result<i64, MoneyError> {
    if amount.is_sign_negative() && !amount.is_zero() {
        return Err(MoneyError::Negative);
    }
    to_stored(amount)
}

/// The amount a stored integer stands for, with two decimal places at least
/// ("1234.50") so clients always see a money-shaped string.
pub fn from_stored(stored: i64) -> Decimal {
    let mut d = Decimal::new(stored, SCALE).normalize();
    if d.scale() < 2 {
        d.rescale(2);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    #[test]
    fn round_trips_exactly() {
        assert_eq!(to_stored(dec("1234.5")), Ok(12_345_000));
        assert_eq!(from_stored(12_345_000).to_string(), "1234.50");
        assert_eq!(from_stored(1).to_string(), "0.0001");
        assert_eq!(to_stored(dec("0.00001")), Err(MoneyError::TooPrecise));
        assert_eq!(to_stored(dec("1.10000")), Ok(11_000));
        assert_eq!(to_stored_non_negative(dec("-1")), Err(MoneyError::Negative));
        assert_eq!(
            to_stored(dec("99999999999999999999")),
            Err(MoneyError::OutOfRange)
        );
    }

    proptest! {
        #[test]
        fn stored_round_trip(v in -900_000_000_000_000i64..900_000_000_000_000i64) {
            prop_assert_eq!(to_stored(from_stored(v)), Ok(v));
        }
    }
}
