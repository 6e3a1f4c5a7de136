//! Two-step sign-in against a real PostgreSQL, over real HTTP: enrolment, a code
//! accepted once, a recovery code used once, login's second step and its throttle,
//! the per-role policy, an admin's reset and a remembered browser.

mod common;

use app::{
    access::Role,
    auth::{
        ssr::mfa::{self, SecondFactor},
        totp, SecondStep, SignIn,
    },
    error::AppError,
    me::{BeginTwoStep, ConfirmTwoStep, GetMyAccount, TurnOffTwoStep},
    system::GetSystemStatus,
    users::{ResetTwoStep, SetTwoStepRequired},
};
use common::{add_user, audit_events, client, outcomes, TestServer, PASSWORD};
use sqlx::PgPool;
use uuid::Uuid;

/// The secret as the user's app would have it, read back from the text shown.
fn secret_from_text(text: &str) -> Vec<u8> {
    totp_rs::Secret::Encoded(text.replace(' ', "")).to_bytes().unwrap()
}

fn now() -> u64 {
    chrono::Utc::now().timestamp() as u64
}

#[sqlx::test(migrations = false)]
async fn enrol_then_each_code_and_recovery_code_works_once(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    let id: Uuid = common::add_user(&pool, "pat", Role::Reseller).await.parse().unwrap();
    let keyring = server.backend.keyring();
    assert!(!mfa::enrolled(&pool, id).await.unwrap());

    let shown = mfa::begin(&pool, keyring, id, "pat").await.unwrap();
    assert!(shown.qr_svg.contains("<svg"));
    let secret = secret_from_text(&shown.secret_text);
    let wrong = mfa::confirm(&pool, keyring, id, "000000").await.unwrap_err();
    assert!(matches!(wrong, AppError::Invalid(_)) || totp::code_at(&secret, now()) == "000000");
    let recovery = mfa::confirm(&pool, keyring, id, &totp::code_at(&secret, now())).await.unwrap();
    assert_eq!(recovery.len(), mfa::RECOVERY_CODES);
    assert!(mfa::enrolled(&pool, id).await.unwrap());
    // Nothing secret in the row.
    let stored: Vec<u8> = sqlx::query_scalar("SELECT ciphertext FROM user_mfa WHERE user_id = $1").bind(id).fetch_one(&pool).await.unwrap();
    assert!(!stored.windows(secret.len()).any(|w| w == secret.as_slice()));

    // The code used to confirm is spent; the next step's code works, once.
    let next = totp::code_at(&secret, now() + 30);
    assert_eq!(mfa::verify(&pool, keyring, id, &next).await.unwrap(), Some(SecondFactor::Code));
    assert_eq!(mfa::verify(&pool, keyring, id, &next).await.unwrap(), None, "a code works once");
    // A recovery code, typed loosely, once.
    let typed = recovery[3].to_lowercase().replace('-', " ");
    assert_eq!(mfa::verify(&pool, keyring, id, &typed).await.unwrap(), Some(SecondFactor::RecoveryCode));
    assert_eq!(mfa::verify(&pool, keyring, id, &recovery[3]).await.unwrap(), None, "a recovery code works once");
    assert_eq!(mfa::verify(&pool, keyring, id, "NOT-A-REAL-CODE").await.unwrap(), None);

    // Off again: nothing left.
    assert!(mfa::remove(&pool, id).await.unwrap());
    assert!(!mfa::enrolled(&pool, id).await.unwrap());
    assert_eq!(mfa::verify(&pool, keyring, id, &recovery[4]).await.unwrap(), None);
}

#[sqlx::test(migrations = false)]
async fn by_default_admins_and_resellers_must_use_it(pool: PgPool) {
    server::database::migrate(&pool).await.unwrap();
    let policy = mfa::policy(&pool).await.unwrap();
    assert_eq!(
        policy,
        vec![(Role::Admin, true), (Role::Reseller, true), (Role::Support, false), (Role::Auditor, false)]
    );
}

/// Turns two-step sign-in on for a signed-in `client` as its app would: the secret read
/// from the text shown, a code typed. Answers the secret and the recovery codes.
async fn turn_on(server: &TestServer, client: &reqwest::Client) -> (Vec<u8>, Vec<String>) {
    let shown = server.call(client, BeginTwoStep {}).await.unwrap();
    assert!(shown.qr_svg.contains("<svg"), "a QR code to scan");
    let secret = secret_from_text(&shown.secret_text);
    let codes = server.call(client, ConfirmTwoStep { code: totp::code_at(&secret, now()) }).await.unwrap();
    assert_eq!(codes.len(), mfa::RECOVERY_CODES);
    (secret, codes)
}

