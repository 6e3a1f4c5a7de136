//! What is due by a date, and the order to charge it.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use voximplant::validation;

/// Which charges to show: for a date (empty: today) in a currency (empty: the account's).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueQuery {
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub currency: String,
}

impl DueQuery {
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        if !self.date.trim().is_empty() {
            if let Err(invalid) = validation::date("date", &self.date) {
                problems.push(("date".into(), format!("The date {}.", invalid.message)));
            }
        }
        if !self.currency.trim().is_empty() {
            if let Err(invalid) = validation::currency("currency", self.currency.trim()) {
                problems.push(("currency".into(), format!("The currency: {}.", invalid.message)));
            }
        }
        problems
    }
}

/// One subscription due by the date (GetMoneyAmountToCharge).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DueSubscription {
    /// The phone number (or SIP registration) it is for.
    pub description: String,
    /// `PHONE_NUM` or `SIP_REGISTRATION`.
    pub kind: String,
    /// In the currency asked for.
    pub amount: Decimal,
    /// In the account's currency: what charging it takes from the balance.
    pub cost: Decimal,
    pub auto_charge: bool,
    pub next_renewal: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Due {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub currency: String,
    /// Subscriptions, plans and a negative balance, in `currency`.
    pub amount: Decimal,
    /// `amount` less the positive balance.
    pub min_amount: Decimal,
    pub bank_card_amount_usd: Option<Decimal>,
    pub robokassa_amount_rub: Option<Decimal>,
    pub subscriptions: Vec<DueSubscription>,
    pub balance: Option<Decimal>,
    pub credit_limit: Option<Decimal>,
    pub account_currency: String,
    pub fetched_at: String,
}

impl Due {
    /// The subscriptions a person may charge: the ones Voximplant does not charge itself.
    pub fn chargeable(&self) -> impl Iterator<Item = &DueSubscription> {
        self.subscriptions.iter().filter(|s| !s.auto_charge)
    }
}

/// How the phones to charge are chosen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChargeMode {
    /// The numbers ticked in the list of what is due.
    #[default]
    Numbers,
    /// Phone ids typed in.
    Ids,
    /// Every phone of the account with auto-charge off.
    All,
}

/// What to charge.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargeOrder {
    pub mode: ChargeMode,
    #[serde(default)]
    pub numbers: Vec<String>,
    /// Comma-separated phone ids.
    #[serde(default)]
    pub ids: String,
}

/// Phones one charge may name at most.
pub const MAX_PHONES_PER_CHARGE: usize = 100;
/// Longest phone number or SIP registration name accepted.
pub const MAX_PHONE_LENGTH: usize = 64;

impl ChargeOrder {
    /// The typed ids, or why they are not ids.
    pub fn phone_ids(&self) -> Result<Vec<u64>, String> {
        let mut ids = Vec::new();
        for part in self.ids.split([',', ';', ' ', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
            match part.parse::<u64>() {
                Ok(id) if id > 0 => ids.push(id),
                _ => return Err(format!("\"{part}\" is not a phone id: ids are whole numbers, separated by commas.")),
            }
        }
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    pub fn problems(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        let mut problem = |field: &str, message: String| problems.push((field.to_string(), message));
        match self.mode {
            ChargeMode::Numbers => {
                if self.numbers.is_empty() {
                    problem("numbers", "Tick at least one phone to charge.".into());
                } else if self.numbers.len() > MAX_PHONES_PER_CHARGE {
                    problem("numbers", format!("Charge at most {MAX_PHONES_PER_CHARGE} phones at once."));
                } else if let Some(long) = self.numbers.iter().find(|n| n.trim().is_empty() || n.chars().count() > MAX_PHONE_LENGTH) {
                    problem("numbers", format!("\"{long}\" is not a phone number."));
                }
            }
            ChargeMode::Ids => match self.phone_ids() {
                Ok(ids) if ids.is_empty() => problem("ids", "Enter at least one phone id.".into()),
                Ok(ids) if ids.len() > MAX_PHONES_PER_CHARGE => problem("ids", format!("Charge at most {MAX_PHONES_PER_CHARGE} phones at once.")),
                Ok(_) => {}
                Err(why) => problem("ids", why),
            },
            ChargeMode::All => {}
        }
        problems
    }
}

/// One phone ChargeAccount answered about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChargedPhoneView {
    pub phone_id: u64,
    pub number: String,
    pub charged: bool,
    /// Frozen for lack of money.
    pub frozen: bool,
    /// What its subscription cost, when the list of what was due named it.
    pub cost: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Charged {
    pub charged_amount: Decimal,
    pub phones: Vec<ChargedPhoneView>,
    pub balance_before: Option<Decimal>,
    pub balance_after: Option<Decimal>,
    pub currency: Option<String>,
    /// An earlier submission of this same form's answer, given again (nothing charged twice).
    pub again: bool,
}
