//! Request parameters as they go on the wire: name/value pairs, form-encoded by the
//! client. Secret values stay [`Secret`] until the moment they are encoded, so a
//! `Debug` of the parameters never shows them.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::{secret::Secret, wire};

#[derive(Clone, PartialEq)]
pub enum ParamValue {
    Plain(String),
    Secret(Secret),
}

impl ParamValue {
    pub fn expose(&self) -> &str {
        match self {
            ParamValue::Plain(text) => text,
            ParamValue::Secret(secret) => secret.expose(),
        }
    }
}

impl std::fmt::Debug for ParamValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParamValue::Plain(text) => write!(f, "{text:?}"),
            ParamValue::Secret(_) => f.write_str("***"),
        }
    }
}

/// The parameters of one call, in the order they were added.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params(Vec<(&'static str, ParamValue)>);

impl Params {
    pub fn new() -> Self {
        Params::default()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &ParamValue)> {
        self.0.iter().map(|(name, value)| (*name, value))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v.expose())
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|(name, _)| *name).collect()
    }

    /// Pairs ready for form encoding, secrets included: for the HTTP client only.
    pub fn to_form(&self) -> Vec<(&'static str, String)> {
        self.0.iter().map(|(name, value)| (*name, value.expose().to_string())).collect()
    }

    pub fn text(&mut self, name: &'static str, value: &str) -> &mut Self {
        self.0.push((name, ParamValue::Plain(value.to_string())));
        self
    }

    pub fn opt_text(&mut self, name: &'static str, value: Option<&str>) -> &mut Self {
        if let Some(value) = value {
            self.text(name, value);
        }
        self
    }

    pub fn secret(&mut self, name: &'static str, value: &Secret) -> &mut Self {
        self.0.push((name, ParamValue::Secret(value.clone())));
        self
    }

    pub fn opt_secret(&mut self, name: &'static str, value: Option<&Secret>) -> &mut Self {
        if let Some(value) = value {
            self.secret(name, value);
        }
        self
    }

    pub fn number(&mut self, name: &'static str, value: u64) -> &mut Self {
        self.text(name, &value.to_string())
    }

    pub fn opt_number(&mut self, name: &'static str, value: Option<u64>) -> &mut Self {
        if let Some(value) = value {
            self.number(name, value);
        }
        self
    }

    /// Booleans as `true` / `false`, what most official clients send.
    pub fn opt_flag(&mut self, name: &'static str, value: Option<bool>) -> &mut Self {
        if let Some(value) = value {
            self.text(name, if value { "true" } else { "false" });
        }
        self
    }

    pub fn opt_decimal(&mut self, name: &'static str, value: Option<Decimal>) -> &mut Self {
        if let Some(value) = value {
            self.text(name, &value.normalize().to_string());
        }
        self
    }

    pub fn opt_date(&mut self, name: &'static str, value: Option<NaiveDate>) -> &mut Self {
        if let Some(value) = value {
            self.text(name, &wire::format_date(value));
        }
        self
    }

    pub fn opt_list<T: std::fmt::Display>(&mut self, name: &'static str, value: Option<&[T]>) -> &mut Self {
        if let Some(items) = value {
            self.text(name, &wire::join(items));
        }
        self
    }

    pub fn opt_selection<T: std::fmt::Display>(
        &mut self,
        name: &'static str,
        value: Option<&wire::Selection<T>>,
    ) -> &mut Self {
        if let Some(selection) = value {
            self.text(name, &selection.to_wire());
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secrets_but_the_form_has_them() {
        let mut params = Params::new();
        params.text("account_name", "acme").secret("api_key", &Secret::new("k-123"));
        let debug = format!("{params:?}");
        assert!(debug.contains("acme") && !debug.contains("k-123"), "{debug}");
        assert_eq!(params.to_form(), vec![("account_name", "acme".into()), ("api_key", "k-123".into())]);
    }

    #[test]
    fn values_are_encoded_as_the_api_expects() {
        let mut params = Params::new();
        params
            .opt_flag("active", Some(true))
            .opt_flag("frozen", Some(false))
            .opt_flag("skipped", None)
            .opt_decimal("min_balance_to_notify", Some(Decimal::new(1050, 2)))
            .opt_date("date", NaiveDate::from_ymd_opt(2026, 1, 31))
            .opt_list("plan_type", Some(&["IM", "MAU"][..]))
            .opt_selection("child_account_id", Some(&wire::Selection::<u64>::All));
        assert_eq!(
            params.to_form(),
            vec![
                ("active", "true".into()),
                ("frozen", "false".into()),
                ("min_balance_to_notify", "10.5".into()),
                ("date", "2026-01-31".into()),
                ("plan_type", "IM;MAU".into()),
                ("child_account_id", "all".into()),
            ]
        );
    }
}
