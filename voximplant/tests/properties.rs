//! Properties of the rules and the wire format, over generated input: every validator
//! takes any text without panicking and agrees with the rule as documented; every
//! value the portal writes reads back the same; any answer body decodes to a value or
//! a clear error, never a panic.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use proptest::prelude::*;
use rust_decimal::Decimal;
use voximplant::{
    error_code::ErrorCode,
    validation::{self, ACCOUNT_NAME_MAX, ACCOUNT_NAME_MIN, PASSWORD_MIN},
    wire::{self, Selection},
};

/// Any text, weighted towards the characters the rules care about.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z0-9-]{0,25}",
        "[ -~]{0,40}",
        "[a-zA-Z0-9.@_+-]{0,30}",
        "(https?://)?[a-z0-9.:@\\[\\]-]{0,30}(/[ -~]{0,10})?",
    ]
}

/// Money as answers may carry it: a string or a number, blank, or not money at all.
fn money_json() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        (any::<i64>(), 0u32..=8).prop_map(|(u, s)| serde_json::Value::String(Decimal::new(u, s).to_string())),
        (-999_999_999_999_999i64..=999_999_999_999_999, 0u32..=8)
            .prop_map(|(u, s)| serde_json::Value::from_str(&Decimal::new(u, s).to_string()).unwrap()),
        any::<u64>().prop_map(serde_json::Value::from),
        Just(serde_json::Value::Null),
        Just(serde_json::json!("")),
        Just(serde_json::json!(" ")),
        text().prop_map(serde_json::Value::String),
    ]
}

/// A timestamp as answers may carry it, or something that is not one.
fn timestamp_json() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        text().prop_map(serde_json::Value::String),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}:[0-9]{2})?".prop_map(serde_json::Value::String),
        Just(serde_json::Value::Null),
        any::<i64>().prop_map(serde_json::Value::from),
    ]
}

/// Any JSON value, small.
fn any_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        text().prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            proptest::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
        ]
    })
}

