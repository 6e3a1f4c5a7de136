//! How values travel: `1;2;3` / `all` lists, `YYYY-MM-DD` dates, UTC
//! `YYYY-MM-DD HH:MM:SS` timestamps, money as exact decimals, and the API's habit of
//! sending `""` or `null` for "absent".

use std::{fmt, str::FromStr};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

pub const DATE_FORMAT: &str = "%Y-%m-%d";
pub const TIMESTAMP_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// "These items, or all of them": the API's `intlist` / `stringlist` parameters that
/// accept the literal `all`. On the wire: `1;2;3` or `all`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection<T> {
    All,
    Only(Vec<T>),
}

impl<T: fmt::Display> Selection<T> {
    pub fn to_wire(&self) -> String {
        match self {
            Selection::All => "all".to_string(),
            Selection::Only(items) => join(items),
        }
    }
}

impl<T: FromStr> Selection<T> {
    /// Parses `all` or a `;`-separated list; `None` names the first bad item.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.trim().eq_ignore_ascii_case("all") {
            return Ok(Selection::All);
        }
        split_list(text).map(Selection::Only)
    }
}

impl<T: fmt::Display> Serialize for Selection<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_wire())
    }
}

impl<'de, T: FromStr> Deserialize<'de> for Selection<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Selection::parse(&text).map_err(de::Error::custom)
    }
}

/// Joins list items the way every `intlist` / `stringlist` parameter wants them.
pub fn join<T: fmt::Display>(items: &[T]) -> String {
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(";")
}

/// Splits a `;`-separated list, ignoring empty items and surrounding spaces.
pub fn split_list<T: FromStr>(text: &str) -> Result<Vec<T>, String> {
    text.split(';')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| item.parse::<T>().map_err(|_| item.to_string()))
        .collect()
}

pub fn format_date(date: NaiveDate) -> String {
    date.format(DATE_FORMAT).to_string()
}

pub fn format_timestamp(timestamp: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    // By hand: chrono reads its format string again for every value, and a page of
    // children carries one per row. Years outside four digits keep chrono's spelling.
    let (date, time) = (timestamp.date_naive(), timestamp.time());
    if !(0..=9999).contains(&date.year()) {
        return timestamp.format(TIMESTAMP_FORMAT).to_string();
    }
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        date.year(),
        date.month(),
        date.day(),
        time.hour(),
        time.minute(),
        time.second()
    )
}

pub fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), DATE_FORMAT).ok()
}

/// Timestamps are UTC. Some clients send a date where a timestamp is asked for, and
/// Node sends `YYYY-MM-DD HH:MM:SS` where a date is asked for: accept both shapes.
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    exact_timestamp(text)
        .or_else(|| NaiveDateTime::parse_from_str(text, TIMESTAMP_FORMAT).ok())
        .or_else(|| parse_date(text).and_then(|d| d.and_hms_opt(0, 0, 0)))
        .map(|naive| naive.and_utc())
}

/// Exactly `YYYY-MM-DD HH:MM:SS`, read by hand (the shape every answer uses; a page
/// of children carries one per row, and chrono reads its format string again for
/// each). Anything else is left to chrono.
fn exact_timestamp(text: &str) -> Option<NaiveDateTime> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 19
        && [(4, b'-'), (7, b'-'), (10, b' '), (13, b':'), (16, b':')].iter().all(|&(at, separator)| bytes[at] == separator);
    if !shaped {
        return None;
    }
    let number = |from: usize, to: usize| {
        bytes[from..to].iter().try_fold(0u32, |value, &digit| digit.is_ascii_digit().then(|| value * 10 + u32::from(digit - b'0')))
    };
    NaiveDate::from_ymd_opt(number(0, 4)? as i32, number(5, 7)?, number(8, 10)?)?.and_hms_opt(
        number(11, 13)?,
        number(14, 16)?,
        number(17, 19)?,
    )
}

