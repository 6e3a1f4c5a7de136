//! Your own account (`/me`): where you are signed in, "sign out everywhere else", and
//! changing your own password, over real HTTP against a real PostgreSQL.

mod common;

use app::{
    error::AppError,
    me::{ChangeMyPassword, GetMyAccount, SignOutElsewhere},
};
use common::{add_user, audit_events, outcomes, start, PASSWORD};
use sqlx::PgPool;

const NEW_PASSWORD: &str = "tangerine oboe lamp forty";

fn change(current: &str, new: &str, again: &str) -> ChangeMyPassword {
    ChangeMyPassword { current_password: current.into(), new_password: new.into(), new_password_again: again.into() }
}

#[sqlx::test]
async fn each_session_is_listed_and_the_others_can_be_ended(pool: PgPool) {
    let server = start(pool.clone()).await;
    add_user(&pool, "alice", app::access::Role::Support).await;
    let laptop = server.signed_in("alice").await;
    let phone = server.signed_in("alice").await;

    let account = server.call(&laptop, GetMyAccount {}).await.unwrap();
    assert_eq!(account.username, "alice");
    assert_eq!(account.sessions.len(), 2, "{:?}", account.sessions);
    assert_eq!(account.sessions.iter().filter(|s| s.current).count(), 1, "exactly one is this browser");
    assert_eq!(account.other_sessions(), 1);
    // No session id reaches the page: only what helps to recognise a device.
    let shown = serde_json::to_string(&account).unwrap();
    assert!(!shown.contains("session_ref"), "{shown}");

    assert_eq!(server.call(&laptop, SignOutElsewhere {}).await.unwrap(), 1);
    assert!(server.me(&phone).await.is_null(), "the other session has ended");
    assert_eq!(server.me(&laptop).await["username"], "alice", "this one goes on");
    let account = server.call(&laptop, GetMyAccount {}).await.unwrap();
    assert_eq!(account.sessions.len(), 1);
    assert!(account.sessions[0].current);
    assert_eq!(outcomes(&pool, "user.sign_out_elsewhere").await.len(), 1);

    // Logging out removes the session from the list.
    let other = server.signed_in("alice").await;
    other.post(server.url("/api/auth/logout")).send().await.unwrap();
    assert_eq!(server.call(&laptop, GetMyAccount {}).await.unwrap().sessions.len(), 1);
}

#[sqlx::test]
async fn a_new_password_needs_the_current_one_and_ends_every_other_session(pool: PgPool) {
    let server = start(pool.clone()).await;
    add_user(&pool, "alice", app::access::Role::Reseller).await;
    let here = server.signed_in("alice").await;
    let elsewhere = server.signed_in("alice").await;

    // Each problem next to its field, nothing changed.
    let refused = |result: Result<(), AppError>, field: &str| {
        let error = result.expect_err("refused");
        error.for_field(field).unwrap_or_else(|| panic!("no message for {field}: {error:?}"))
    };
    let message = refused(server.call(&here, change("not it at all", NEW_PASSWORD, NEW_PASSWORD)).await, "current_password");
    assert_eq!(message, "This is not your current password.");
    assert!(refused(server.call(&here, change(PASSWORD, "qwerty123456", "qwerty123456")).await, "new_password").contains("common"));
    assert!(refused(server.call(&here, change(PASSWORD, "alice-2024-alice", "alice-2024-alice")).await, "new_password").contains("username"));
    refused(server.call(&here, change(PASSWORD, NEW_PASSWORD, "something else entirely")).await, "new_password_again");
    refused(server.call(&here, change(PASSWORD, PASSWORD, PASSWORD)).await, "new_password");
    assert!(!server.me(&elsewhere).await.is_null(), "a refused change ends nothing");

    server.call(&here, change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD)).await.unwrap();
    assert!(server.me(&elsewhere).await.is_null(), "the other session ended");
    assert_eq!(server.me(&here).await["username"], "alice", "this session goes on");
    assert_eq!(server.call(&here, GetMyAccount {}).await.unwrap().sessions.len(), 1);
    assert!(server.login(&common::client(), "alice", PASSWORD).await.status().is_client_error(), "the old password is gone");
    let fresh = common::client();
    assert!(!server.login(&fresh, "alice", NEW_PASSWORD).await.status().is_client_error());

    // On record: the failed try and the change, never a password.
    let events = audit_events(&pool, "user.change_own_password").await;
    let outcomes: Vec<_> = events.iter().filter(|e| e.kind == "outcome").map(|e| e.outcome.clone().unwrap_or_default()).collect();
    assert_eq!(outcomes, ["invalid", "invalid", "ok"], "{events:?}");
    for event in &events {
        let row = format!("{} {} {:?}", event.params, event.targets, event.changes);
        assert!(!row.contains(PASSWORD) && !row.contains(NEW_PASSWORD), "a password reached the audit log: {row}");
    }
}

#[sqlx::test]
async fn guessing_the_current_password_is_throttled_like_a_login(pool: PgPool) {
    let server = start(pool.clone()).await;
    add_user(&pool, "alice", app::access::Role::Auditor).await;
    let thief = server.signed_in("alice").await;
    for _ in 0..5 {
        let error = server.call(&thief, change("guess guess guess", NEW_PASSWORD, NEW_PASSWORD)).await.unwrap_err();
        assert!(error.for_field("current_password").is_some(), "{error:?}");
    }
    let error = server.call(&thief, change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD)).await.unwrap_err();
    assert!(matches!(error, AppError::RateLimited { .. }), "{error:?}");
}
