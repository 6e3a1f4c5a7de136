//! Contract tests: the typed client calls every Accounts method against a running
//! sandbox over real HTTP, with both authentication modes, and checks the typed
//! answers and the state changes later calls see.

use std::{str::FromStr, time::Duration};

use rust_decimal::Decimal;
use sandbox::{seed, Sandbox, SandboxConfig};
use voximplant::{
    client::{BreakerSettings, Client, ClientConfig, Credentials, Error, ServiceAccountKey},
    methods::*,
    types::{ChildrenOrder, PlanType, VerificationStatus},
    wire::Selection,
    ErrorCode, Secret,
};

struct Running {
    sandbox: Sandbox,
    base_url: String,
}

async fn start(config: SandboxConfig) -> Running {
    let sandbox = Sandbox::new(config).expect("sandbox starts");
    let router = sandbox.router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    Running { sandbox, base_url: format!("http://{addr}/platform_api/") }
}

fn config(base_url: &str) -> ClientConfig {
    ClientConfig {
        base_url: base_url.to_string(),
        timeout: Duration::from_secs(5),
        read_attempts: 3,
        retry_backoff: Duration::from_millis(20),
        ..ClientConfig::default()
    }
}

impl Running {
    fn api_key_client(&self) -> Client {
        let parent = self.sandbox.parent();
        let credentials = Credentials::ApiKey { account_id: parent.account_id, api_key: Secret::new(parent.api_key) };
        Client::new(credentials, config(&self.base_url)).unwrap()
    }

    fn service_account_client(&self) -> Client {
        let key = ServiceAccountKey::from_json(&self.sandbox.parent().credentials_json()).unwrap();
        Client::new(Credentials::ServiceAccount(key), config(&self.base_url)).unwrap()
    }
}

