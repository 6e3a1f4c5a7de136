//! The parent account on the server. Two services: reading (everyone signed in) and
//! editing the profile (admins and resellers). The dashboard's reads run at the same
//! time and are kept a few seconds per connection, so fifty people opening the
//! dashboard cost Voximplant a handful of calls, not hundreds.

use std::{collections::HashMap, time::Duration};

use rust_decimal::Decimal;

use serde_json::json;
use voximplant::{
    client::Client,
    methods::{GetAccountDocuments, GetAccountInfo, GetChildrenAccounts, GetCurrencyRate},
    types::{AccountInfo, AccountListing, VerificationStatus},
    wire::Selection,
    ErrorCode,
};

use super::{
    actions,
    fields::PROFILE_FIELDS,
    profile::{Profile, ProfileChanges},
    AccountSummary, BalanceComparison, ChildBalance, ChildVerification, ChildrenSummary, DocumentFilter, Documents, DOCUMENTS_PAGE,
    RANKED_CHILDREN,
};
use crate::{
    audit::ssr::{audited, Performed},
    auth::ssr::{cap, Authorized, Service},
    children::ssr::{verification_view, verifications_of},
    error::AppError,
    read_cache::{self, forget},
};

pub(crate) use crate::auth::ssr::service;

/// Everyone signed in: the dashboard, the profile (read) and the documents.
pub struct AccountReader(Authorized<cap::ViewAccount>);

/// Admins and resellers: the profile's changes.
pub struct AccountEditor(Authorized<cap::ManageAccount>);

impl Service for AccountReader {
    type Capability = cap::ViewAccount;
    fn grant(access: Authorized<cap::ViewAccount>) -> Self {
        AccountReader(access)
    }
}

impl Service for AccountEditor {
    type Capability = cap::ManageAccount;
    fn grant(access: Authorized<cap::ManageAccount>) -> Self {
        AccountEditor(access)
    }
}

/// How long a dashboard read is reused for the same connection.
const CACHED_FOR: Duration = Duration::from_secs(5);