/// `true`/`false`, `1`/`0` and `True`/`False`: the official clients disagree.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim() {
        "true" | "True" | "TRUE" | "1" => Some(true),
        "false" | "False" | "FALSE" | "0" => Some(false),
        _ => None,
    }
}

/// Money from a JSON number or string, exactly: `68.5598` stays `68.5598`.
pub fn decimal_from_json(value: &serde_json::Value) -> Option<Decimal> {
    match value {
        // serde_json prints the shortest text that round-trips, so no binary noise.
        serde_json::Value::Number(number) => Decimal::from_str(&number.to_string())
            .or_else(|_| Decimal::from_scientific(&number.to_string()))
            .ok(),
        serde_json::Value::String(text) if !text.trim().is_empty() => Decimal::from_str(text.trim()).ok(),
        _ => None,
    }
}

/// Serde adapters for the fields of response structures.
pub mod serde_fields {
    use super::*;

    /// A present value as the wire carries it.
    enum Scalar<'a> {
        Text(&'a str),
        Number(serde_json::Number),
    }

    /// An optional field read straight from the input: `null` and blank text are
    /// `None`, anything else goes through the closure. (Through a `serde_json::Value`
    /// it cost an allocation per field, and a page of children has several per row.)
    struct Blankable<F>(F);

    impl<'de, T, F: FnOnce(Scalar) -> Result<T, String>> de::Visitor<'de> for Blankable<F> {
        type Value = Option<T>;

        fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
            formatter.write_str("a string or a number")
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
            deserializer.deserialize_any(self)
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
            if text.trim().is_empty() {
                return Ok(None);
            }
            (self.0)(Scalar::Text(text)).map(Some).map_err(E::custom)
        }

        fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
            (self.0)(Scalar::Number(value.into())).map(Some).map_err(E::custom)
        }

        fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
            (self.0)(Scalar::Number(value.into())).map(Some).map_err(E::custom)
        }

        fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
            let number = serde_json::Number::from_f64(value).ok_or_else(|| E::custom(format!("not a number: {value}")))?;
            (self.0)(Scalar::Number(number)).map(Some).map_err(E::custom)
        }
    }

    pub mod decimal {
        use super::*;

        pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
            // JSON numbers on the wire, like the real API.
            let number: serde_json::Number = value
                .to_string()
                .parse()
                .map_err(|_| serde::ser::Error::custom("decimal out of JSON range"))?;
            number.serialize(serializer)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
            let value = serde_json::Value::deserialize(deserializer)?;
            decimal_from_json(&value).ok_or_else(|| de::Error::custom(format!("not a decimal: {value}")))
        }
    }

    pub mod opt_decimal {
        use super::*;

        pub fn serialize<S: Serializer>(value: &Option<Decimal>, serializer: S) -> Result<S::Ok, S::Error> {
            match value {
                Some(value) => super::decimal::serialize(value, serializer),
                None => serializer.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Decimal>, D::Error> {
            deserializer.deserialize_option(Blankable(|scalar: Scalar| match scalar {
                Scalar::Text(text) => Decimal::from_str(text.trim()).map_err(|_| format!("not a decimal: {text:?}")),
                Scalar::Number(number) => {
                    let value = serde_json::Value::Number(number);
                    decimal_from_json(&value).ok_or_else(|| format!("not a decimal: {value}"))
                }
            }))
        }
    }

    pub mod date {
        use super::*;

        pub fn serialize<S: Serializer>(value: &NaiveDate, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.serialize_str(&format_date(*value))
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
            let text = String::deserialize(deserializer)?;
            parse_date(&text).ok_or_else(|| de::Error::custom(format!("not a YYYY-MM-DD date: {text:?}")))
        }
    }

    pub mod opt_date {
        use super::*;

        pub fn serialize<S: Serializer>(value: &Option<NaiveDate>, serializer: S) -> Result<S::Ok, S::Error> {
            match value {
                Some(date) => serializer.serialize_str(&format_date(*date)),
                None => serializer.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<NaiveDate>, D::Error> {
            deserializer.deserialize_option(Blankable(|scalar: Scalar| match scalar {
                Scalar::Text(text) => parse_date(text).ok_or_else(|| format!("not a YYYY-MM-DD date: {text:?}")),
                Scalar::Number(_) => Err("a date must be a string".to_string()),
            }))
        }
    }

    pub mod timestamp {
        use super::*;

        pub fn serialize<S: Serializer>(value: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.serialize_str(&format_timestamp(*value))
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
            let text = String::deserialize(deserializer)?;
            parse_timestamp(&text)
                .ok_or_else(|| de::Error::custom(format!("not a YYYY-MM-DD HH:MM:SS timestamp: {text:?}")))
        }
    }

    pub mod opt_timestamp {
        use super::*;

        pub fn serialize<S: Serializer>(value: &Option<DateTime<Utc>>, serializer: S) -> Result<S::Ok, S::Error> {
            match value {
                Some(timestamp) => serializer.serialize_str(&format_timestamp(*timestamp)),
                None => serializer.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<DateTime<Utc>>, D::Error> {
            deserializer.deserialize_option(Blankable(|scalar: Scalar| match scalar {
                Scalar::Text(text) => {
                    parse_timestamp(text).ok_or_else(|| format!("not a YYYY-MM-DD HH:MM:SS timestamp: {text:?}"))
                }
                Scalar::Number(_) => Err("a timestamp must be a string".to_string()),
            }))
        }
    }

    /// Strings where `""` means absent.
    pub mod opt_string {
        use super::*;

        pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
            let value = Option::<String>::deserialize(deserializer)?;
            Ok(value.filter(|text| !text.is_empty()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections_travel_as_semicolon_lists_or_all() {
        assert_eq!(Selection::Only(vec![1u64, 2, 3]).to_wire(), "1;2;3");
        assert_eq!(Selection::<u64>::All.to_wire(), "all");
        assert_eq!(Selection::<u64>::parse("1; 2;;3").unwrap(), Selection::Only(vec![1, 2, 3]));
        assert_eq!(Selection::<u64>::parse("ALL").unwrap(), Selection::All);
        assert_eq!(Selection::<u64>::parse("1;x").unwrap_err(), "x");
    }

    #[test]
    fn booleans_in_every_clients_spelling() {
        for yes in ["true", "True", "1"] {
            assert_eq!(parse_bool(yes), Some(true));
        }
        for no in ["false", "False", "0"] {
            assert_eq!(parse_bool(no), Some(false));
        }
        assert_eq!(parse_bool("yes"), None);
        assert_eq!(parse_bool(""), None);
    }

    #[test]
    fn dates_and_timestamps_are_utc_text() {
        let ts = parse_timestamp("2016-04-08 11:01:30").unwrap();
        assert_eq!(format_timestamp(ts), "2016-04-08 11:01:30");
        assert_eq!(parse_timestamp("2016-04-08").map(format_timestamp).unwrap(), "2016-04-08 00:00:00");
        assert!(parse_timestamp("2016-04-08T11:01:30Z").is_none());
        assert!(parse_date("2016-02-30").is_none());
        assert_eq!(format_date(parse_date("2015-02-15").unwrap()), "2015-02-15");
    }

    #[test]
    fn money_is_exact() {
        let value: serde_json::Value = serde_json::from_str("68.5598").unwrap();
        assert_eq!(decimal_from_json(&value).unwrap().to_string(), "68.5598");
        let value: serde_json::Value = serde_json::from_str("3.668242").unwrap();
        assert_eq!(decimal_from_json(&value).unwrap().to_string(), "3.668242");
        let value: serde_json::Value = serde_json::from_str("\"150.75\"").unwrap();
        assert_eq!(decimal_from_json(&value).unwrap().to_string(), "150.75");
        assert_eq!(decimal_from_json(&serde_json::json!(0)).unwrap(), Decimal::ZERO);
        assert!(decimal_from_json(&serde_json::json!("abc")).is_none());
    }
}