fn new_child(name: &str) -> AddAccount {
    AddAccount {
        account_name: name.into(),
        account_email: format!("{name}@new.example"),
        account_password: Secret::new("Str0ng!pass"),
        active: Some(true),
        notifications: NotificationSettings { language_code: Some("de".into()), ..Default::default() },
        location: Some("Europe/Berlin".into()),
        ..Default::default()
    }
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

#[tokio::test]
async fn account_info_with_both_authentication_modes() {
    let running = start(SandboxConfig::default()).await;
    for (client, shows_key) in [(running.api_key_client(), true), (running.service_account_client(), false)] {
        let info = client.get_account_info(GetAccountInfo::default()).await.unwrap().result;
        assert_eq!(info.account_id, seed::PARENT_ID);
        assert_eq!(info.account_name.as_deref(), Some(seed::PARENT_NAME));
        assert_eq!(info.api_key.is_some(), shows_key, "api_key only for api_key/password callers");
        assert_eq!(info.currency.as_deref(), Some("USD"));
        assert!(info.balance.unwrap() > Decimal::ZERO);
    }
}

#[tokio::test]
async fn wrong_credentials_are_refused_with_code_100() {
    let running = start(SandboxConfig::default()).await;
    let client = Client::new(
        Credentials::ApiKey { account_id: seed::PARENT_ID, api_key: Secret::new("wrong") },
        config(&running.base_url),
    )
    .unwrap();
    let error = client.get_account_info(GetAccountInfo::default()).await.unwrap_err();
    assert_eq!(error, Error::Api { code: ErrorCode::AuthorizationFailed, msg: "Authorization failed.".into() });
}

#[tokio::test]
async fn add_account_creates_a_child_that_later_calls_see() {
    let running = start(SandboxConfig::default()).await;
    for (client, name) in [(running.api_key_client(), "new-by-key"), (running.service_account_client(), "new-by-token")] {
        let created = client.add_account(new_child(name)).await.unwrap();
        assert!(created.active);
        assert!(!created.api_key.expose().is_empty());
        let found = client
            .get_children_accounts(GetChildrenAccounts { child_account_id: Some(vec![created.account_id]), ..Default::default() })
            .await
            .unwrap();
        assert_eq!(found.total_count, 1);
        let child = &found.result[0];
        assert_eq!(child.account_name.as_deref(), Some(name));
        assert_eq!(child.language_code.as_deref(), Some("de"));
        assert_eq!(child.location.as_deref(), Some("Europe/Berlin"));
        assert_eq!(child.active, Some(true));
        assert!(child.api_key.is_none(), "children lists never show api keys");

        // The same name or email again is refused with the documented codes.
        let again = client.add_account(new_child(name)).await.unwrap_err();
        assert!(matches!(again, Error::Api { code: ErrorCode::AccountNameAlreadyUsed, .. }), "{again:?}");
        let mut same_email = new_child(&format!("{name}-2"));
        same_email.account_email = format!("{name}@new.example");
        let again = client.add_account(same_email).await.unwrap_err();
        assert!(matches!(again, Error::Api { code: ErrorCode::AccountEmailNotUnique, .. }), "{again:?}");
    }
}

#[tokio::test]
async fn the_sandbox_enforces_the_rules_the_client_checks() {
    // Bypass the client's own validation by sending raw form posts.
    let running = start(SandboxConfig::default()).await;
    let parent = running.sandbox.parent();
    let http = reqwest::Client::new();
    let cases: &[(&[(&str, &str)], u32)] = &[
        (&[("account_name", "abcd")], 113),
        (&[("account_name", "1abcde")], 114),
        (&[("account_email", "nope")], 136),
        (&[("account_password", "short")], 112),
        (&[("account_password", "alllowercase")], 464),
        (&[("language_code", "xx")], 202),
        (&[("account_first_name", &"x".repeat(50))], 163),
        (&[("account_custom_data", &"x".repeat(8192))], 211),
    ];
    for (overrides, code) in cases {
        let mut form = vec![
            ("account_id", parent.account_id.to_string()),
            ("api_key", parent.api_key.clone()),
            ("account_name", "valid-name".to_string()),
            ("account_email", "valid@new.example".to_string()),
            ("account_password", "Str0ng!pass".to_string()),
        ];
        for (name, value) in overrides.iter() {
            form.retain(|(n, _)| n != name);
            form.push((name, value.to_string()));
        }
        let body: serde_json::Value =
            http.post(format!("{}AddAccount", running.base_url)).form(&form).send().await.unwrap().json().await.unwrap();
        assert_eq!(body["error"]["code"], *code, "{overrides:?}: {body}");
    }
}

#[tokio::test]
async fn clone_account_copies_what_it_says() {
    let running = start(SandboxConfig::default()).await;
    let client = running.api_key_client();
    let source = running.sandbox.snapshot().children_of(seed::PARENT_ID).next().unwrap().clone();
    let cloned = client
        .clone_account(CloneAccount {
            parent: None,
            source: AccountRef::Name(source.name.clone()),
            new_account_name: "cloned-account".into(),
            new_account_email: "cloned@new.example".into(),
            new_account_password: Secret::new("Str0ng!pass"),
            account_first_name: None,
            account_last_name: None,
            account_custom_data: None,
            language_code: Some("fr".into()),
            location: None,
        })
        .await
        .unwrap()
        .result;
    assert_eq!(cloned.account_name, "cloned-account");
    assert_eq!(cloned.users.len(), source.contents.users.len());
    assert_eq!(cloned.scenarios.len(), source.contents.scenarios.len());
    assert_eq!(cloned.applications[0].rules.len(), source.contents.applications[0].rules.len());
    assert_eq!(cloned.admin_users.len(), 1);
    assert_ne!(cloned.admin_users[0].admin_user_api_key.expose(), source.contents.admin_users[0].api_key);
    assert_ne!(cloned.users[0].user_id, source.contents.users[0].id, "copies get new ids");
    let state = running.sandbox.snapshot();
    assert_eq!(state.accounts[&cloned.account_id].language_code, "fr");
    assert_eq!(state.accounts[&cloned.account_id].parent_id, Some(seed::PARENT_ID));
}

#[tokio::test]
async fn set_child_account_info_changes_children_and_checks_them() {
    let running = start(SandboxConfig::default()).await;
    let client = running.service_account_client();
    let ids: Vec<u64> = running.sandbox.snapshot().children_of(seed::PARENT_ID).take(2).map(|a| a.id).collect();
    let mut request = SetChildAccountInfo::new(ChildSelection::Ids(Selection::Only(ids.clone())));
    request.notifications.news_notifications = Some(true);
    request.notifications.min_balance_to_notify = Some(dec("12.34"));
    request.active = Some(false);
    assert_eq!(client.set_child_account_info(request).await.unwrap().result, 1);
    let found = client
        .get_children_accounts(GetChildrenAccounts { child_account_id: Some(ids.clone()), ..Default::default() })
        .await
        .unwrap();
    for child in &found.result {
        assert_eq!(child.news_notifications, Some(true));
        assert_eq!(child.min_balance_to_notify, Some(dec("12.34")));
        assert_eq!(child.active, Some(false));
    }
    let stranger = SetChildAccountInfo::new(ChildSelection::Ids(Selection::Only(vec![seed::PARENT_ID])));
    let error = client.set_child_account_info(stranger).await.unwrap_err();
    assert!(matches!(error, Error::Api { code: ErrorCode::InvalidChildAccountId, .. }), "{error:?}");
}

#[tokio::test]
async fn children_filters_order_and_paging() {
    let running = start(SandboxConfig::default()).await;
    let client = running.api_key_client();
    let page = |request: GetChildrenAccounts| {
        let client = client.clone();
        async move { client.get_children_accounts(request).await.unwrap() }
    };
    let all = page(GetChildrenAccounts { count: Some(1000), ..Default::default() }).await;
    assert_eq!(all.total_count, seed::SEEDED_CHILDREN as u64);
    let names: Vec<_> = all.result.iter().map(|a| a.account_name.clone().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "ordered by name by default");

    let first = page(GetChildrenAccounts::default()).await;
    assert_eq!((first.count, first.total_count), (20, seed::SEEDED_CHILDREN as u64));
    let second = page(GetChildrenAccounts { offset: Some(20), count: Some(15), ..Default::default() }).await;
    assert_eq!(second.count, 15);
    assert_eq!(second.result[0].account_id, all.result[20].account_id);

    let inactive = page(GetChildrenAccounts { active: Some(false), count: Some(1000), ..Default::default() }).await;
    assert!(inactive.total_count > 0);
    assert!(inactive.result.iter().all(|a| a.active == Some(false)));

    let by_id = page(GetChildrenAccounts { order_by: Some(ChildrenOrder::ChildAccountId), count: Some(1000), ..Default::default() }).await;
    assert!(by_id.result.windows(2).all(|w| w[0].account_id < w[1].account_id));

    let brief = page(GetChildrenAccounts { brief_output: Some(true), ..Default::default() }).await;
    assert!(brief.result.iter().all(|a| a.account_name.is_none() && a.created.is_none()));
    let medium = page(GetChildrenAccounts { medium_output: Some(true), ..Default::default() }).await;
    assert!(medium.result.iter().all(|a| a.account_email.is_some() && a.balance.is_none()));

    let named = page(GetChildrenAccounts { child_account_name: Some("acme".into()), ..Default::default() }).await;
    assert!(named.total_count >= 1);
    assert!(named.result.iter().all(|a| a.account_name.as_ref().unwrap().contains("acme")));

    let bogus = GetChildrenAccounts { child_account_id: Some(vec![all.result[0].account_id, 1]), ..Default::default() };
    let error = client.get_children_accounts(bogus.clone()).await.unwrap_err();
    assert!(matches!(error, Error::Api { code: ErrorCode::InvalidChildAccountId, .. }));
    let ignored = page(GetChildrenAccounts { ignore_invalid_accounts: Some(true), ..bogus }).await;
    assert_eq!(ignored.total_count, 1);
}

#[tokio::test]
async fn plans_change_upwards_and_reserve_the_fee() {
    let running = start(SandboxConfig::default()).await;
    let client = running.api_key_client();
    let plans = client.get_account_plans(GetAccountPlans::default()).await.unwrap().result;
    let im = plans.iter().find(|p| p.plan_type == PlanType::Im).expect("the parent has an IM plan");
    let available = client
        .get_available_plans(GetAvailablePlans(PlanFilter { plan_type: Some(vec![PlanType::Im]), ..Default::default() }))
        .await
        .unwrap()
        .result;
    assert!(available.iter().all(|p| p.periodic_charge > im.periodic_charge), "only larger plans are offered");
    let target = available.iter().min_by_key(|p| p.periodic_charge).unwrap();
    let before = client.get_account_info(GetAccountInfo::default()).await.unwrap().result.balance.unwrap();
    let changed = client
        .change_account_plan(ChangeAccountPlan {
            plan_type: PlanType::Im,
            plan_subscription_template_id: Some(target.plan_subscription_template_id),
        })
        .await
        .unwrap();
    assert_eq!(changed.account_info.balance.unwrap(), before - target.periodic_charge);
    let plans = client.get_account_plans(GetAccountPlans::default()).await.unwrap().result;
    assert!(plans.iter().any(|p| p.plan_subscription_template_id == target.plan_subscription_template_id));
    // Back down is refused.
    let down = client
        .change_account_plan(ChangeAccountPlan { plan_type: PlanType::Im, plan_subscription_template_id: Some(im.plan_subscription_template_id) })
        .await
        .unwrap_err();
    assert!(matches!(down, Error::Api { code: ErrorCode::AccountPlanChangeForbidden, .. }), "{down:?}");
}

#[tokio::test]
async fn charging_a_childs_manual_phones_moves_money() {
    let running = start(SandboxConfig::default()).await;
    let state = running.sandbox.snapshot();
    let manual_total = |c: &sandbox::state::Account| -> Decimal {
        c.phones.iter().filter(|p| !p.auto_charge).map(|p| p.monthly_price).sum()
    };
    // Charged twice below (once per authentication mode): enough money for both.
    let child = state
        .children_of(seed::PARENT_ID)
        .find(|c| c.currency == "USD" && manual_total(c) > Decimal::ZERO && c.balance > manual_total(c) * Decimal::TWO)
        .expect("a seeded child with manual phones and money");
    let manual: Vec<u64> = child.phones.iter().filter(|p| !p.auto_charge).map(|p| p.id).collect();
    let expected = manual_total(child);

    for client in [running.api_key_client(), running.service_account_client()] {
        let as_child = client.acting_as(child.id);
        let before = as_child.get_account_info(GetAccountInfo::default()).await.unwrap().result;
        assert_eq!(before.account_id, child.id);
        let charged = as_child
            .charge_account(ChargeAccount { phones: PhoneSelection::Ids(Selection::Only(manual.clone())) })
            .await
            .unwrap();
        assert_eq!(charged.result.charged_amount, expected);
        assert!(charged.result.phones.iter().all(|p| p.is_charged && !p.deactivated));
        assert_eq!(charged.account_info.balance.unwrap(), before.balance.unwrap() - expected);
    }
    // Without the money, the phone is not charged but frozen.
    let today = chrono::Utc::now().date_naive();
    let unaffordable = |c: &sandbox::state::Account, p: &sandbox::state::Phone| {
        !p.auto_charge && state.convert(p.monthly_price, "USD", &c.currency, today).unwrap() > c.balance + c.credit_limit
    };
    let poor = state
        .children_of(seed::PARENT_ID)
        .find(|c| c.phones.iter().any(|p| unaffordable(c, p)))
        .expect("a seeded child that cannot pay");
    let phone = poor.phones.iter().find(|p| unaffordable(poor, p)).unwrap();
    let refused = running
        .api_key_client()
        .acting_as(poor.id)
        .charge_account(ChargeAccount { phones: PhoneSelection::Numbers(Selection::Only(vec![phone.number.clone()])) })
        .await
        .unwrap();
    assert_eq!(refused.result.charged_amount, Decimal::ZERO);
    assert!(refused.result.phones[0].deactivated && !refused.result.phones[0].is_charged);
    assert_eq!(refused.account_info.balance.unwrap(), poor.balance, "no money moved");

    // An auto-charged phone cannot be charged by hand.
    if let Some(auto) = child.phones.iter().find(|p| p.auto_charge) {
        let error = running
            .api_key_client()
            .acting_as(child.id)
            .charge_account(ChargeAccount { phones: PhoneSelection::Ids(Selection::Only(vec![auto.id])) })
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Api { code: ErrorCode::InvalidPhoneId, .. }));
    }
}