/// `read` once per connection every few seconds (always when `fresh`).
async fn cached<T, F>(connection: &str, what: &'static str, fresh: bool, read: F) -> Result<T, AppError>
where
    T: serde::Serialize + serde::de::DeserializeOwned,
    F: std::future::Future<Output = Result<T, AppError>>,
{
    read_cache::cached(connection, what.to_string(), CACHED_FOR, fresh, read).await.map(|(value, _)| value)
}

fn now() -> String {
    chrono::Utc::now().format("%H:%M:%S UTC").to_string()
}

impl AccountReader {
    /// Balance (live), limits, state and the parent's verification: two calls at once.
    pub async fn summary(&self, fresh: bool) -> Result<AccountSummary, AppError> {
        let (connection, client) = self.0.voximplant().await?;
        cached(&connection.id, "summary", fresh, async {
            let info = GetAccountInfo { return_live_balance: Some(true) };
            let documents = GetAccountDocuments::default();
            let (info, documents) = tokio::join!(client.get_account_info(info), client.get_account_documents(documents));
            let info = info?.result;
            let verifications = verifications_of(info.account_id, documents);
            Ok(AccountSummary {
                account_id: info.account_id,
                account_name: info.account_name.unwrap_or_default(),
                connection_name: connection.name.clone(),
                balance: info.balance,
                credit_limit: info.credit_limit,
                currency: info.currency,
                min_balance_to_notify: info.min_balance_to_notify,
                active: info.active.unwrap_or(true),
                frozen: info.frozen.unwrap_or(false),
                verifications,
                fetched_at: now(),
            })
        })
        .await
    }

    /// Counts by `total_count` (count=1 with each filter) and the lowest balances
    /// among one page of children: four calls at once, then the rates if their
    /// currencies differ.
    pub async fn children(&self, fresh: bool) -> Result<ChildrenSummary, AppError> {
        let (connection, client) = self.0.voximplant().await?;
        cached(&connection.id, "children", fresh, async {
            let count = |active: Option<bool>, frozen: Option<bool>| {
                let request = GetChildrenAccounts { active, frozen, count: Some(1), brief_output: Some(true), ..Default::default() };
                let client = client.clone();
                async move { client.get_children_accounts(request).await.map(|answer| answer.total_count) }
            };
            let page = GetChildrenAccounts { count: Some(RANKED_CHILDREN), return_live_balance: Some(false), ..Default::default() };
            let (total, active, frozen, page) =
                tokio::join!(count(None, None), count(Some(true), None), count(None, Some(true)), client.get_children_listings(page));
            let (total, active, frozen, page) = (total?, active?, frozen?, page?);
            let mut ranked: Vec<ChildBalance> = page.result.into_iter().map(child_balance).collect();
            let (in_usd, compared) = in_usd(&client, &ranked).await;
            ranked.sort_by_cached_key(|child| (in_usd(child), child.account_name.clone()));
            let ranked_count = ranked.len() as u64;
            ranked.truncate(5);
            Ok(ChildrenSummary {
                total,
                active,
                inactive: total.saturating_sub(active),
                frozen,
                lowest: ranked,
                ranked: ranked_count,
                compared,
                fetched_at: now(),
            })
        })
        .await
    }

    pub async fn profile(&self) -> Result<Profile, AppError> {
        let (_, client) = self.0.voximplant().await?;
        read_profile(&client).await
    }

    /// The parent's verification and one page of its children's, filtered by Voximplant.
    pub async fn documents(&self, filter: DocumentFilter) -> Result<Documents, AppError> {
        AppError::check_all(filter.problems())?;
        let (_, client) = self.0.voximplant().await?;
        let date = |text: &Option<String>| {
            text.as_deref().map(str::trim).filter(|t| !t.is_empty()).and_then(|t| chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
        };
        let children = GetAccountDocuments {
            child_account_id: Some(Selection::All),
            children_verifications_only: Some(true),
            verification_status: (!filter.statuses.is_empty())
                .then(|| filter.statuses.iter().filter_map(|s| s.parse::<VerificationStatus>().ok()).collect()),
            from_unverified_hold_until: date(&filter.hold_from),
            to_unverified_hold_until: date(&filter.hold_to),
            ..Default::default()
        };
        let own = GetAccountDocuments { with_details: Some(true), ..Default::default() };
        let (own, children) = tokio::join!(client.get_account_documents(own), client.get_account_documents(children));
        let own: Vec<_> = own?.result.into_iter().take(1).flat_map(|entry| entry.verifications).map(verification_view).collect();
        let mut rows: Vec<(u64, voximplant::types::AccountVerification)> = children?
            .result
            .into_iter()
            .flat_map(|entry| entry.verifications.into_iter().map(move |v| (entry.account_id, v)))
            .collect();
        rows.sort_by_key(|(id, v)| (v.unverified_hold_until, *id));
        let total = rows.len() as u64;
        let page: Vec<_> = rows.into_iter().skip(filter.offset as usize).take(DOCUMENTS_PAGE as usize).collect();
        let names = child_names(&client, page.iter().map(|(id, _)| *id).collect()).await;
        Ok(Documents {
            own,
            children: page
                .into_iter()
                .map(|(account_id, verification)| ChildVerification {
                    account_id,
                    account_name: names.get(&account_id).cloned(),
                    verification: verification_view(verification),
                })
                .collect(),
            total,
            offset: filter.offset,
            fetched_at: now(),
        })
    }
}

/// Names of children by id (one call); empty when Voximplant does not answer, so the
/// page still shows the ids.
async fn child_names(client: &Client, mut ids: Vec<u64>) -> HashMap<u64, String> {
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return HashMap::new();
    }
    let count = ids.len() as u64;
    let request = GetChildrenAccounts {
        child_account_id: Some(ids),
        ignore_invalid_accounts: Some(true),
        medium_output: Some(true),
        count: Some(count),
        ..Default::default()
    };
    match client.get_children_accounts(request).await {
        Ok(answer) => answer.result.into_iter().filter_map(|a| Some((a.account_id, a.account_name?))).collect(),
        Err(error) => {
            tracing::warn!(%error, "children's names not read for the documents page");
            HashMap::new()
        }
    }
}

/// How `children`'s balances compare when their currencies differ: each balance in USD at
/// today's rates (Voximplant's are units per USD). With one currency, or no rates (the
/// call failed), the amounts as they are: wrong across currencies, but ranking must not
/// fail the dashboard; the second value says which it was, for the tile to say.
async fn in_usd(client: &Client, children: &[ChildBalance]) -> (impl Fn(&ChildBalance) -> Option<Decimal>, BalanceComparison) {
    let currencies: std::collections::BTreeSet<String> = children.iter().filter_map(|child| child.currency.clone()).collect();
    let several = currencies.len() > 1;
    let rates: HashMap<String, Decimal> = if several {
        let request = GetCurrencyRate { currency: currencies.into_iter().collect(), date: None };
        client.get_currency_rate(request).await.map(|answer| answer.result.0.into_iter().collect()).unwrap_or_default()
    } else {
        HashMap::new()
    };
    let compared = match (several, rates.is_empty()) {
        (false, _) => BalanceComparison::OneCurrency,
        (true, false) => BalanceComparison::InUsdAtTodaysRates,
        (true, true) => BalanceComparison::ByAmountWithoutRates,
    };
    let value = move |child: &ChildBalance| {
        let balance = child.balance?;
        if rates.is_empty() {
            return Some(balance);
        }
        // A currency without a rate ranks after every known one.
        let rate = child.currency.as_ref().and_then(|currency| rates.get(currency)).filter(|rate| !rate.is_zero());
        Some(rate.and_then(|rate| balance.checked_div(*rate)).unwrap_or(Decimal::MAX))
    };
    (value, compared)
}

fn child_balance(info: AccountListing) -> ChildBalance {
    ChildBalance {
        account_id: info.account_id,
        account_name: info.account_name.unwrap_or_default(),
        balance: info.balance,
        currency: info.currency,
        active: info.active.unwrap_or(false),
        frozen: info.frozen.unwrap_or(false),
    }
}

/// The parent's profile as the form shows it: every readable field, no secret.
pub(crate) async fn read_profile(client: &Client) -> Result<Profile, AppError> {
    let info = client.get_account_info(GetAccountInfo { return_live_balance: Some(false) }).await?.result;
    Ok(profile_view(info))
}

fn profile_view(info: AccountInfo) -> Profile {
    let text = |value: Option<String>| value.unwrap_or_default();
    let flag = |value: Option<bool>| value.unwrap_or(false).to_string();
    let values = PROFILE_FIELDS
        .iter()
        .filter_map(|field| {
            let value = match field.name {
                "account_first_name" => text(info.account_first_name.clone()),
                "account_last_name" => text(info.account_last_name.clone()),
                "new_account_email" => text(info.account_email.clone()),
                "language_code" => text(info.language_code.clone()),
                "location" => text(info.location.clone()),
                "min_balance_to_notify" => info.min_balance_to_notify.map(|m| m.normalize().to_string()).unwrap_or_default(),
                "account_notifications" => flag(info.account_notifications),
                "tariff_changing_notifications" => flag(info.tariff_changing_notifications),
                "news_notifications" => flag(info.news_notifications),
                "send_js_error" => flag(info.send_js_error),
                "billing_address_name" => text(info.billing_address_name.clone()),
                "billing_address_country_code" => text(info.billing_address_country_code.clone()),
                "billing_address_address" => text(info.billing_address_address.clone()),
                "billing_address_zip" => text(info.billing_address_zip.clone()),
                "billing_address_phone" => text(info.billing_address_phone.clone()),
                "callback_url" => text(info.callback_url.clone()),
                "account_custom_data" => text(info.account_custom_data.clone()),
                _ => return None,
            };
            Some((field.name.to_string(), value))
        })
        .collect();
    Profile {
        account_id: info.account_id,
        account_name: info.account_name.unwrap_or_default(),
        values,
        billing_address_state: info.billing_address_state,
        callback_salt_set: info.callback_salt.is_some_and(|salt| !salt.expose().is_empty()),
        currency: info.currency,
        fetched_at: now(),
    }
}

impl AccountEditor {
    /// SetAccountInfo with the fields that differ from Voximplant's values; the
    /// profile is read before (for before → after) and after (what it holds now).
    pub async fn update(&self, changes: ProfileChanges) -> Result<Profile, AppError> {
        let (connection, client, context) = self.0.voximplant_audited().await?;
        let before = read_profile(&client).await?;
        let changes = changes.without_unchanged(&before);
        let set = changes.settings();
        let targets = json!([before.account_name, before.account_id.to_string()]);
        let params = json!({ "account_id": before.account_id, "set": set });
        audited(self.0.db(), &context, &actions::UPDATE, targets, params, || async {
            // Checked inside the audit: an invalid attempt is on record too (as `invalid`).
            changes.check(&before)?;
            client.set_account_info(changes.request()).await?;
            Ok(Performed::new(()).with_changes(changes.diff(&before)))
        })
        .await
        .map_err(next_to_field)?;
        forget(&connection.id);
        read_profile(&client).await
    }
}

/// Voximplant's refusals that are about one field go next to it.
fn next_to_field(error: AppError) -> AppError {
    let AppError::Upstream { code, message } = &error else { return error };
    let field = match ErrorCode::from_code(*code) {
        ErrorCode::AccountEmailNotUnique => {
            return AppError::invalid("new_account_email", "Another Voximplant account already uses this email. Use another.")
        }
        ErrorCode::InvalidEmail => "new_account_email",
        ErrorCode::InvalidLanguageCode => "language_code",
        ErrorCode::InvalidMoneyAmount => "min_balance_to_notify",
        ErrorCode::InvalidCallbackUrl => "callback_url",
        ErrorCode::InvalidBillingAddressCountryCode => "billing_address_country_code",
        ErrorCode::PasswordLength => "new_account_password",
        _ => match PROFILE_FIELDS.iter().find(|f| message.contains(&format!("'{}'", f.name))) {
            Some(field) => field.name,
            None => return error,
        },
    };
    AppError::invalid(field, format!("Voximplant refused this value: {message}"))
}
