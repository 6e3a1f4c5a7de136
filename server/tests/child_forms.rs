//! The forms that make accounts, through the portal against a real sandbox over
//! HTTP: one account per form however often it is sent (two at once, across two
//! instances, after a refusal, after no clear answer), the create form's full
//! AddAccount parameters, and Clone with what it copied.

mod common;

use app::{
    access::Role,
    children::{CloneChild, ClonedChild, CreateChild, CreatedChild, NewChild},
    error::AppError,
    submission::FormKey,
};
use common::{audit_events, outcomes, Portal};
use sqlx::PgPool;

fn child(name: &str) -> NewChild {
    NewChild {
        account_name: name.into(),
        account_email: format!("{name}@acme.example"),
        account_password: "Str0ng!pass".into(),
        ..Default::default()
    }
}

fn create(child: NewChild, form_key: &FormKey) -> CreateChild {
    CreateChild { child, form_key: form_key.clone() }
}

fn children_named(portal: &Portal, name: &str) -> usize {
    portal.sandbox.snapshot().accounts.values().filter(|a| a.name == name).count()
}

#[sqlx::test(migrations = false)]
async fn a_form_sent_twice_at_once_makes_one_account_and_both_get_its_answer(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    let key = FormKey::random();
    let (first, second) = tokio::join!(
        portal.call(Role::Reseller, create(child("double-click"), &key)),
        portal.call(Role::Reseller, create(child("double-click"), &key)),
    );
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!(children_named(&portal, "double-click"), 1, "one account");
    assert_eq!(first.account_id, second.account_id);
    assert_eq!([first.again, second.again].iter().filter(|again| **again).count(), 1, "{first:?} {second:?}");
    let stored = portal.sandbox.child_by_name("double-click").unwrap();
    assert_eq!(first.api_key.as_deref(), Some(stored.api_key.as_str()));
    assert_eq!(second.api_key, first.api_key, "the resend shows the same key");
    assert_eq!(outcomes(&pool, "child_account.create").await.len(), 1, "one AddAccount on record");
    let shown = audit_events(&pool, "child_account.api_key.show").await;
    assert_eq!(shown.len(), 2, "each showing of the key is on record");
    // The first showing goes in the outcome's commit (one transaction, not two).
    let outcome = &outcomes(&pool, "child_account.create").await[0];
    let transactions: i64 = sqlx::query_scalar("SELECT count(DISTINCT xmin::text) FROM audit_events WHERE seq IN ($1, $2)")
        .bind(outcome.seq)
        .bind(shown[0].seq)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(transactions, 1, "the key's first showing is recorded with the outcome");

    // Another instance on the same database answers the same form the same way.
    let other = portal.server.another_instance().await;
    let third: CreatedChild = other.call(portal.as_role(Role::Reseller), create(child("double-click"), &key)).await.unwrap();
    assert_eq!((third.account_id, third.again), (first.account_id, true));
    assert_eq!(children_named(&portal, "double-click"), 1);

    // The key is kept sealed: its text is nowhere in the database.
    let kept: Vec<String> =
        sqlx::query_scalar("SELECT concat_ws('|', answer, sealed_secret) FROM form_submissions").fetch_all(&pool).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert!(!kept[0].contains(&stored.api_key) && !kept[0].contains("Str0ng!pass"), "{kept:?}");

    // The same form with other values is refused, not a second account.
    let changed = NewChild { account_email: "else@acme.example".into(), ..child("double-click") };
    let refused = portal.call(Role::Reseller, create(changed, &key)).await.unwrap_err();
    assert!(matches!(&refused, AppError::Conflict(m) if m.contains("already sent with other values")), "{refused:?}");
    // Another user's form never sees this one's answer.
    let admins = portal.call(Role::Admin, create(child("double-click"), &key)).await.unwrap_err();
    assert!(admins.for_field("account_name").is_some_and(|m| m.contains("already taken")), "{admins:?}");
    // A form without a key (from before keys, or not from Voxdesk) is refused.
    let keyless = portal.call(Role::Reseller, create(child("no-key-here"), &FormKey::default())).await.unwrap_err();
    assert!(matches!(&keyless, AppError::Conflict(m) if m.contains("reload the page")), "{keyless:?}");
    assert!(portal.sandbox.child_by_name("no-key-here").is_none());

    // Answers are kept a day: expired ones are gone at the next submission.
    sqlx::query("UPDATE form_submissions SET expires_at = now() - interval '1 second'").execute(&pool).await.unwrap();
    portal.call(Role::Reseller, create(child("next-day"), &FormKey::random())).await.unwrap();
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM form_submissions").fetch_one(&pool).await.unwrap();
    assert_eq!(kept, 1, "only the new form's answer is kept");
}