#[tokio::test]
async fn money_amount_to_charge_adds_up_what_is_due() {
    let running = start(SandboxConfig::default()).await;
    let client = running.api_key_client();
    let due = client
        .get_money_amount_to_charge(GetMoneyAmountToCharge {
            currency: Some("USD".into()),
            charge_date: chrono::NaiveDate::from_ymd_opt(2027, 12, 31),
        })
        .await
        .unwrap()
        .result;
    let sum: Decimal = due.subscriptions.iter().map(|s| s.subscription_amount).sum();
    assert!(due.amount >= sum);
    assert!(due.min_amount <= due.amount);
    assert!(due.bank_card_amount_usd.unwrap() >= Decimal::from(10));
}

#[tokio::test]
async fn documents_prices_and_rates() {
    let running = start(SandboxConfig::default()).await;
    let client = running.api_key_client();
    let documents = client
        .get_account_documents(GetAccountDocuments {
            children_verifications_only: Some(true),
            with_details: Some(true),
            verification_status: Some(vec![VerificationStatus::InProgress, VerificationStatus::Verified]),
            ..Default::default()
        })
        .await
        .unwrap()
        .result;
    assert!(!documents.is_empty());
    assert!(documents.iter().all(|d| d.account_id != seed::PARENT_ID));
    assert!(documents.iter().flat_map(|d| &d.verifications).all(|v| matches!(
        v.verification_status,
        VerificationStatus::InProgress | VerificationStatus::Verified
    )));
    assert!(documents.iter().flat_map(|d| &d.verifications).any(|v| v.documents.as_ref().is_some_and(|d| !d.is_empty())));

    let prices = client
        .get_resource_price(GetResourcePrice { resource_param: Some(vec!["14155550100".into()]), ..Default::default() })
        .await
        .unwrap()
        .result;
    let pstn = prices.iter().find(|p| p.resource_type.as_str() == "PSTNOUT").unwrap();
    assert_eq!(pstn.price_groups.len(), 1, "only the group whose prefix matches");
    assert_eq!(pstn.price_groups[0].params.requested.as_deref(), Some(&["14155550100".to_string()][..]));

    let templates = client.get_subscription_price(GetSubscriptionPrice::default()).await.unwrap();
    assert!(templates.result.iter().any(|t| t.price == dec("293.855")));

    let rates = client
        .get_currency_rate(GetCurrencyRate { currency: vec!["EUR".into(), "USD".into()], date: chrono::NaiveDate::from_ymd_opt(2026, 6, 15) })
        .await
        .unwrap()
        .result;
    assert_eq!(rates.0["USD"], Decimal::ONE);
    assert!(rates.0["EUR"] > Decimal::ZERO);
    let unknown = client.get_currency_rate(GetCurrencyRate { currency: vec!["XYZ".into()], date: None }).await.unwrap_err();
    assert!(matches!(unknown, Error::Api { code: ErrorCode::InvalidCurrency, .. }));
}

