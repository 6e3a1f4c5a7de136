//! The list's view as it lives in the URL (`/children?q=acme&status=active&sort=email
//! &size=50&page=3&live=1`), and how its one search box maps onto GetChildrenAccounts'
//! filters: ids, a name or an email.

use serde::{Deserialize, Serialize};
use voximplant::{methods::GetChildrenAccounts, types::ChildrenOrder};

use super::model::ChildRow;
use crate::error::AppError;

/// Longest search the box accepts (a list of 100 ids fits).
pub const SEARCH_MAX: usize = 1_200;
/// Most ids one search may list.
pub const IDS_MAX: usize = 100;
pub const PAGE_SIZES: [u64; 3] = [20, 50, 100];

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChildSort {
    Id,
    #[default]
    Name,
    Email,
}

impl ChildSort {
    pub fn as_str(self) -> &'static str {
        match self {
            ChildSort::Id => "id",
            ChildSort::Name => "name",
            ChildSort::Email => "email",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [ChildSort::Id, ChildSort::Name, ChildSort::Email].into_iter().find(|s| s.as_str() == text)
    }

    fn order(self) -> ChildrenOrder {
        match self {
            ChildSort::Id => ChildrenOrder::ChildAccountId,
            ChildSort::Name => ChildrenOrder::ChildAccountName,
            ChildSort::Email => ChildrenOrder::ChildAccountEmail,
        }
    }
}

/// Which children the list shows, in what order, which page of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildQuery {
    #[serde(default)]
    pub search: String,
    /// `Some(true)`: active only; `Some(false)`: inactive only.
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub frozen: Option<bool>,
    #[serde(default)]
    pub sort: ChildSort,
    pub size: u64,
    /// 1-based.
    pub page: u64,
    /// Ask Voximplant for live balances (slower) rather than cached ones.
    #[serde(default)]
    pub live: bool,
}

impl Default for ChildQuery {
    fn default() -> Self {
        ChildQuery { search: String::new(), active: None, frozen: None, sort: ChildSort::Name, size: 20, page: 1, live: false }
    }
}

/// What the search box holds, as the filter it maps to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    Everything,
    Ids(Vec<u64>),
    Email(String),
    Name(String),
}

impl ChildQuery {
    /// The view a URL's query asks for; what cannot be read falls back to the default.
    pub fn from_pairs<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Self {
        let yes_no = |name: &str, yes: &str, no: &str| match get(name) {
            Some(value) if value == yes => Some(true),
            Some(value) if value == no => Some(false),
            _ => None,
        };
        let number = |name: &str| get(name).and_then(|v| v.trim().parse::<u64>().ok());
        ChildQuery {
            search: get("q").unwrap_or_default().to_string(),
            active: yes_no("status", "active", "inactive"),
            frozen: yes_no("frozen", "yes", "no"),
            sort: get("sort").and_then(ChildSort::parse).unwrap_or_default(),
            size: number("size").filter(|s| PAGE_SIZES.contains(s)).unwrap_or(20),
            page: number("page").filter(|p| *p >= 1).unwrap_or(1),
            live: get("live") == Some("1"),
        }
    }

    /// The URL query for this view (defaults left out), without the `?`.
    pub fn to_query(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if !self.search.trim().is_empty() {
            pairs.push(("q", self.search.trim().to_string()));
        }
        if let Some(active) = self.active {
            pairs.push(("status", if active { "active" } else { "inactive" }.into()));
        }
        if let Some(frozen) = self.frozen {
            pairs.push(("frozen", if frozen { "yes" } else { "no" }.into()));
        }
        if self.sort != ChildSort::Name {
            pairs.push(("sort", self.sort.as_str().into()));
        }
        if self.size != 20 {
            pairs.push(("size", self.size.to_string()));
        }
        if self.page != 1 {
            pairs.push(("page", self.page.to_string()));
        }
        if self.live {
            pairs.push(("live", "1".into()));
        }
        pairs.iter().map(|(k, v)| format!("{k}={}", crate::ui::url_encode(v))).collect::<Vec<_>>().join("&")
    }

    /// The same filters and order from the first page at the default size: what a
    /// download or a bulk change of "every match" means (the screen's page is not).
    pub fn every_match(&self) -> ChildQuery {
        ChildQuery { size: 20, page: 1, ..self.clone() }
    }