#[sqlx::test(migrations = false)]
async fn a_refused_or_unanswered_form_may_be_sent_again(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    let sandbox = &portal.sandbox;

    // Refused: nothing made, the key is free for the corrected form.
    let key = FormKey::random();
    let weak = NewChild { account_password: "weak".into(), ..child("fixed-later") };
    let refused = portal.call(Role::Admin, create(weak, &key)).await.unwrap_err();
    assert!(refused.for_field("account_password").is_some(), "{refused:?}");
    let made = portal.call(Role::Admin, create(child("fixed-later"), &key)).await.unwrap();
    assert!(!made.again);
    assert_eq!(made.account_id, sandbox.child_by_name("fixed-later").unwrap().id);

    // No clear answer, and nothing was made: the resend looks, then creates.
    let key = FormKey::random();
    let outage = sandbox::faults::Fault { http_status: Some(503), ..Default::default() };
    sandbox.set_faults(sandbox::faults::Faults([("AddAccount".to_string(), outage.clone())].into()));
    let unclear = portal.call(Role::Admin, create(child("after-outage"), &key)).await.unwrap_err();
    assert!(matches!(&unclear, AppError::Unavailable { .. }), "{unclear:?}");
    sandbox.set_faults(Default::default());
    let made = portal.call(Role::Admin, create(child("after-outage"), &key)).await.unwrap();
    assert!(!made.again, "it did not exist, so it was created now");
    assert!(made.api_key.is_some());
    assert_eq!(children_named(&portal, "after-outage"), 1);

    // No clear answer, but the account exists by then: the resend finds it and
    // creates nothing (its key was never seen, so none is shown).
    let key = FormKey::random();
    sandbox.set_faults(sandbox::faults::Faults([("AddAccount".to_string(), outage)].into()));
    portal.call(Role::Admin, create(child("made-anyway"), &key)).await.unwrap_err();
    sandbox.set_faults(Default::default());
    let elsewhere = portal.call(Role::Admin, create(child("made-anyway"), &FormKey::random())).await.unwrap();
    let calls = sandbox.calls();
    let found = portal.call(Role::Admin, create(child("made-anyway"), &key)).await.unwrap();
    assert_eq!((found.account_id, found.again, found.api_key), (elsewhere.account_id, true, None));
    assert_eq!(sandbox.calls(), calls + 1, "one lookup, no AddAccount");
    assert_eq!(children_named(&portal, "made-anyway"), 1);
}

#[sqlx::test(migrations = false)]
async fn the_create_form_sends_every_addaccount_parameter(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    let full = NewChild {
        account_first_name: "Ada".into(),
        account_last_name: "Lovelace".into(),
        location: "Europe/Berlin".into(),
        language_code: "de".into(),
        account_custom_data: "crm=4711".into(),
        min_balance_to_notify: "12.50".into(),
        record_storage: "eu-records".into(),
        active: true,
        account_notifications: true,
        tariff_changing_notifications: true,
        news_notifications: true,
        ..child("full-form")
    };
    portal.call(Role::Admin, create(full, &FormKey::random())).await.unwrap();
    let stored = portal.sandbox.child_by_name("full-form").unwrap();
    assert_eq!((stored.first_name.as_deref(), stored.last_name.as_deref()), (Some("Ada"), Some("Lovelace")));
    assert_eq!((stored.location.as_str(), stored.language_code.as_str()), ("Europe/Berlin", "de"));
    assert_eq!(stored.custom_data.as_deref(), Some("crm=4711"));
    assert_eq!(stored.min_balance_to_notify, rust_decimal::Decimal::new(1250, 2));
    assert_eq!(stored.record_storage.as_deref(), Some("eu-records"));
    assert!(stored.active && stored.account_notifications && stored.tariff_changing_notifications && stored.news_notifications);
    let intent = audit_events(&pool, "child_account.create").await.remove(0);
    assert!(intent.params.contains("\"language_code\":\"de\"") && intent.params.contains("crm=4711"), "{}", intent.params);

    // Each new field's rules, next to it, before Voximplant is asked.
    let calls = portal.sandbox.calls();
    let wrong = NewChild {
        language_code: "xx".into(),
        min_balance_to_notify: "lots".into(),
        record_storage: "r".repeat(101),
        ..child("wrong-form")
    };
    let error = portal.call(Role::Admin, create(wrong, &FormKey::random())).await.unwrap_err();
    for field in ["language_code", "min_balance_to_notify", "record_storage"] {
        assert!(error.for_field(field).is_some(), "{field}: {error:?}");
    }
    assert_eq!(portal.sandbox.calls(), calls);
}