#[tokio::test]
async fn set_account_info_is_visible_in_account_info() {
    let running = start(SandboxConfig::default()).await;
    let client = running.service_account_client();
    let request = SetAccountInfo {
        account_first_name: Some("Grace".into()),
        billing_address: BillingAddress { country_code: Some("DE".into()), zip: Some("10115".into()), ..Default::default() },
        callback_url: Some("https://hooks.example.com/vox".into()),
        notifications: NotificationSettings { tariff_changing_notifications: Some(true), ..Default::default() },
        ..Default::default()
    };
    assert_eq!(client.set_account_info(request).await.unwrap().result, 1);
    let info = client.get_account_info(GetAccountInfo::default()).await.unwrap().result;
    assert_eq!(info.account_first_name.as_deref(), Some("Grace"));
    assert_eq!(info.billing_address_country_code.as_deref(), Some("DE"));
    assert_eq!(info.callback_url.as_deref(), Some("https://hooks.example.com/vox"));
    assert_eq!(info.tariff_changing_notifications, Some(true));
}

#[tokio::test]
async fn reads_are_retried_and_changes_are_not() {
    let running = start(SandboxConfig::default()).await;
    let client = running.api_key_client();
    let http = reqwest::Client::new();
    let faults_url = running.base_url.replace("/platform_api/", "/_sandbox/faults");
    http.post(&faults_url).json(&serde_json::json!({ "method": "*", "http_status": 503 })).send().await.unwrap();
    let error = client.get_account_info(GetAccountInfo::default()).await.unwrap_err();
    assert_eq!(error, Error::Http { status: 503 });
    http.post(&faults_url).json(&serde_json::json!({ "method": "*", "malformed_json": true })).send().await.unwrap();
    assert!(matches!(client.get_account_info(GetAccountInfo::default()).await.unwrap_err(), Error::Malformed(_)));
    http.post(&faults_url).json(&serde_json::json!({ "method": "*", "drop_connection": true })).send().await.unwrap();
    assert!(matches!(client.get_account_info(GetAccountInfo::default()).await.unwrap_err(), Error::Transport(_)));
    http.post(&faults_url).json(&serde_json::json!({ "method": "*", "latency_ms": 3000 })).send().await.unwrap();
    let impatient = Client::new(client.credentials().clone(), ClientConfig { timeout: Duration::from_millis(300), read_attempts: 1, ..config(&running.base_url) }).unwrap();
    assert_eq!(impatient.get_account_info(GetAccountInfo::default()).await.unwrap_err(), Error::Timeout);
    http.delete(&faults_url).send().await.unwrap();
    assert!(client.get_account_info(GetAccountInfo::default()).await.is_ok());

    // A change that fails in transit is not retried (it may have happened).
    http.post(&faults_url).json(&serde_json::json!({ "method": "AddAccount", "http_status": 502 })).send().await.unwrap();
    let before = running.sandbox.snapshot().accounts.len();
    assert_eq!(client.add_account(new_child("not-retried")).await.unwrap_err(), Error::Http { status: 502 });
    assert_eq!(running.sandbox.snapshot().accounts.len(), before);
}