/// How a recorded login passed its second step.
fn second_step_of(login: &common::Event) -> String {
    let detail: serde_json::Value = serde_json::from_str(login.outcome_detail.as_deref().unwrap_or("null")).unwrap();
    detail["second_step"].as_str().unwrap_or_default().to_string()
}

/// Logs in with the password; answers what the first step said.
async fn first_step(server: &TestServer, client: &reqwest::Client, username: &str) -> SignIn {
    let response = server.login(client, username, PASSWORD).await;
    assert!(response.status().is_success() || response.status().is_redirection(), "{}", response.status());
    let body = response.text().await.unwrap();
    serde_json::from_str(&body).unwrap_or_else(|_| panic!("not a login answer: {body}"))
}

#[sqlx::test(migrations = false)]
async fn sign_in_asks_for_a_code_once_it_is_on_and_each_code_works_once(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    add_user(&pool, "pat", Role::Reseller).await;
    let first = server.signed_in("pat").await;
    let (secret, recovery) = turn_on(&server, &first).await;
    assert_eq!(outcomes(&pool, "user.two_step_on").await.len(), 1);
    let shown = server.call(&first, GetMyAccount {}).await.unwrap().two_step;
    assert!(shown.on && shown.recovery_codes_left == 10, "{shown:?}");

    // The password alone no longer signs in.
    let browser = client();
    assert_eq!(first_step(&server, &browser, "pat").await, SignIn::SecondStepNeeded);
    assert!(server.me(&browser).await.is_null(), "not signed in after the password alone");
    assert!(matches!(server.call(&browser, GetSystemStatus {}).await, Err(AppError::Unauthenticated)));
    let wrong = server.call(&browser, SecondStep { code: "123 456".into(), remember: None }).await.unwrap_err();
    assert!(wrong.for_field("code").is_some() || totp::code_at(&secret, now()) == "123456", "{wrong:?}");
    assert_eq!(audit_events(&pool, "user.login_second_step").await.len(), 1, "the wrong code is on record");

    // The next step's code signs in (the confirming one is spent) …
    let code = totp::code_at(&secret, now() + 30);
    let user = server.call(&browser, SecondStep { code: code.clone(), remember: None }).await.unwrap();
    assert_eq!(user.username, "pat");
    assert_eq!(server.me(&browser).await["username"], "pat");
    let logins = audit_events(&pool, "user.login").await;
    assert_eq!(second_step_of(logins.last().unwrap()), "code");

    // … once: the same code again does not.
    let again = client();
    assert_eq!(first_step(&server, &again, "pat").await, SignIn::SecondStepNeeded);
    assert!(server.call(&again, SecondStep { code, remember: None }).await.is_err(), "a code works once");
    // A recovery code does, once.
    server.call(&again, SecondStep { code: recovery[0].clone(), remember: None }).await.unwrap();
    assert_eq!(server.me(&again).await["username"], "pat");
    let third = client();
    assert_eq!(first_step(&server, &third, "pat").await, SignIn::SecondStepNeeded);
    assert!(server.call(&third, SecondStep { code: recovery[0].clone(), remember: None }).await.is_err());
    assert_eq!(server.call(&again, GetMyAccount {}).await.unwrap().two_step.recovery_codes_left, 9);

    // A second step without a first one is refused, not a way in.
    let stranger = client();
    let refused = server.call(&stranger, SecondStep { code: recovery[1].clone(), remember: None }).await.unwrap_err();
    assert!(matches!(refused, AppError::Conflict(_)), "{refused:?}");
    assert!(server.me(&stranger).await.is_null());

    // Off again needs the password and a code; then the password alone signs in.
    let off = TurnOffTwoStep { current_password: PASSWORD.into(), code: "000000".into() };
    assert!(server.call(&again, off).await.unwrap_err().for_field("code").is_some() || totp::code_at(&secret, now()) == "000000");
    let off = TurnOffTwoStep { current_password: PASSWORD.into(), code: recovery[2].clone() };
    server.call(&again, off).await.unwrap();
    assert!(matches!(first_step(&server, &client(), "pat").await, SignIn::Done(_)));
}

#[sqlx::test(migrations = false)]
async fn wrong_codes_are_throttled_with_the_password_and_knowing_it_buys_no_more(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    add_user(&pool, "pat", Role::Support).await;
    let (secret, _) = turn_on(&server, &server.signed_in("pat").await).await;
    let browser = client();
    let mut refused = None;
    // Each round: the right password, then a wrong code. The password does not reset
    // the count; the limit (5 per name) is reached within three rounds.
    for _ in 0..4 {
        if let SignIn::SecondStepNeeded = first_step(&server, &browser, "pat").await {
            let wrong = if totp::code_at(&secret, now()) == "000000" { "111111" } else { "000000" };
            if let Err(AppError::RateLimited { .. }) = server.call(&browser, SecondStep { code: wrong.into(), remember: None }).await {
                refused = Some(());
                break;
            }
        }
    }
    let limited = server.login(&browser, "pat", PASSWORD).await;
    assert!(refused.is_some() || limited.status() == reqwest::StatusCode::TOO_MANY_REQUESTS, "never throttled");
    // Locked now: even the right code does not get in.
    let code = totp::code_at(&secret, now() + 30);
    let result = server.call(&browser, SecondStep { code, remember: None }).await;
    assert!(!matches!(result, Ok(_)), "a locked name got in with a code: {result:?}");
    assert!(server.me(&browser).await.is_null());
}