fn clone_of(source: u64, new: NewChild) -> CloneChild {
    CloneChild { source_account_id: source, child: new, form_key: FormKey::random() }
}

#[sqlx::test(migrations = false)]
async fn a_clone_copies_the_child_and_says_what_it_copied(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    let parent = portal.sandbox.parent().account_id;
    let source = portal.sandbox.snapshot().accounts.values().find(|a| a.parent_id == Some(parent)).cloned().unwrap();
    let new = NewChild { language_code: "fr".into(), location: "Europe/Paris".into(), ..child("the-copy") };
    let cloned: ClonedChild = portal.call(Role::Reseller, clone_of(source.id, new)).await.unwrap();

    let stored = portal.sandbox.child_by_name("the-copy").expect("the copy exists");
    assert_eq!(cloned.account_id, stored.id);
    assert_eq!(cloned.api_key.as_deref(), Some(stored.api_key.as_str()), "its key, shown once");
    assert_eq!((stored.language_code.as_str(), stored.location.as_str()), ("fr", "Europe/Paris"));
    let names = |kind: &str| cloned.copied.iter().find(|k| k.kind == kind).map(|k| k.names.clone()).unwrap_or_default();
    let users: Vec<String> = source.contents.users.iter().map(|u| u.name.clone()).collect();
    assert_eq!(names("Users"), users);
    assert_eq!(names("Scenarios").len(), source.contents.scenarios.len());
    assert_eq!(names("Rules").len(), source.contents.applications.iter().map(|a| a.rules.len()).sum::<usize>());
    assert_eq!(names("Admin users"), ["supervisor"]);
    assert!(!serde_json::to_string(&cloned).unwrap().contains(&stored.contents.admin_users[0].api_key), "admin keys stay out");

    let done = outcomes(&pool, "child_account.clone").await;
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].outcome.as_deref(), Some("ok"));
    assert_eq!(done[0].method.as_deref(), Some("CloneAccount"));
    assert!(done[0].targets.contains(&stored.id.to_string()) && done[0].targets.contains(&source.id.to_string()));
    assert!(!audit_events(&pool, "child_account.clone").await.iter().any(|e| e.params.contains("Str0ng!pass")));

    // Refusals: a taken name and a weak password next to their field, a source
    // that is gone on the page; nothing is created.
    let before = portal.sandbox.snapshot().accounts.len();
    let taken = portal.call(Role::Reseller, clone_of(source.id, NewChild { account_email: "x@y.example".into(), ..child("the-copy") }));
    let error = taken.await.unwrap_err();
    assert!(error.for_field("account_name").is_some_and(|m| m.contains("already taken")), "{error:?}");
    let weak = portal.call(Role::Reseller, clone_of(source.id, NewChild { account_password: "weak".into(), ..child("weak-copy") }));
    assert!(weak.await.unwrap_err().for_field("account_password").is_some());
    let gone = portal.call(Role::Reseller, clone_of(999_999_999, child("orphan-copy"))).await.unwrap_err();
    assert!(matches!(&gone, AppError::NotFound(what) if what.contains("999999999")), "{gone:?}");
    assert_eq!(portal.sandbox.snapshot().accounts.len(), before);

    // No clear answer from Voximplant: the reconciler settles the clone by its name.
    let outage = sandbox::faults::Fault { http_status: Some(503), ..Default::default() };
    portal.sandbox.set_faults(sandbox::faults::Faults([("CloneAccount".to_string(), outage)].into()));
    let unclear = portal.call(Role::Reseller, clone_of(source.id, child("copy-in-outage"))).await.unwrap_err();
    assert!(matches!(&unclear, AppError::Unavailable { .. }), "{unclear:?}");
    portal.sandbox.set_faults(Default::default());
    assert_eq!(app::registry::reconcile(&portal.server.backend, 0).await.unwrap(), 1);
    let settled = outcomes(&pool, "child_account.clone").await.pop().unwrap();
    assert_eq!(settled.outcome.as_deref(), Some("error"));
    assert!(settled.outcome_detail.unwrap_or_default().contains("copy-in-outage does not exist"));

    for role in [Role::Support, Role::Auditor] {
        let refused = portal.call(role, clone_of(source.id, child("not-allowed"))).await.unwrap_err();
        assert_eq!(refused, AppError::Forbidden);
    }
}