/// A dead upstream is not hammered: after the set number of attempts without an answer,
/// calls are refused at once (nothing sent) for a pause; then one call tries again —
/// still dead: another pause; back: calls flow again. An API error is an answer.
#[tokio::test]
async fn a_dead_upstream_is_left_alone_and_tried_again_after_a_pause() {
    let running = start(SandboxConfig::default()).await;
    let http = reqwest::Client::new();
    let faults_url = running.base_url.replace("/platform_api/", "/_sandbox/faults");
    let pause = Duration::from_millis(400);
    let settings = BreakerSettings { failures_to_open: 4, open_for: pause };
    let client = Client::new(
        running.api_key_client().credentials().clone(),
        ClientConfig { read_attempts: 1, breaker: settings, ..config(&running.base_url) },
    )
    .unwrap();
    let info = || client.get_account_info(GetAccountInfo::default());
    let sent = || running.sandbox.calls();

    // API errors (here: a wrong child id) are answers: they never open it.
    for _ in 0..6 {
        assert!(matches!(client.acting_as(1).get_account_info(GetAccountInfo::default()).await, Err(Error::Api { .. })));
    }
    assert!(info().await.is_ok());

    http.post(&faults_url).json(&serde_json::json!({ "method": "*", "http_status": 503 })).send().await.unwrap();
    let before = sent();
    for _ in 0..4 {
        assert_eq!(info().await.unwrap_err(), Error::Http { status: 503 });
    }
    for _ in 0..20 {
        let refused = info().await.unwrap_err();
        assert!(matches!(refused, Error::CircuitOpen { retry_after } if retry_after <= pause), "{refused:?}");
    }
    assert!(matches!(client.acting_as(1).get_account_info(GetAccountInfo::default()).await, Err(Error::CircuitOpen { .. })), "shared with the account's children");
    assert_eq!(sent() - before, 4, "nothing was sent while it was open");

    // Still down after the pause: one call tries, and it opens again.
    tokio::time::sleep(pause + Duration::from_millis(50)).await;
    assert_eq!(info().await.unwrap_err(), Error::Http { status: 503 });
    assert!(matches!(info().await.unwrap_err(), Error::CircuitOpen { .. }));
    assert_eq!(sent() - before, 5);

    // Back: after the pause the first call gets through and so do the rest.
    http.delete(&faults_url).send().await.unwrap();
    tokio::time::sleep(pause + Duration::from_millis(50)).await;
    for _ in 0..5 {
        assert!(info().await.is_ok());
    }
    assert_eq!(sent() - before, 10);
}

