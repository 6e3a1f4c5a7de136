//! Resource and subscription prices: their filters and what is shown.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use voximplant::{validation, value_lists};

/// GetResourcePrice's filters; every field is kept in the URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceFilter {
    /// Resource types (see [`value_lists::RESOURCE_TYPES`]); empty: all.
    #[serde(default)]
    pub types: Vec<String>,
    /// A price group's id, or part of its name.
    #[serde(default)]
    pub group: String,
    /// Resource parameters such as phone numbers, separated by commas.
    #[serde(default)]
    pub param: String,
}

/// Resource parameters one query may name at most, and the longest one.
pub const MAX_RESOURCE_PARAMS: usize = 20;
pub const MAX_RESOURCE_PARAM_LENGTH: usize = 32;
/// Longest price group name searched for.
pub const MAX_GROUP_NAME_LENGTH: usize = 100;

impl PriceFilter {
    /// The parameters as Voximplant takes them: a phone's `+`, spaces, dashes and
    /// brackets dropped (`+1 (415) 555-0100` → `14155550100`).
    pub fn params(&self) -> Vec<String> {
        self.param
            .split([',', ';'])
            .map(|part| {
                let part = part.trim();
                let phone_like = part.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c));
                if phone_like { part.chars().filter(char::is_ascii_digit).collect() } else { part.to_string() }
            })
            .filter(|part| !part.is_empty())
            .collect()
    }

    /// The group as an id (all digits) or a name to search for.
    pub fn group_id(&self) -> Option<u64> {
        let group = self.group.trim();
        (!group.is_empty() && group.chars().all(|c| c.is_ascii_digit())).then(|| group.parse().ok()).flatten()
    }

    pub fn problems(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        for kind in &self.types {
            if validation::lookup(value_lists::RESOURCE_TYPES, kind).is_none() {
                problems.push(("types".into(), format!("{kind} is not a resource type Voximplant prices.")));
            }
        }
        if self.group.trim().chars().count() > MAX_GROUP_NAME_LENGTH {
            problems.push(("group".into(), format!("A price group name is at most {MAX_GROUP_NAME_LENGTH} characters.")));
        }
        let params = self.params();
        if params.len() > MAX_RESOURCE_PARAMS {
            problems.push(("param".into(), format!("Look up at most {MAX_RESOURCE_PARAMS} numbers at once.")));
        } else if let Some(long) = params.iter().find(|p| p.chars().count() > MAX_RESOURCE_PARAM_LENGTH) {
            problems.push((
                "param".into(),
                format!("\"{}…\" is too long: a resource parameter is at most {MAX_RESOURCE_PARAM_LENGTH} characters.", long.chars().take(12).collect::<String>()),
            ));
        }
        problems
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceGroupView {
    pub id: u64,
    pub name: String,
    /// For `per` units.
    pub price: Decimal,
    pub per: u64,
    /// Usage is rounded up to multiples of this.
    pub quantum: u64,
    pub allowed: Vec<String>,
    pub forbidden: Vec<String>,
    /// The asked-for parameters this group prices.
    pub requested: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourcePriceView {
    pub resource_type: String,
    pub groups: Vec<PriceGroupView>,
}

/// What was read and when: prices are kept a few minutes per connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Freshness {
    /// `14:22:05 UTC`.
    pub read_at: String,
    pub age_seconds: u64,
}

impl Freshness {
    /// "read at 14:22:05 UTC, 2 minutes ago".
    pub fn describe(&self) -> String {
        let ago = match self.age_seconds {
            0..=4 => "just now".to_string(),
            seconds @ 5..=59 => format!("{seconds} seconds ago"),
            seconds @ 60..=119 => format!("1 minute ago ({seconds} s)"),
            seconds => format!("{} minutes ago", seconds / 60),
        };
        format!("Read from Voximplant at {}, {ago}.", self.read_at)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prices {
    pub resources: Vec<ResourcePriceView>,
    pub currency: Option<String>,
    pub freshness: Freshness,
}

/// GetSubscriptionPrice's filters and page; kept in the URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionFilter {
    /// Template ids, comma-separated.
    #[serde(default)]
    pub ids: String,
    /// `PHONE_NUM`, `SIP_REGISTRATION` or empty.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub offset: u64,
}

pub const SUBSCRIPTION_KINDS: &[(&str, &str)] = &[("PHONE_NUM", "Phone number"), ("SIP_REGISTRATION", "SIP registration")];
/// Subscription templates per page.
pub const SUBSCRIPTIONS_PAGE: u64 = 20;

impl SubscriptionFilter {
    pub fn template_ids(&self) -> Result<Vec<u64>, String> {
        let mut ids = Vec::new();
        for part in self.ids.split([',', ';', ' ']).map(str::trim).filter(|p| !p.is_empty()) {
            ids.push(part.parse::<u64>().map_err(|_| format!("\"{part}\" is not a template id: ids are whole numbers, separated by commas."))?);
        }
        Ok(ids)
    }

    pub fn problems(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        match self.template_ids() {
            Err(why) => problems.push(("sub_ids".into(), why)),
            Ok(ids) if ids.len() > MAX_RESOURCE_PARAMS => {
                problems.push(("sub_ids".into(), format!("Look up at most {MAX_RESOURCE_PARAMS} templates at once.")))
            }
            Ok(_) => {}
        }
        if !self.kind.is_empty() && !SUBSCRIPTION_KINDS.iter().any(|(k, _)| *k == self.kind) {
            problems.push(("sub_kind".into(), format!("{} is not a subscription type.", self.kind)));
        }
        if self.name.chars().count() > MAX_GROUP_NAME_LENGTH {
            problems.push(("sub_name".into(), format!("A template name is at most {MAX_GROUP_NAME_LENGTH} characters.")));
        }
        problems
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionPriceView {
    pub id: u64,
    pub name: String,
    pub kind: String,
    pub installation_price: Decimal,
    /// Per period.
    pub price: Decimal,
    pub currency: Option<String>,
    /// "1 month".
    pub period: String,
    pub required_verification: Option<bool>,
    pub verification_status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionPrices {
    pub templates: Vec<SubscriptionPriceView>,
    pub total: u64,
    pub offset: u64,
    pub freshness: Freshness,
}

/// Voximplant's `Y-M-D H:m:s` period in words: `0-1-0 0:0:0` → "1 month".
pub fn period_words(period: &str) -> String {
    let numbers: Vec<u64> = period.split(['-', ' ', ':']).filter_map(|n| n.parse().ok()).collect();
    let [years, months, days, hours, minutes, seconds] = numbers[..] else { return period.to_string() };
    let words: Vec<String> = [(years, "year"), (months, "month"), (days, "day"), (hours, "hour"), (minutes, "minute"), (seconds, "second")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| if n == 1 { format!("1 {unit}") } else { format!("{n} {unit}s") })
        .collect();
    if words.is_empty() { "one-off".to_string() } else { words.join(" ") }
}
