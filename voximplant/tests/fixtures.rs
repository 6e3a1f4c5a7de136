//! The documented example responses deserialize into the typed responses, exactly.

use std::str::FromStr;

use rust_decimal::Decimal;
use voximplant::{
    methods::*,
    types::{AccountListing, DocumentStatus, PlanType, SubscriptionTemplateKind, VerificationStatus},
    ApiErrorBody, ErrorCode,
};

fn fixture<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{name}: {error}"))
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

#[test]
fn children_accounts_example() {
    let response: GetChildrenAccountsResponse = fixture("GetChildrenAccounts");
    assert_eq!((response.count, response.total_count), (1, 1));
    let child = &response.result[0];
    assert_eq!(child.account_id, 414877);
    assert_eq!(child.account_first_name, None, "\"\" means absent");
    assert_eq!(child.created.unwrap().to_string(), "2016-04-08 11:01:30 UTC");
    assert_eq!(child.min_balance_to_notify, Some(dec("68.5598")));
    assert_eq!(child.balance, Some(dec("0.4")));
    assert_eq!(child.credit_limit, Some(Decimal::ZERO));
    assert_eq!(child.active, Some(true));
    assert_eq!(child.api_key, None);
    let limits = child.billing_limits.as_ref().unwrap();
    assert_eq!(limits.robokassa.as_ref().unwrap().min_amount, dec("500"));
    assert_eq!(limits.invoice, None);
}

#[test]
fn children_listed_example() {
    let full: GetChildrenAccountsResponse = fixture("GetChildrenAccounts");
    let listed: GetChildrenAccountsResponse<AccountListing> = fixture("GetChildrenAccounts");
    let child = &listed.result[0];
    assert_eq!((child.account_id, child.balance, child.active), (414877, Some(dec("0.4")), Some(true)));
    assert_eq!(listed.result, full.result.into_iter().map(AccountListing::from).collect::<Vec<_>>());
}

#[test]
fn account_documents_example() {
    let response: GetAccountDocumentsResponse = fixture("GetAccountDocuments");
    let verification = &response.result[0].verifications[0];
    assert_eq!(verification.verification_status, VerificationStatus::InProgress);
    assert_eq!(verification.unverified_hold_until.unwrap().to_string(), "2015-02-15");
    let documents = verification.documents.as_ref().unwrap();
    assert_eq!(documents[0].account_document_status, DocumentStatus::Rejected);
    assert_eq!(documents[0].comment.as_deref(), Some("very low quality"));
    assert_eq!(documents[1].comment, None);
    assert_eq!(documents[0].uploaded.to_string(), "2015-02-01 06:50:07 UTC");
}

#[test]
fn available_plans_example() {
    let response: GetAvailablePlansResponse = fixture("GetAvailablePlans");
    let plan = &response.result[0];
    assert_eq!(plan.plan_type, PlanType::Im);
    assert_eq!(plan.periodic_charge, dec("9170.604"));
    assert_eq!(plan.packages[0].overrun_price, dec("3.668242"));
    assert_eq!(plan.packages[0].price_group_id, vec![7561]);
}

#[test]
fn short_account_info_example() {
    let response: ChangeAccountPlanResponse = fixture("ChangeAccountPlan");
    assert_eq!(response.account_info.balance, Some(dec("150.75")));
    assert_eq!(response.account_info.frozen, Some(false));
}

#[test]
fn subscription_price_example_with_fractional_price() {
    let response: GetSubscriptionPriceResponse = fixture("GetSubscriptionPrice");
    let template = &response.result[0];
    assert_eq!(template.price, dec("293.855"));
    assert_eq!(template.subscription_template_type, SubscriptionTemplateKind::PhoneNumber);
    assert_eq!(template.currency_id, None);
}

#[test]
fn error_examples() {
    #[derive(serde::Deserialize)]
    struct Envelope {
        error: ApiErrorBody,
    }
    let unknown: Envelope = serde_json::from_str(r#"{"error": {"msg": "Unknown command.", "code": 103}}"#).unwrap();
    assert_eq!(unknown.error.kind(), ErrorCode::UnknownCommand);
    let extra: Envelope =
        serde_json::from_str(r#"{"error": {"code": 122, "msg": "x", "field_name": "user_name"}}"#).unwrap();
    assert_eq!(extra.error.kind(), ErrorCode::Other(122));
}

#[test]
fn new_enum_values_do_not_break_deserialization() {
    let plan: voximplant::types::Plan = serde_json::from_str(
        r#"{"plan_subscription_template_id":1,"plan_type":"VIDEO","plan_name":"x","periodic_charge":1,"packages":[]}"#,
    )
    .unwrap();
    assert_eq!(plan.plan_type, PlanType::Other("VIDEO".into()));
}

#[test]
fn secrets_in_responses_do_not_reach_debug_output() {
    let response: AddAccountResponse =
        serde_json::from_str(r#"{"result":1,"account_id":7,"api_key":"3f1c-secret-key","active":false}"#).unwrap();
    assert_eq!(response.api_key.expose(), "3f1c-secret-key");
    assert!(!format!("{response:?}").contains("3f1c"));
}