#[sqlx::test(migrations = false)]
async fn a_role_that_requires_it_opens_only_its_own_account_until_it_is_on(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    add_user(&pool, "boss", Role::Admin).await;
    add_user(&pool, "pat", Role::Reseller).await;
    let admin = server.signed_in("boss").await;
    let pat = server.signed_in("pat").await;
    server.call(&pat, GetSystemStatus {}).await.unwrap();

    server.call(&admin, SetTwoStepRequired { role: "reseller".into(), required: true }).await.unwrap();
    assert_eq!(outcomes(&pool, "two_step.policy").await.len(), 1);
    // From the next request: their own account only.
    assert!(matches!(server.call(&pat, GetSystemStatus {}).await, Err(AppError::TwoStepSetupRequired)));
    assert_eq!(server.me(&pat).await["must_set_up_two_step"], true);
    assert!(server.call(&pat, GetMyAccount {}).await.unwrap().two_step.required);
    turn_on(&server, &pat).await;
    server.call(&pat, GetSystemStatus {}).await.unwrap();
    assert_eq!(server.me(&pat).await["must_set_up_two_step"], false);
    // Pages too: the dashboard sends them to set it up.
    let fresh = client();
    add_user(&pool, "sam", Role::Reseller).await;
    server.login(&fresh, "sam", PASSWORD).await;
    let page = fresh.get(server.url("/")).send().await.unwrap();
    let location = page.headers().get("location").map(|v| v.to_str().unwrap().to_string());
    assert_eq!(location.as_deref(), Some("/me?set_up=two-step"), "the dashboard sends sam to set it up ({})", page.status());
}

#[sqlx::test(migrations = false)]
async fn an_admin_reset_turns_it_off_and_ends_their_sessions(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    add_user(&pool, "boss", Role::Admin).await;
    let pat_id = add_user(&pool, "pat", Role::Support).await;
    let admin = server.signed_in("boss").await;
    let pat = server.signed_in("pat").await;
    turn_on(&server, &pat).await;

    let after = server.call(&admin, ResetTwoStep { id: pat_id.clone() }).await.unwrap();
    assert!(!after.two_step);
    assert!(server.me(&pat).await.is_null(), "their sessions ended");
    let events = outcomes(&pool, "user.two_step_reset").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].actor_name.as_deref(), Some("boss"));
    assert!(matches!(first_step(&server, &client(), "pat").await, SignIn::Done(_)), "the password alone signs in again");
    assert!(!mfa::enrolled(&pool, pat_id.parse().unwrap()).await.unwrap());
}

#[sqlx::test(migrations = false)]
async fn a_remembered_browser_skips_the_code_for_its_user_only(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    add_user(&pool, "pat", Role::Support).await;
    let (secret, _) = turn_on(&server, &server.signed_in("pat").await).await;

    let browser = client();
    assert_eq!(first_step(&server, &browser, "pat").await, SignIn::SecondStepNeeded);
    let response = browser
        .post(server.url(<SecondStep as leptos::server_fn::ServerFn>::PATH))
        .form(&[("code", totp::code_at(&secret, now() + 30)), ("remember", "on".to_string())])
        .send()
        .await
        .unwrap();
    let cookies: Vec<String> =
        response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
    let device = cookies.iter().find(|c| c.starts_with("voxdesk_device=")).expect("a device cookie");
    assert!(device.contains("HttpOnly") && device.contains("Max-Age=2592000"), "{device}");
    browser.post(server.url("/api/auth/logout")).send().await.unwrap();
    assert!(matches!(first_step(&server, &browser, "pat").await, SignIn::Done(_)), "remembered: no code asked");
    let logins = audit_events(&pool, "user.login").await;
    assert_eq!(second_step_of(logins.last().unwrap()), "remembered_device");
    // Another browser is asked.
    assert_eq!(first_step(&server, &client(), "pat").await, SignIn::SecondStepNeeded);
    // The token is stored as a hash only.
    let token = device.split(';').next().unwrap().trim_start_matches("voxdesk_device=");
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM mfa_remembered_devices").fetch_all(&pool).await.unwrap();
    assert!(stored.len() == 1 && !stored[0].contains(token));
}
