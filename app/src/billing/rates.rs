//! Currency rates and converting between currencies.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use voximplant::{validation, value_lists};

use super::Freshness;

/// Which rates to show: currencies (empty: all Voximplant uses) on a date (empty: today).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateQuery {
    #[serde(default)]
    pub currencies: Vec<String>,
    #[serde(default)]
    pub date: String,
}

impl RateQuery {
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        for code in &self.currencies {
            if let Err(invalid) = validation::currency("currencies", code) {
                problems.push(("currencies".into(), format!("{}.", capitalised(&invalid.message))));
            }
        }
        if !self.date.trim().is_empty() {
            if let Err(invalid) = validation::date("date", &self.date) {
                problems.push(("date".into(), format!("The date {}.", invalid.message)));
            }
        }
        problems
    }

    /// The currencies to ask for: the chosen ones, or every one Voximplant uses.
    pub fn asked(&self) -> Vec<String> {
        if self.currencies.is_empty() {
            value_lists::CURRENCIES.iter().map(|(code, _)| code.to_string()).collect()
        } else {
            self.currencies.clone()
        }
    }
}

/// Our messages start in ASCII; `char::to_uppercase` would bring its 12 KB Unicode table
/// into the WASM's entry module for them.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| std::iter::once(c.to_ascii_uppercase()).chain(chars).collect()).unwrap_or_default()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rates {
    /// `YYYY-MM-DD`: the date asked for.
    pub date: String,
    /// Units of each currency per 1 USD.
    pub rates: Vec<(String, Decimal)>,
    pub freshness: Freshness,
}

/// Decimal places a converted amount is rounded to.
pub const CONVERTED_DECIMALS: u32 = 2;

impl Rates {
    pub fn rate(&self, code: &str) -> Option<Decimal> {
        self.rates.iter().find(|(c, _)| c == code).map(|(_, rate)| *rate)
    }

    /// `amount` of `from` in `to`, through USD (rates are per USD), rounded to
    /// [`CONVERTED_DECIMALS`] places, halves to even. `None` for an unknown currency
    /// or a zero rate.
    pub fn convert(&self, amount: Decimal, from: &str, to: &str) -> Option<Decimal> {
        let (from_rate, to_rate) = (self.rate(from)?, self.rate(to)?);
        if from_rate.is_zero() {
            return None;
        }
        let converted = amount.checked_mul(to_rate)?.checked_div(from_rate)?;
        Some(converted.round_dp_with_strategy(CONVERTED_DECIMALS, rust_decimal::RoundingStrategy::MidpointNearestEven))
    }
}