#[tokio::test]
async fn invalid_requests_never_leave_the_client() {
    let running = start(SandboxConfig::default()).await;
    let client = running.api_key_client();
    let mut bad = new_child("x");
    bad.account_password = Secret::new("weak");
    let error = client.add_account(bad).await.unwrap_err();
    let Error::Invalid(problems) = error else { panic!("expected a validation error") };
    assert_eq!(problems.iter().map(|p| p.field.as_str()).collect::<Vec<_>>(), vec!["account_name", "account_password"]);
}

#[tokio::test]
async fn state_persists_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sandbox.json");
    let config = SandboxConfig { state_file: Some(path.clone()), ..SandboxConfig::default() };
    let running = start(config.clone()).await;
    let created = running.api_key_client().add_account(new_child("persisted")).await.unwrap();
    let parent = running.sandbox.parent();
    drop(running);
    let restarted = start(config).await;
    assert_eq!(restarted.sandbox.parent().api_key, parent.api_key, "same credentials after restart");
    assert!(restarted.sandbox.snapshot().accounts.contains_key(&created.account_id));
    // The credentials JSON written before the restart still works.
    let key = ServiceAccountKey::from_json(&parent.credentials_json()).unwrap();
    let client = Client::new(Credentials::ServiceAccount(key), config_for(&restarted)).unwrap();
    assert!(client.get_account_info(GetAccountInfo::default()).await.is_ok());
}

