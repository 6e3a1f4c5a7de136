//! Each method's wire parameters and validation.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use voximplant::{
    methods::*,
    types::{ChildrenOrder, PlanType, VerificationStatus},
    wire::Selection,
    ErrorCode, Method, Secret,
};

fn valid_add_account() -> AddAccount {
    AddAccount {
        parent: Some(ParentCredentials {
            account: AccountRef::Id(1001),
            auth: ParentAuth::ApiKey(Secret::new("parent-key")),
        }),
        account_name: "acme-support".into(),
        account_email: "ops@acme.example".into(),
        account_password: Secret::new("Str0ng!pass"),
        location: Some("Europe/Berlin".into()),
        notifications: NotificationSettings {
            language_code: Some("de".into()),
            min_balance_to_notify: Some(Decimal::new(25, 0)),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn codes(problems: &[voximplant::validation::Invalid]) -> Vec<(String, ErrorCode)> {
    problems.iter().map(|p| (p.field.clone(), p.code)).collect()
}

#[test]
fn add_account_sends_the_parent_credentials_and_hides_them_in_debug() {
    let request = valid_add_account();
    assert!(request.validate().is_empty(), "{:?}", request.validate());
    let params = request.params();
    assert_eq!(params.get("parent_account_id"), Some("1001"));
    assert_eq!(params.get("parent_account_api_key"), Some("parent-key"));
    assert_eq!(params.get("account_password"), Some("Str0ng!pass"));
    assert_eq!(params.get("language_code"), Some("de"));
    assert_eq!(params.get("min_balance_to_notify"), Some("25"));
    assert_eq!(params.get("active"), None, "unset optionals are not sent");
    let debug = format!("{request:?} {params:?}");
    assert!(!debug.contains("parent-key") && !debug.contains("Str0ng"), "{debug}");
    const { assert!(AddAccount::CHANGES_STATE) };
    assert_eq!(AddAccount::NAME, "AddAccount");
}

#[test]
fn add_account_reports_every_broken_rule_by_field() {
    let request = AddAccount {
        account_name: "1bad".into(),
        account_email: "nope".into(),
        account_password: Secret::new("short"),
        account_first_name: Some("x".repeat(50)),
        location: Some("Mars/Base".into()),
        notifications: NotificationSettings { language_code: Some("xx".into()), ..Default::default() },
        ..valid_add_account()
    };
    assert_eq!(
        codes(&request.validate()),
        vec![
            ("account_name".into(), ErrorCode::AccountNameLength),
            ("account_email".into(), ErrorCode::InvalidEmail),
            ("account_password".into(), ErrorCode::PasswordLength),
            ("account_first_name".into(), ErrorCode::AccountFirstNameTooLong),
            ("location".into(), ErrorCode::InvalidArguments),
            ("language_code".into(), ErrorCode::InvalidLanguageCode),
        ]
    );
}

#[test]
fn clone_account_names_its_source_and_not_a_parent_id() {
    let request = CloneAccount {
        parent: Some(ParentCredentials {
            account: AccountRef::Id(1001),
            auth: ParentAuth::Password(Secret::new("Parent!pw1")),
        }),
        source: AccountRef::Name("acme-support".into()),
        new_account_name: "acme-support-2".into(),
        new_account_email: "ops2@acme.example".into(),
        new_account_password: Secret::new("Str0ng!pass"),
        account_first_name: None,
        account_last_name: None,
        account_custom_data: None,
        language_code: None,
        location: None,
    };
    assert!(request.validate().is_empty());
    let params = request.params();
    assert_eq!(params.get("account_name"), Some("acme-support"));
    assert_eq!(params.get("parent_account_password"), Some("Parent!pw1"));
    assert_eq!(params.get("parent_account_id"), None);
}

#[test]
fn charge_account_selects_phones_by_id_number_or_all() {
    let by_id = ChargeAccount { phones: PhoneSelection::Ids(Selection::Only(vec![3, 4])) };
    assert_eq!(by_id.params().get("phone_id"), Some("3;4"));
    let all = ChargeAccount { phones: PhoneSelection::Numbers(Selection::All) };
    assert_eq!(all.params().get("phone_number"), Some("all"));
    let none = ChargeAccount { phones: PhoneSelection::Ids(Selection::Only(vec![])) };
    assert_eq!(codes(&none.validate()), vec![("phone_id".into(), ErrorCode::ParameterCantBeEmpty)]);
}

#[test]
fn children_filter_parameters() {
    let request = GetChildrenAccounts {
        child_account_id: Some(vec![5, 6]),
        active: Some(true),
        count: Some(50),
        offset: Some(100),
        order_by: Some(ChildrenOrder::ChildAccountEmail),
        ..Default::default()
    };
    let params = request.params();
    assert_eq!(params.names(), vec!["child_account_id", "active", "count", "offset", "order_by"]);
    assert_eq!(params.get("order_by"), Some("child_account_email"));
    const { assert!(!GetChildrenAccounts::CHANGES_STATE) };
    let bad = GetChildrenAccounts { count: Some(0), order_by: Some(ChildrenOrder::Other("x".into())), ..Default::default() };
    assert_eq!(bad.validate().len(), 2);
}

#[test]
fn plan_and_document_filters() {
    let plans = GetAvailablePlans(PlanFilter { plan_type: Some(vec![PlanType::Im, PlanType::Mau]), ..Default::default() });
    assert_eq!(plans.params().get("plan_type"), Some("IM;MAU"));
    let bad = ChangeAccountPlan { plan_type: PlanType::Other("XL".into()), plan_subscription_template_id: None };
    assert_eq!(codes(&bad.validate()), vec![("plan_type".into(), ErrorCode::InvalidPlanType)]);

    let documents = GetAccountDocuments {
        verification_status: Some(vec![VerificationStatus::Required, VerificationStatus::Verified]),
        from_unverified_hold_until: NaiveDate::from_ymd_opt(2026, 2, 1),
        to_unverified_hold_until: NaiveDate::from_ymd_opt(2026, 1, 1),
        child_account_id: Some(Selection::All),
        ..Default::default()
    };
    assert_eq!(documents.params().get("verification_status"), Some("REQUIRED;VERIFIED"));
    assert_eq!(documents.params().get("child_account_id"), Some("all"));
    assert_eq!(codes(&documents.validate()), vec![("to_unverified_hold_until".into(), ErrorCode::InvalidDateRange)]);
}

#[test]
fn currency_requests() {
    let rate = GetCurrencyRate { currency: vec!["EUR".into(), "RUR".into()], date: NaiveDate::from_ymd_opt(2026, 11, 1) };
    assert_eq!(rate.params().get("currency"), Some("EUR;RUR"));
    assert_eq!(rate.params().get("date"), Some("2026-11-01"));
    assert!(rate.validate().is_empty());
    let empty = GetCurrencyRate { currency: vec![], date: None };
    assert_eq!(codes(&empty.validate()), vec![("currency".into(), ErrorCode::ParameterCantBeEmpty)]);
    let bad = GetMoneyAmountToCharge { currency: Some("usd".into()), charge_date: None };
    assert_eq!(codes(&bad.validate()), vec![("currency".into(), ErrorCode::InvalidCurrency)]);
}

#[test]
fn set_account_info_checks_billing_and_callbacks() {
    let request = SetAccountInfo {
        billing_address: BillingAddress {
            country_code: Some("DE".into()),
            zip: Some("1".repeat(30)),
            ..Default::default()
        },
        callback_url: Some("ftp://nope".into()),
        callback_salt: Some(Secret::new("s".repeat(40))),
        ..Default::default()
    };
    assert_eq!(
        codes(&request.validate()),
        vec![
            ("billing_address_zip".into(), ErrorCode::BillingAddressZipTooLong),
            ("callback_url".into(), ErrorCode::InvalidCallbackUrl),
            ("callback_salt".into(), ErrorCode::CallbackSaltInvalid),
        ]
    );
    assert!(!format!("{:?}", request.params()).contains("ssss"));
}

#[test]
fn set_child_account_info_knows_what_support_may_change() {
    let mut request = SetChildAccountInfo::new(ChildSelection::Ids(Selection::Only(vec![42])));
    request.notifications.news_notifications = Some(true);
    request.notifications.language_code = Some("en".into());
    assert!(request.only_notification_settings());
    assert_eq!(request.params().get("child_account_id"), Some("42"));
    assert_eq!(request.params().get("news_notifications"), Some("true"));
    request.active = Some(false);
    assert!(!request.only_notification_settings());
    let nobody = SetChildAccountInfo::new(ChildSelection::Names(vec![]));
    assert_eq!(codes(&nobody.validate()), vec![("child_account_name".into(), ErrorCode::ParameterCantBeEmpty)]);
    let mut bad_email = SetChildAccountInfo::new(ChildSelection::Ids(Selection::All));
    bad_email.new_child_account_email = Some("x@".into());
    assert_eq!(codes(&bad_email.validate()), vec![("new_child_account_email".into(), ErrorCode::InvalidNewChildAccountEmail)]);
}