/// One of GetChildrenAccounts' items: the documented members in plausible shapes,
/// any of them left out, and members nobody documented.
fn child_json() -> impl Strategy<Value = serde_json::Value> {
    let optional = |value: BoxedStrategy<serde_json::Value>| proptest::option::weighted(0.8, value);
    let flag = || prop_oneof![any::<bool>().prop_map(serde_json::Value::from), Just(serde_json::Value::Null)].boxed();
    let words = || prop_oneof![text().prop_map(serde_json::Value::from), Just(serde_json::Value::Null)].boxed();
    (
        any::<u64>(),
        (optional(words()), optional(words()), optional(timestamp_json().boxed())),
        (optional(flag()), optional(flag()), optional(money_json().boxed()), optional(words())),
        (optional(words()), optional(money_json().boxed()), optional(words()), optional(flag())),
        proptest::collection::btree_map("[a-z_]{1,12}", any_json(), 0..4),
    )
        .prop_map(|(id, (name, email, created), (active, frozen, balance, currency), (api_key, credit, language, news), extra)| {
            let mut child: serde_json::Map<String, serde_json::Value> = extra.into_iter().collect();
            child.insert("account_id".into(), id.into());
            let members = [
                ("account_name", name),
                ("account_email", email),
                ("created", created),
                ("active", active),
                ("frozen", frozen),
                ("balance", balance),
                ("currency", currency),
                ("api_key", api_key),
                ("credit_limit", credit),
                ("language_code", language),
                ("news_notifications", news),
            ];
            for (name, value) in members {
                match value {
                    Some(value) => child.insert(name.into(), value),
                    None => child.remove(name),
                };
            }
            serde_json::Value::Object(child)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// A list reads each child as the full read does, for every member it shows, and
    /// never refuses a page the full read accepts.
    #[test]
    fn a_child_listed_reads_as_the_full_read(children in proptest::collection::vec(child_json(), 0..4)) {
        use voximplant::{methods::GetChildrenAccountsResponse, types::{AccountInfo, AccountListing}};
        let count = children.len();
        let body = serde_json::json!({ "result": children, "count": count, "total_count": count }).to_string();
        if let Ok(full) = serde_json::from_str::<GetChildrenAccountsResponse<AccountInfo>>(&body) {
            let listed = serde_json::from_str::<GetChildrenAccountsResponse<AccountListing>>(&body)
                .map_err(|e| TestCaseError::fail(format!("{body}: {e}")))?;
            let expected: Vec<AccountListing> = full.result.into_iter().map(AccountListing::from).collect();
            prop_assert_eq!(listed.result, expected);
            prop_assert_eq!((listed.count, listed.total_count), (full.count, full.total_count));
        }
    }

    #[test]
    fn account_names_follow_the_documented_rule(name in text()) {
        let length = name.chars().count();
        let expected = (ACCOUNT_NAME_MIN..=ACCOUNT_NAME_MAX).contains(&length)
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        let checked = validation::account_name("account_name", &name);
        prop_assert_eq!(checked.is_ok(), expected, "{:?} -> {:?}", name, checked);
        if let Err(problem) = checked {
            prop_assert_eq!(problem.field.as_str(), "account_name");
            prop_assert!(!problem.message.is_empty());
        }
    }

    #[test]
    fn passwords_follow_the_documented_rule(password in prop_oneof![any::<String>(), "[a-zA-Z0-9!#%_ ]{0,16}"]) {
        let expected = password.chars().count() >= PASSWORD_MIN
            && !password.chars().any(char::is_whitespace)
            && password.chars().any(char::is_uppercase)
            && password.chars().any(char::is_lowercase)
            && password.chars().any(|c| c.is_ascii_digit())
            && password.chars().any(|c| !c.is_alphanumeric());
        prop_assert_eq!(validation::password("account_password", &password).is_ok(), expected, "{:?}", password);
    }

    #[test]
    fn validators_take_any_text(input in text()) {
        // Each answers (Ok or a named problem); none panics or accepts the absurd.
        let _ = validation::email("account_email", ErrorCode::InvalidEmail, &input);
        let _ = validation::language_code("language_code", &input);
        let _ = validation::country_code("billing_address_country_code", &input);
        let _ = validation::location("location", &input);
        let _ = validation::currency("currency", &input);
        let _ = validation::date("date", &input);
        if validation::callback_url("callback_url", &input).is_ok() {
            prop_assert!(input.starts_with("http://") || input.starts_with("https://"));
            prop_assert!(!input.chars().any(char::is_whitespace));
        }
        if validation::email("account_email", ErrorCode::InvalidEmail, &input).is_ok() {
            prop_assert!(input.len() <= validation::EMAIL_MAX && input.contains('@'));
        }
        if let Ok(amount) = validation::amount("amount", &input) {
            prop_assert!(!amount.is_sign_negative() || amount.is_zero());
            prop_assert!(amount.scale() <= 6);
        }
    }

    #[test]
    fn every_valid_amount_reads_back_exactly(units in 0u64..10_000_000_000, scale in 0u32..=6) {
        let amount = Decimal::new(units as i64, scale);
        prop_assert_eq!(validation::amount("amount", &amount.to_string()), Ok(amount));
    }

    #[test]
    fn amounts_with_more_than_six_places_are_refused(units in 1i64..1_000_000_000, scale in 7u32..=12) {
        let amount = Decimal::new(units * 10 + 1, scale);
        prop_assert!(validation::amount("amount", &amount.to_string()).is_err());
    }

    #[test]
    fn dates_from_2000_read_back(days in 0u64..40_000) {
        let date = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + chrono::Days::new(days);
        prop_assert_eq!(validation::date("from_date", &wire::format_date(date)), Ok(date));
        prop_assert_eq!(wire::parse_date(&wire::format_date(date)), Some(date));
    }

    #[test]
    fn dates_before_2000_are_refused(days in 1u64..800_000) {
        let date = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() - chrono::Days::new(days);
        prop_assert!(validation::date("from_date", &wire::format_date(date)).is_err());
    }

    #[test]
    fn timestamps_read_back_to_the_second(seconds in 946_684_800i64..4_102_444_800) {
        let timestamp: DateTime<Utc> = DateTime::from_timestamp(seconds, 0).unwrap();
        prop_assert_eq!(wire::parse_timestamp(&wire::format_timestamp(timestamp)), Some(timestamp));
    }

    /// The hand-written timestamp reader and writer agree with chrono's, on any text
    /// and at any second of four-digit years.
    #[test]
    fn timestamps_are_read_and_written_as_chrono_does(
        seconds in -62_167_219_200i64..253_402_300_800,
        text in prop_oneof![text(), "[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}"],
    ) {
        let timestamp: DateTime<Utc> = DateTime::from_timestamp(seconds, 0).unwrap();
        prop_assert_eq!(wire::format_timestamp(timestamp), timestamp.format(wire::TIMESTAMP_FORMAT).to_string());
        let chrono = chrono::NaiveDateTime::parse_from_str(text.trim(), wire::TIMESTAMP_FORMAT)
            .ok()
            .or_else(|| wire::parse_date(&text).and_then(|d| d.and_hms_opt(0, 0, 0)))
            .map(|naive| naive.and_utc());
        prop_assert_eq!(wire::parse_timestamp(&text), chrono);
    }

    /// A money or timestamp field of an answer reads the same whichever JSON shape
    /// carries it: what `decimal_from_json` and `parse_timestamp` make of the value.
    #[test]
    fn optional_money_and_timestamps_decode_from_any_json_shape(amount in money_json(), created in timestamp_json()) {
        let body = serde_json::json!({ "account_id": 1, "balance": amount, "created": created }).to_string();
        let decoded = serde_json::from_str::<voximplant::types::AccountInfo>(&body);
        let blank = |v: &serde_json::Value| v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty());
        let balance = if blank(&amount) { Some(None) } else { wire::decimal_from_json(&amount).map(Some) };
        let created_at = match &created {
            v if blank(v) => Some(None),
            serde_json::Value::String(text) => wire::parse_timestamp(text).map(Some),
            _ => None,
        };
        match (balance, created_at) {
            (Some(balance), Some(created_at)) => {
                let info = decoded.map_err(|e| TestCaseError::fail(format!("{body}: {e}")))?;
                prop_assert_eq!(info.balance, balance);
                prop_assert_eq!(info.created, created_at);
            }
            _ => prop_assert!(decoded.is_err(), "{} decoded", body),
        }
    }

    #[test]
    fn lists_read_back(items in proptest::collection::vec(any::<u64>(), 1..20)) {
        let only = Selection::Only(items.clone());
        prop_assert_eq!(Selection::<u64>::parse(&only.to_wire()), Ok(only));
        prop_assert_eq!(wire::split_list::<u64>(&wire::join(&items)), Ok(items));
    }

    #[test]
    fn list_parsing_takes_any_text(text in text()) {
        if let Ok(Selection::Only(items)) = Selection::<u64>::parse(&text) {
            for item in items {
                prop_assert!(text.contains(&item.to_string()));
            }
        }
    }

    #[test]
    fn money_from_json_is_exact(units in any::<i64>(), scale in 0u32..=8) {
        let amount = Decimal::new(units, scale);
        let as_string = serde_json::Value::String(amount.to_string());
        prop_assert_eq!(wire::decimal_from_json(&as_string), Some(amount));
    }

    /// As a JSON number, money passes through an f64, exact to 15 significant digits —
    /// a trillion with four decimals, more than any balance Voximplant sends as a number.
    #[test]
    fn money_as_a_json_number_is_exact_to_15_digits(units in -999_999_999_999_999i64..=999_999_999_999_999, scale in 0u32..=8) {
        let amount = Decimal::new(units, scale);
        let as_number = serde_json::Value::from_str(&amount.to_string()).unwrap();
        prop_assert_eq!(wire::decimal_from_json(&as_number).map(|d| d.normalize()), Some(amount.normalize()));
    }
}

#[cfg(feature = "client")]
mod answers {
    use super::*;
    use voximplant::{client::{decode, Error}, methods::GetAccountInfoResponse};

    /// JSON shaped like an answer, or not JSON at all.
    fn answer() -> impl Strategy<Value = Vec<u8>> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<String>().prop_map(serde_json::Value::from),
        ];
        let json = leaf.prop_recursive(3, 24, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                proptest::collection::btree_map("result|error|code|msg|account_id|balance|[a-z_]{1,12}", inner, 0..5)
                    .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
            ]
        });
        prop_oneof![
            json.prop_map(|value| serde_json::to_vec(&value).unwrap()),
            proptest::collection::vec(any::<u8>(), 0..64),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn any_answer_decodes_or_says_why(body in answer()) {
            match decode::<GetAccountInfoResponse>(&body) {
                Ok(_) => {}
                Err(Error::Api { .. }) => prop_assert!(String::from_utf8_lossy(&body).contains("\"error\"")),
                Err(Error::Malformed(why)) => prop_assert!(!why.is_empty()),
                Err(other) => prop_assert!(false, "a body cannot cause {:?}", other),
            }
        }

        /// An answer naming an `error` is an error even beside a valid result, and even
        /// with its name spelled in `\u` escapes (the one-pass read checks for both).
        #[test]
        fn an_error_member_wins_however_it_is_spelled(code in 100u32..600, escaped in proptest::collection::vec(any::<bool>(), 5)) {
            let name: String = "error"
                .chars()
                .zip(&escaped)
                .map(|(c, &escape)| if escape { format!("\\u{:04x}", c as u32) } else { c.to_string() })
                .collect();
            let body = format!(r#"{{"result":{{"account_id":1}},"{name}":{{"code":{code},"msg":"refused"}}}}"#);
            match decode::<GetAccountInfoResponse>(body.as_bytes()) {
                Err(Error::Api { code: got, .. }) => prop_assert_eq!(got.code(), code),
                other => prop_assert!(false, "{}: {:?}", body, other),
            }
        }

        #[test]
        fn api_errors_keep_their_code_and_message(code in 100u32..600, msg in any::<String>()) {
            let body = serde_json::json!({ "error": { "code": code, "msg": msg } });
            match decode::<GetAccountInfoResponse>(&serde_json::to_vec(&body).unwrap()) {
                Err(Error::Api { code: got, msg: got_msg }) => {
                    prop_assert_eq!(got.code(), code);
                    prop_assert_eq!(got_msg, msg);
                }
                other => prop_assert!(false, "{:?}", other),
            }
        }
    }
}