fn config_for(running: &Running) -> ClientConfig {
    config(&running.base_url)
}

#[tokio::test]
async fn every_method_works_with_both_authentication_modes() {
    let running = start(SandboxConfig::default()).await;
    let state = running.sandbox.snapshot();
    let child = state
        .children_of(seed::PARENT_ID)
        .find(|c| c.currency == "USD" && c.balance > dec("1000") && c.phones.iter().any(|p| !p.auto_charge))
        .expect("a child with manual phones and money");
    for (mode, client) in [("api_key", running.api_key_client()), ("jwt", running.service_account_client())] {
        let name = format!("every-{mode}").replace('_', "-");
        let created = client.add_account(new_child(&name)).await.unwrap();
        let mut clone_parent = None;
        if mode == "jwt" {
            // A service account has no api_key to send: prove the parent explicitly.
            clone_parent = Some(ParentCredentials {
                account: AccountRef::Id(seed::PARENT_ID),
                auth: ParentAuth::ApiKey(Secret::new(running.sandbox.parent().api_key)),
            });
        }
        let cloned = client
            .clone_account(CloneAccount {
                parent: clone_parent,
                source: AccountRef::Id(created.account_id),
                new_account_name: format!("{name}-copy"),
                new_account_email: format!("{name}-copy@new.example"),
                new_account_password: Secret::new("Str0ng!pass"),
                account_first_name: None,
                account_last_name: None,
                account_custom_data: None,
                language_code: None,
                location: None,
            })
            .await
            .unwrap();
        assert_ne!(cloned.result.account_id, created.account_id);
        let mut edit = SetChildAccountInfo::new(ChildSelection::Ids(Selection::Only(vec![created.account_id])));
        edit.notifications.account_notifications = Some(true);
        client.set_child_account_info(edit).await.unwrap();
        client.set_account_info(SetAccountInfo { account_last_name: Some(mode.into()), ..Default::default() }).await.unwrap();
        client.get_account_info(GetAccountInfo::default()).await.unwrap();
        client.get_children_accounts(GetChildrenAccounts::default()).await.unwrap();
        client.get_account_documents(GetAccountDocuments::default()).await.unwrap();
        client.get_account_plans(GetAccountPlans::default()).await.unwrap();
        client.get_available_plans(GetAvailablePlans::default()).await.unwrap();
        client.get_currency_rate(GetCurrencyRate { currency: vec!["EUR".into()], date: None }).await.unwrap();
        client.get_money_amount_to_charge(GetMoneyAmountToCharge::default()).await.unwrap();
        client.get_resource_price(GetResourcePrice::default()).await.unwrap();
        client.get_subscription_price(GetSubscriptionPrice::default()).await.unwrap();
        let as_child = client.acting_as(child.id);
        as_child.charge_account(ChargeAccount { phones: PhoneSelection::Ids(Selection::All) }).await.unwrap();
        let plan_type = if mode == "jwt" { PlanType::Mau } else { PlanType::Im };
        let upgrade = as_child
            .get_available_plans(GetAvailablePlans(PlanFilter { plan_type: Some(vec![plan_type.clone()]), ..Default::default() }))
            .await
            .unwrap()
            .result;
        if let Some(plan) = upgrade.first() {
            as_child
                .change_account_plan(ChangeAccountPlan { plan_type, plan_subscription_template_id: Some(plan.plan_subscription_template_id) })
                .await
                .unwrap();
        }
    }
}