    /// The filters in words, for a bulk change's page: "search “acme”, active, not frozen".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        let search = self.search.trim();
        if !search.is_empty() {
            let shown: String = search.chars().take(80).collect();
            let more = if search.chars().count() > 80 { "…" } else { "" };
            parts.push(format!("search “{shown}{more}”"));
        }
        match self.active {
            Some(true) => parts.push("active".to_string()),
            Some(false) => parts.push("inactive".to_string()),
            None => {}
        }
        match self.frozen {
            Some(true) => parts.push("frozen".to_string()),
            Some(false) => parts.push("not frozen".to_string()),
            None => {}
        }
        if parts.is_empty() {
            "every child account".to_string()
        } else {
            parts.join(", ")
        }
    }

    /// `/children?…` for this view.
    pub fn href(&self) -> String {
        match self.to_query() {
            query if query.is_empty() => "/children".to_string(),
            query => format!("/children?{query}"),
        }
    }

    /// The same view, another page.
    pub fn at_page(&self, page: u64) -> Self {
        ChildQuery { page: page.max(1), ..self.clone() }
    }

    pub fn offset(&self) -> u64 {
        (self.page.max(1) - 1).saturating_mul(self.size)
    }

    /// What the search box means: a list of ids (digits separated by commas, spaces or
    /// semicolons), an email (has an `@`), or else a name.
    pub fn search(&self) -> Result<Search, AppError> {
        let text = self.search.trim();
        if text.is_empty() {
            return Ok(Search::Everything);
        }
        if text.chars().count() > SEARCH_MAX {
            return Err(AppError::invalid("q", format!("The search is too long: at most {SEARCH_MAX} characters.")));
        }
        let tokens: Vec<&str> = text.split(|c: char| c == ',' || c == ';' || c.is_whitespace()).filter(|t| !t.is_empty()).collect();
        if tokens.iter().all(|t| t.chars().all(|c| c.is_ascii_digit())) {
            if tokens.len() > IDS_MAX {
                return Err(AppError::invalid("q", format!("Search for at most {IDS_MAX} ids at a time.")));
            }
            let ids = tokens
                .iter()
                .map(|t| t.parse::<u64>().map_err(|_| AppError::invalid("q", format!("{t} is not an account id."))))
                .collect::<Result<_, _>>()?;
            return Ok(Search::Ids(ids));
        }
        if text.contains('@') {
            return Ok(Search::Email(text.to_string()));
        }
        Ok(Search::Name(text.to_string()))
    }

    /// The GetChildrenAccounts call for this page: one page, never the whole list.
    pub fn request(&self) -> Result<GetChildrenAccounts, AppError> {
        if !PAGE_SIZES.contains(&self.size) {
            return Err(AppError::invalid("size", "Show 20, 50 or 100 per page."));
        }
        let mut request = GetChildrenAccounts {
            active: self.active,
            frozen: self.frozen,
            count: Some(self.size),
            offset: Some(self.offset()),
            order_by: Some(self.sort.order()),
            return_live_balance: Some(self.live),
            ..Default::default()
        };
        match self.search()? {
            Search::Everything => {}
            Search::Ids(ids) => {
                request.child_account_id = Some(ids);
                // An id that is not a child is simply not found, not an error.
                request.ignore_invalid_accounts = Some(true);
            }
            Search::Email(email) => request.child_account_email = Some(email),
            Search::Name(name) => request.child_account_name = Some(name),
        }
        Ok(request)
    }
}

/// One page of the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChildPage {
    pub rows: Vec<ChildRow>,
    pub offset: u64,
    pub total: u64,
    /// When Voximplant answered: `14:02:31 UTC`.
    pub fetched_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> ChildQuery {
        ChildQuery::from_pairs(|name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| *v))
    }

    #[test]
    fn filters_read_as_words() {
        assert_eq!(query(&[]).describe(), "every child account");
        assert_eq!(query(&[("q", "acme"), ("status", "active"), ("frozen", "no")]).describe(), "search “acme”, active, not frozen");
        assert!(query(&[("q", &"1,".repeat(100))]).describe().ends_with("…”"));
    }

    #[test]
    fn the_url_round_trips() {
        let view = query(&[("q", "acme corp"), ("status", "inactive"), ("sort", "email"), ("size", "50"), ("page", "3"), ("live", "1")]);
        assert_eq!(view.to_query(), "q=acme%20corp&status=inactive&sort=email&size=50&page=3&live=1");
        assert_eq!(query(&[]).href(), "/children");
        assert_eq!(view.offset(), 100);
        // What cannot be read falls back rather than failing.
        let odd = query(&[("size", "7"), ("page", "zero"), ("sort", "balance"), ("status", "maybe")]);
        assert_eq!(odd, ChildQuery::default());
    }

    #[test]
    fn one_search_box_maps_to_the_right_filter() {
        let search = |text: &str| ChildQuery { search: text.into(), ..Default::default() }.search();
        assert_eq!(search(""), Ok(Search::Everything));
        assert_eq!(search("1042"), Ok(Search::Ids(vec![1042])));
        assert_eq!(search("1042, 1043;1044 1045"), Ok(Search::Ids(vec![1042, 1043, 1044, 1045])));
        assert_eq!(search("ops@acme.example"), Ok(Search::Email("ops@acme.example".into())));
        assert_eq!(search(" acme "), Ok(Search::Name("acme".into())));
        assert_eq!(search("acme 2"), Ok(Search::Name("acme 2".into())));
        assert_eq!(search(&"a".repeat(SEARCH_MAX + 1)).unwrap_err().fields(), ["q"]);
        let many = (0..=IDS_MAX).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        assert_eq!(search(&many).unwrap_err().fields(), ["q"]);
        assert_eq!(search("99999999999999999999999").unwrap_err().fields(), ["q"]);
    }

    #[test]
    fn a_page_asks_for_that_page_only() {
        let request = query(&[("q", "7,8"), ("sort", "id"), ("size", "100"), ("page", "2")]).request().unwrap();
        assert_eq!(request.count, Some(100));
        assert_eq!(request.offset, Some(100));
        assert_eq!(request.child_account_id, Some(vec![7, 8]));
        assert_eq!(request.ignore_invalid_accounts, Some(true));
        assert_eq!(request.order_by, Some(ChildrenOrder::ChildAccountId));
    }
}
