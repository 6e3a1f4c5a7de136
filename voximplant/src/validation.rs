//! The API's validation rules, in one place for the browser (instant feedback), the
//! server (never send what will be refused) and the sandbox (refuse it like the real
//! API, with the same error codes).

use std::str::FromStr;

use rust_decimal::Decimal;

use crate::{error_code::ErrorCode, value_lists};

/// One broken rule: which parameter, what is wrong with it, and the API's code for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: String,
    pub code: ErrorCode,
    pub message: String,
}

impl Invalid {
    pub fn new(field: &str, code: ErrorCode, message: impl Into<String>) -> Self {
        Invalid { field: field.to_string(), code, message: message.into() }
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

pub type Check = Result<(), Invalid>;

pub const ACCOUNT_NAME_MIN: usize = 5;
pub const ACCOUNT_NAME_MAX: usize = 20;
pub const PASSWORD_MIN: usize = 8;
/// "Less than" limits from the error-code table: the longest allowed is one less.
pub const PERSON_NAME_LIMIT: usize = 50;
pub const CUSTOM_DATA_LIMIT: usize = 8192;
pub const BILLING_NAME_LIMIT: usize = 200;
pub const BILLING_ADDRESS_LIMIT: usize = 512;
pub const BILLING_ZIP_LIMIT: usize = 30;
pub const BILLING_PHONE_LIMIT: usize = 30;
/// `billing_address_state`: up to 100 characters.
pub const BILLING_STATE_MAX: usize = 100;
pub const CALLBACK_SALT_LIMIT: usize = 40;
pub const EMAIL_MAX: usize = 254;
pub const CALLBACK_URL_MAX: usize = 2048;

/// 5–20 characters, starting with a letter; lowercase latin letters, digits, hyphens.
pub fn account_name(field: &str, name: &str) -> Check {
    let length = name.chars().count();
    if !(ACCOUNT_NAME_MIN..=ACCOUNT_NAME_MAX).contains(&length) {
        return Err(Invalid::new(
            field,
            ErrorCode::AccountNameLength,
            format!("must be {ACCOUNT_NAME_MIN} to {ACCOUNT_NAME_MAX} characters long (it is {length})"),
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(Invalid::new(field, ErrorCode::AccountNameInitialLetter, "must start with a lowercase latin letter"));
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')) {
        return Err(Invalid::new(
            field,
            ErrorCode::AccountNameInitialLetter,
            format!("may contain only lowercase latin letters, digits and hyphens (not {bad:?})"),
        ));
    }
    Ok(())
}

/// At least 8 characters with an uppercase and a lowercase letter, a digit and a
/// special character; no whitespace.
pub fn password(field: &str, password: &str) -> Check {
    if password.is_empty() {
        return Err(Invalid::new(field, ErrorCode::ParameterCantBeEmpty, "is required"));
    }
    if password.chars().any(char::is_whitespace) {
        return Err(Invalid::new(field, ErrorCode::WhitespacesNotAllowed, "must not contain spaces"));
    }
    if password.chars().count() < PASSWORD_MIN {
        return Err(Invalid::new(field, ErrorCode::PasswordLength, format!("must be at least {PASSWORD_MIN} characters long")));
    }
    let missing: Vec<&str> = [
        (password.chars().any(|c| c.is_uppercase()), "an uppercase letter"),
        (password.chars().any(|c| c.is_lowercase()), "a lowercase letter"),
        (password.chars().any(|c| c.is_ascii_digit()), "a digit"),
        (password.chars().any(|c| !c.is_alphanumeric()), "a special character"),
    ]
    .into_iter()
    .filter(|(present, _)| !present)
    .map(|(_, what)| what)
    .collect();
    if !missing.is_empty() {
        return Err(Invalid::new(
            field,
            ErrorCode::RequiredCharactersNewPassword,
            format!("must contain {}", join_words(&missing)),
        ));
    }
    Ok(())
}

/// A plain `local@domain.tld` address: what mail systems accept, without quoting.
pub fn email(field: &str, code: ErrorCode, email: &str) -> Check {
    let invalid = |why: &str| Err(Invalid::new(field, code, why.to_string()));
    if email.is_empty() {
        return invalid("is required");
    }
    if email.len() > EMAIL_MAX {
        return invalid("is too long to be an email address");
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return invalid("must be an email address like name@example.com");
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    if local_ok && domain_ok {
        Ok(())
    } else {
        invalid("must be an email address like name@example.com")
    }
}

/// A notification language the API lists (ISO 639-1, two lowercase letters).
pub fn language_code(field: &str, code: &str) -> Check {
    if lookup(value_lists::LANGUAGES, code).is_some() {
        Ok(())
    } else {
        Err(Invalid::new(field, ErrorCode::InvalidLanguageCode, format!("{code:?} is not a supported ISO 639-1 language code")))
    }
}

/// A country the API lists (ISO 3166-1 alpha-2, two uppercase letters).
pub fn country_code(field: &str, code: &str) -> Check {
    if lookup(value_lists::COUNTRIES, code).is_some() {
        Ok(())
    } else {
        Err(Invalid::new(
            field,
            ErrorCode::InvalidBillingAddressCountryCode,
            format!("{code:?} is not a supported ISO 3166-1 alpha-2 country code"),
        ))
    }
}

/// An IANA time zone name such as `Europe/Berlin` or `Etc/GMT-8`.
pub fn location(field: &str, zone: &str) -> Check {
    if value_lists::TIME_ZONES.binary_search(&zone).is_ok() {
        Ok(())
    } else {
        Err(Invalid::new(
            field,
            ErrorCode::InvalidArguments,
            format!("{zone:?} is not an IANA time zone (for example Europe/Berlin or Etc/GMT-8)"),
        ))
    }
}

/// The name a code stands for in one of the [`value_lists`] tables.
pub fn lookup(table: &'static [(&'static str, &'static str)], code: &str) -> Option<&'static str> {
    table.binary_search_by(|(c, _)| c.cmp(&code)).ok().map(|i| table[i].1)
}

/// A money amount: a plain decimal number, not negative, at most 6 decimal places.
pub fn amount(field: &str, text: &str) -> Result<Decimal, Invalid> {
    let invalid = |why: String| Invalid::new(field, ErrorCode::InvalidMoneyAmount, why);
    let text = text.trim();
    if text.is_empty() || !text.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-') {
        return Err(invalid("must be a number such as 10 or 12.50".into()));
    }
    let value = Decimal::from_str(text).map_err(|_| invalid("must be a number such as 10 or 12.50".into()))?;
    if value.is_sign_negative() && !value.is_zero() {
        return Err(invalid("must not be negative".into()));
    }
    if value.scale() > 6 {
        return Err(invalid("may have at most 6 decimal places".into()));
    }
    Ok(value)
}

/// The first day Voximplant has dates for (rates, charges).
pub const EARLIEST_DATE: (i32, u32, u32) = (2000, 1, 1);

/// A date written `YYYY-MM-DD`, not before 2000.
pub fn date(field: &str, text: &str) -> Result<chrono::NaiveDate, Invalid> {
    let text = text.trim();
    let shaped = text.len() == 10 && text.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    let parsed = shaped.then(|| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()).flatten();
    let date = parsed.ok_or_else(|| Invalid::new(field, ErrorCode::InvalidDateFormat, "must be a date written YYYY-MM-DD, such as 2026-12-31"))?;
    let (year, month, day) = EARLIEST_DATE;
    if date < chrono::NaiveDate::from_ymd_opt(year, month, day).expect("valid date") {
        return Err(Invalid::new(field, ErrorCode::InvalidDate, "must be in 2000 or later: Voximplant has nothing earlier"));
    }
    Ok(date)
}

/// One of the currencies Voximplant works in (USD, EUR, RUR, KZT).
pub fn currency(field: &str, code: &str) -> Check {
    if lookup(value_lists::CURRENCIES, code).is_some() {
        return Ok(());
    }
    let known = value_lists::CURRENCIES.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ");
    let why = if code.trim().is_empty() { "choose a currency".to_string() } else { format!("{code:?} is not a currency Voximplant uses ({known})") };
    Err(Invalid::new(field, ErrorCode::InvalidCurrency, why))
}

/// Text shorter than `limit` characters (the API's "less than" rules).
pub fn shorter_than(field: &str, code: ErrorCode, text: &str, limit: usize) -> Check {
    let length = text.chars().count();
    if length < limit {
        Ok(())
    } else {
        Err(Invalid::new(field, code, format!("must be shorter than {limit} characters (it is {length})")))
    }
}

/// Text of at most `max` characters.
pub fn at_most(field: &str, code: ErrorCode, text: &str, max: usize) -> Check {
    let length = text.chars().count();
    if length <= max {
        Ok(())
    } else {
        Err(Invalid::new(field, code, format!("must be at most {max} characters (it is {length})")))
    }
}

/// An absolute http(s) URL with a host, no spaces.
pub fn callback_url(field: &str, url: &str) -> Check {
    let invalid = || Err(Invalid::new(field, ErrorCode::InvalidCallbackUrl, "must be an http:// or https:// URL"));
    if url.len() > CALLBACK_URL_MAX || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return invalid();
    }
    let Some(rest) = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")) else {
        return invalid();
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let (host, port) = match host.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || host.starts_with('[') => (host, Some(port)),
        _ => (host, None),
    };
    let host_ok = !host.is_empty()
        && (host.starts_with('[')
            || host.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') && !host.starts_with('.'));
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0));
    if host_ok && port_ok {
        Ok(())
    } else {
        invalid()
    }
}

/// Exactly one of a group of alternative parameters (`account_id | account_name | …`).
pub fn exactly_one_of(fields: &[(&str, bool)]) -> Check {
    let given: Vec<&str> = fields.iter().filter(|(_, present)| *present).map(|(name, _)| *name).collect();
    let names: Vec<&str> = fields.iter().map(|(name, _)| *name).collect();
    match given.len() {
        1 => Ok(()),
        0 => Err(Invalid::new(
            names[0],
            ErrorCode::ParameterCantBeEmpty,
            format!("specify one of {}", join_words_or(&names)),
        )),
        _ => Err(Invalid::new(
            given[1],
            ErrorCode::OnlyOneOfParameters,
            format!("only one of {} may be given", join_words_or(&names)),
        )),
    }
}

/// At least one of a group of parameters.
pub fn at_least_one_of(fields: &[(&str, bool)]) -> Check {
    if fields.iter().any(|(_, present)| *present) {
        return Ok(());
    }
    let names: Vec<&str> = fields.iter().map(|(name, _)| *name).collect();
    Err(Invalid::new(names[0], ErrorCode::ParameterCantBeEmpty, format!("specify at least one of {}", join_words_or(&names))))
}

fn join_words(words: &[&str]) -> String {
    join_with(words, "and")
}

fn join_words_or(words: &[&str]) -> String {
    join_with(words, "or")
}

fn join_with(words: &[&str], conjunction: &str) -> String {
    match words {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} {conjunction} {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_name_boundaries() {
        assert!(account_name("n", "abcde").is_ok());
        assert!(account_name("n", "a2345678901234567890").is_ok());
        assert!(account_name("n", "a-b-c-1").is_ok());
        assert_eq!(account_name("n", "abcd").unwrap_err().code, ErrorCode::AccountNameLength);
        assert_eq!(account_name("n", "a23456789012345678901").unwrap_err().code, ErrorCode::AccountNameLength);
        assert_eq!(account_name("n", "").unwrap_err().code, ErrorCode::AccountNameLength);
        assert_eq!(account_name("n", "1abcde").unwrap_err().code, ErrorCode::AccountNameInitialLetter);
        assert_eq!(account_name("n", "-abcde").unwrap_err().code, ErrorCode::AccountNameInitialLetter);
        assert_eq!(account_name("n", "Abcde").unwrap_err().code, ErrorCode::AccountNameInitialLetter);
        let error = account_name("account_name", "abc_de").unwrap_err();
        assert_eq!(error.field, "account_name");
        assert!(error.message.contains("'_'"), "{}", error.message);
        assert!(account_name("n", "abcdé").is_err());
    }

    #[test]
    fn password_policy() {
        assert!(password("p", "Aa1!aaaa").is_ok());
        assert_eq!(password("p", "Aa1!aaa").unwrap_err().code, ErrorCode::PasswordLength);
        assert_eq!(password("p", "").unwrap_err().code, ErrorCode::ParameterCantBeEmpty);
        assert_eq!(password("p", "Aa1! aaaa").unwrap_err().code, ErrorCode::WhitespacesNotAllowed);
        let error = password("p", "aaaaaaaa").unwrap_err();
        assert_eq!(error.code, ErrorCode::RequiredCharactersNewPassword);
        assert_eq!(error.message, "must contain an uppercase letter, a digit and a special character");
        assert!(password("p", "AAAA1111!").unwrap_err().message.contains("a lowercase letter"));
        assert!(password("p", "Aaaaaaa!").unwrap_err().message.contains("a digit"));
        assert!(password("p", "Aaaaaaa1").unwrap_err().message.contains("a special character"));
    }

    #[test]
    fn email_addresses() {
        let ok = |e: &str| email("e", ErrorCode::InvalidEmail, e).is_ok();
        assert!(ok("ops@example.com"));
        assert!(ok("first.last+tag@mail.example.co.uk"));
        for bad in ["", "plain", "@example.com", "a@", "a@b", "a@b.c", "a b@example.com", "a..b@example.com", "a@-x.com", "a@x_y.com"] {
            assert!(!ok(bad), "{bad:?} accepted");
        }
        assert!(!ok(&format!("{}@example.com", "a".repeat(65))));
        assert_eq!(email("account_email", ErrorCode::InvalidEmail, "x").unwrap_err().code, ErrorCode::InvalidEmail);
    }

    #[test]
    fn language_and_country_lists_are_the_documented_ones() {
        assert_eq!(value_lists::LANGUAGES.len(), 142);
        assert_eq!(value_lists::COUNTRIES.len(), 224);
        for code in ["en", "ru", "de", "zh", "iw", "ji", "in"] {
            assert!(language_code("l", code).is_ok(), "{code}");
        }
        for code in ["EN", "xx", "eng", ""] {
            assert_eq!(language_code("l", code).unwrap_err().code, ErrorCode::InvalidLanguageCode, "{code}");
        }
        for code in ["US", "GB", "RU", "AN", "AX"] {
            assert!(country_code("c", code).is_ok(), "{code}");
        }
        for code in ["us", "UK", "XX", ""] {
            assert_eq!(country_code("c", code).unwrap_err().code, ErrorCode::InvalidBillingAddressCountryCode, "{code}");
        }
        assert_eq!(lookup(value_lists::COUNTRIES, "DE"), Some("Germany"));
        let mut sorted = value_lists::LANGUAGES.to_vec();
        sorted.sort();
        assert_eq!(sorted, value_lists::LANGUAGES, "binary search needs sorted tables");
    }

    #[test]
    fn time_zones() {
        for zone in ["Etc/GMT", "Etc/GMT-8", "Etc/GMT+10", "America/Los_Angeles", "Europe/Berlin", "UTC"] {
            assert!(location("location", zone).is_ok(), "{zone}");
        }
        for zone in ["Mars/Olympus", "europe/berlin", "GMT+3", ""] {
            assert!(location("location", zone).is_err(), "{zone}");
        }
    }

    #[test]
    fn amounts() {
        assert_eq!(amount("a", "10").unwrap().to_string(), "10");
        assert_eq!(amount("a", " 12.50 ").unwrap().to_string(), "12.50");
        assert_eq!(amount("a", "0.000001").unwrap().to_string(), "0.000001");
        assert_eq!(amount("a", "0").unwrap(), Decimal::ZERO);
        for bad in ["", "-1", "1e5", "1,5", "abc", "0.0000001", "1.2.3"] {
            assert_eq!(amount("a", bad).unwrap_err().code, ErrorCode::InvalidMoneyAmount, "{bad:?}");
        }
    }

    #[test]
    fn less_than_limits() {
        let name_ok = |n: usize| shorter_than("f", ErrorCode::AccountFirstNameTooLong, &"x".repeat(n), PERSON_NAME_LIMIT).is_ok();
        assert!(name_ok(49));
        assert!(!name_ok(50));
        let data_ok = |n: usize| shorter_than("d", ErrorCode::AccountCustomDataTooLong, &"x".repeat(n), CUSTOM_DATA_LIMIT).is_ok();
        assert!(data_ok(8191));
        assert!(!data_ok(8192));
        assert!(shorter_than("s", ErrorCode::CallbackSaltInvalid, &"s".repeat(39), CALLBACK_SALT_LIMIT).is_ok());
        assert!(shorter_than("s", ErrorCode::CallbackSaltInvalid, &"s".repeat(40), CALLBACK_SALT_LIMIT).is_err());
        for (limit, code) in [
            (BILLING_NAME_LIMIT, ErrorCode::BillingAddressNameTooLong),
            (BILLING_ADDRESS_LIMIT, ErrorCode::BillingAddressAddressTooLong),
            (BILLING_ZIP_LIMIT, ErrorCode::BillingAddressZipTooLong),
            (BILLING_PHONE_LIMIT, ErrorCode::BillingAddressPhoneTooLong),
        ] {
            assert!(shorter_than("b", code, &"x".repeat(limit - 1), limit).is_ok());
            assert_eq!(shorter_than("b", code, &"x".repeat(limit), limit).unwrap_err().code, code);
        }
        assert!(at_most("s", ErrorCode::InvalidBillingAddressStateLength, &"x".repeat(100), BILLING_STATE_MAX).is_ok());
        assert!(at_most("s", ErrorCode::InvalidBillingAddressStateLength, &"x".repeat(101), BILLING_STATE_MAX).is_err());
        // Characters, not bytes.
        assert!(shorter_than("f", ErrorCode::AccountFirstNameTooLong, &"é".repeat(49), PERSON_NAME_LIMIT).is_ok());
    }

    #[test]
    fn callback_urls() {
        for ok in ["https://hooks.example.com/voximplant", "http://10.0.0.5:8080/cb?x=1", "https://[::1]:443/x"] {
            assert!(callback_url("u", ok).is_ok(), "{ok}");
        }
        for bad in ["", "ftp://x.com", "https://", "https:// x.com", "example.com/cb", "https://x.com:0/", "https://x.com:99999/"] {
            assert!(callback_url("u", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn parameter_groups() {
        assert!(exactly_one_of(&[("account_id", true), ("account_name", false)]).is_ok());
        let none = exactly_one_of(&[("account_id", false), ("account_name", false), ("account_email", false)]).unwrap_err();
        assert_eq!(none.code, ErrorCode::ParameterCantBeEmpty);
        assert_eq!(none.message, "specify one of account_id, account_name or account_email");
        let two = exactly_one_of(&[("phone_id", true), ("phone_number", true)]).unwrap_err();
        assert_eq!(two.code, ErrorCode::OnlyOneOfParameters);
        assert_eq!(two.field, "phone_number");
        assert!(at_least_one_of(&[("a", false), ("b", true)]).is_ok());
        assert_eq!(at_least_one_of(&[("a", false), ("b", false)]).unwrap_err().message, "specify at least one of a or b");
    }
}