/// Pages of everyone come from prepared orders; they must say exactly what sorting
/// the filtered list says, and follow changes (a new child, a renamed email).
#[tokio::test]
async fn pages_of_everyone_match_a_full_sort_and_follow_changes() {
    let running = start(SandboxConfig { seed_children: 300, rate_limit_per_second: 10_000, ..SandboxConfig::default() }).await;
    let client = running.api_key_client();
    client.add_account(new_child("aaa-first-by-name")).await.unwrap();
    let renamed = running.sandbox.snapshot().accounts.values().find(|a| a.parent_id.is_some()).unwrap().id;
    let mut change = SetChildAccountInfo::new(ChildSelection::Ids(Selection::Only(vec![renamed])));
    change.new_child_account_email = Some("0-first-by-email@new.example".into());
    change.active = Some(false);
    client.set_child_account_info(change).await.unwrap();

    let state = running.sandbox.snapshot();
    let children: Vec<_> = state.accounts.values().filter(|a| a.parent_id == Some(seed::PARENT_ID)).collect();
    for order in [ChildrenOrder::ChildAccountId, ChildrenOrder::ChildAccountName, ChildrenOrder::ChildAccountEmail] {
        for active in [None, Some(false), Some(true)] {
            let mut expected: Vec<_> = children.iter().filter(|a| active.is_none_or(|on| a.active == on)).collect();
            match order {
                ChildrenOrder::ChildAccountId => expected.sort_by_key(|a| a.id),
                ChildrenOrder::ChildAccountName => expected.sort_by(|a, b| a.name.cmp(&b.name)),
                _ => expected.sort_by(|a, b| a.email.cmp(&b.email)),
            }
            for offset in [0, 50, 290] {
                let request = GetChildrenAccounts {
                    count: Some(50),
                    offset: Some(offset),
                    order_by: Some(order.clone()),
                    active,
                    brief_output: Some(true),
                    ..Default::default()
                };
                let page = client.get_children_accounts(request).await.unwrap();
                let ids: Vec<u64> = page.result.iter().map(|a| a.account_id).collect();
                let want: Vec<u64> = expected.iter().skip(offset as usize).take(50).map(|a| a.id).collect();
                assert_eq!(ids, want, "{order:?} active={active:?} offset={offset}");
                assert_eq!(page.total_count, expected.len() as u64);
            }
        }
    }
}

/// Many changes at once (as under load, on several threads): every one is answered,
/// and the state file written last holds all of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_changes_all_reach_the_state_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sandbox.json");
    let running = start(SandboxConfig { state_file: Some(path.clone()), ..SandboxConfig::default() }).await;
    let client = running.api_key_client();
    let mut creates = tokio::task::JoinSet::new();
    for n in 0..200 {
        let client = client.clone();
        creates.spawn(async move { client.add_account(new_child(&format!("together-{n}"))).await });
    }
    while let Some(created) = creates.join_next().await {
        created.unwrap().expect("every change is answered");
    }
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).expect("the file is whole");
    let names: Vec<&str> = saved["state"]["accounts"].as_object().unwrap().values().filter_map(|a| a["name"].as_str()).collect();
    for n in 0..200 {
        assert!(names.contains(&format!("together-{n}").as_str()), "together-{n} is missing from the file");
    }
}
