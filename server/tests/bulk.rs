//! Bulk changes through the portal against a real sandbox over HTTP: chunks of id
//! lists, progress in PostgreSQL, failures listed and retried, cancel, who may, and
//! the audit log (the job, and one intent and outcome per chunk).

mod common;

use std::time::Duration;

use app::{
    access::Role,
    children::{
        bulk::{
            BulkActivate, BulkDeactivate, BulkNotifications, BulkSelection, CancelBulkJob, GetBulkJob, JobState, RecentBulkJobs,
        },
        changes::NotificationChanges,
    },
    error::AppError,
};
use common::{audit_events, outcomes, Portal};
use sandbox::faults::{Fault, Faults};
use sqlx::PgPool;

fn ids(ids: &[u64]) -> BulkSelection {
    BulkSelection::picked(ids.to_vec())
}

fn matching(filter: &str) -> BulkSelection {
    BulkSelection::every_match(filter.into())
}

fn children_of_parent(portal: &Portal) -> Vec<sandbox::state::Account> {
    let parent = portal.sandbox.parent().account_id;
    portal.sandbox.snapshot().accounts.values().filter(|a| a.parent_id == Some(parent)).cloned().collect()
}

#[sqlx::test(migrations = false)]
async fn selected_and_matching_children_change_in_chunks_on_record(pool: PgPool) {
    let config = sandbox::SandboxConfig { seed_children: 400, ..Default::default() };
    let portal = Portal::start_with(&pool, config).await;
    let active: Vec<u64> = children_of_parent(&portal).iter().filter(|a| a.active).map(|a| a.id).collect();
    assert!(active.len() > 150, "{}", active.len());

    // Three picked by hand.
    let three = &active[..3];
    let id = portal.call(Role::Reseller, BulkDeactivate { selection: ids(three) }).await.unwrap();
    let job = portal.finished_job(Role::Reseller, &id).await;
    assert_eq!((job.state, job.total, job.processed, job.failed.len()), (JobState::Done, 3, 3, 0), "{job:?}");
    assert_eq!(job.changes, ["Status → inactive"]);
    let state = portal.sandbox.snapshot();
    assert!(three.iter().all(|id| !state.accounts[id].active), "Voximplant has them inactive");
    assert!(active[3..].iter().all(|id| state.accounts[id].active), "no other account changed");
    let job_events = audit_events(&pool, "child_account.bulk.deactivate").await;
    assert_eq!(job_events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["intent", "outcome"]);
    assert_eq!(job_events[1].outcome.as_deref(), Some("ok"));
    let chunks = audit_events(&pool, "child_account.bulk.chunk").await;
    assert_eq!(chunks.len(), 2, "one chunk: its intent and outcome");
    let targets: Vec<String> = serde_json::from_str(&chunks[0].targets).unwrap();
    assert_eq!(targets, three.iter().map(u64::to_string).collect::<Vec<_>>());
    assert_eq!(chunks[1].method.as_deref(), Some("SetChildAccountInfo"));
    // Its owner finds it again among their latest; others do not see it there.
    let recent = portal.call(Role::Reseller, RecentBulkJobs {}).await.unwrap();
    assert_eq!((recent.len(), recent[0].id.as_str(), recent[0].heading().as_str()), (1, id.as_str(), "Deactivated 3 child accounts"));
    assert!(portal.call(Role::Auditor, RecentBulkJobs {}).await.unwrap().is_empty());

    // Every child matching a filter: looked up page by page, then 100 per call.
    let still_active = active.len() - 3;
    let calls = portal.sandbox.calls();
    let id = portal.call(Role::Admin, BulkDeactivate { selection: matching("status=active") }).await.unwrap();
    let job = portal.finished_job(Role::Admin, &id).await;
    assert_eq!((job.state, job.total as usize, job.processed as usize), (JobState::Done, still_active, still_active), "{job:?}");
    let chunk_count = still_active.div_ceil(100);
    assert_eq!(job.calls as usize, chunk_count + 1, "one lookup page, then one call per chunk");
    assert_eq!((portal.sandbox.calls() - calls) as usize, chunk_count + 1);
    assert!(children_of_parent(&portal).iter().all(|a| !a.active), "every match is inactive");
    assert_eq!(outcomes(&pool, "child_account.bulk.chunk").await.len(), 1 + chunk_count, "one outcome per chunk");

    // Support may change notification settings of many, and nothing else.
    let switches = NotificationChanges { news_notifications: Some(true), ..Default::default() };
    let id = portal
        .call(Role::Support, BulkNotifications { selection: ids(&active[..5]), notifications: switches })
        .await
        .unwrap();
    assert_eq!(portal.finished_job(Role::Support, &id).await.state, JobState::Done);
    let state = portal.sandbox.snapshot();
    assert!(active[..5].iter().all(|id| state.accounts[id].news_notifications));
    assert!(active[..5].iter().all(|id| !state.accounts[id].active), "nothing else changed");
    for refused in [
        portal.call(Role::Support, BulkActivate { selection: ids(&active[..5]) }).await,
        portal.call(Role::Auditor, BulkActivate { selection: ids(&active[..5]) }).await,
    ] {
        assert_eq!(refused.unwrap_err(), AppError::Forbidden);
    }
    let nothing = portal.call(Role::Support, BulkNotifications { selection: ids(&active[..5]), notifications: Default::default() });
    assert!(nothing.await.unwrap_err().for_field("notifications").is_some());
    let none = portal.call(Role::Admin, BulkActivate { selection: ids(&[]) }).await.unwrap_err();
    assert!(none.for_field("selection").is_some(), "{none:?}");
    assert!(children_of_parent(&portal).iter().all(|a| !a.active));
}

#[sqlx::test(migrations = false)]
async fn failed_accounts_are_listed_and_retrying_them_succeeds(pool: PgPool) {
    let config = sandbox::SandboxConfig { seed_children: 1_000, ..Default::default() };
    let portal = Portal::start_with(&pool, config).await;
    let flaky = Fault { error_rate: 0.3, ..Default::default() };
    portal.sandbox.set_faults(Faults([("SetChildAccountInfo".to_string(), flaky)].into()));

    let id = portal.call(Role::Reseller, BulkActivate { selection: matching("") }).await.unwrap();
    let job = portal.finished_job(Role::Reseller, &id).await;
    assert_eq!((job.state, job.total, job.processed), (JobState::Done, 1_000, 1_000), "the job finishes");
    assert!(!job.failed.is_empty() && job.failed.len() < 1_000, "{} failed", job.failed.len());
    assert_eq!(job.failed.len() % 100, 0, "whole chunks fail");
    assert!(job.failed.iter().all(|f| f.reason.contains("Voximplant refused")), "{:?}", job.failed[0]);
    let chunks = outcomes(&pool, "child_account.bulk.chunk").await;
    assert_eq!(chunks.len(), 10, "exactly one outcome per chunk");
    let refused = chunks.iter().filter(|e| e.outcome.as_deref() == Some("upstream_error")).count();
    assert_eq!(refused * 100, job.failed.len());
    let outcome = outcomes(&pool, "child_account.bulk.activate").await.pop().unwrap();
    assert_eq!(outcome.outcome.as_deref(), Some("error"), "a job with failures is not ok");

    // Voximplant is well again: retrying the failed ones makes every account active.
    portal.sandbox.set_faults(Faults::default());
    let failed: Vec<u64> = job.failed.iter().map(|f| f.id).collect();
    let retry = portal.call(Role::Reseller, BulkActivate { selection: ids(&failed) }).await.unwrap();
    let retried = portal.finished_job(Role::Reseller, &retry).await;
    assert_eq!((retried.state, retried.processed as usize, retried.failed.len()), (JobState::Done, failed.len(), 0));
    assert!(children_of_parent(&portal).iter().all(|a| a.active));
}

#[sqlx::test(migrations = false)]
async fn a_job_can_be_cancelled_by_its_owner_between_chunks(pool: PgPool) {
    let config = sandbox::SandboxConfig { seed_children: 1_000, ..Default::default() };
    let portal = Portal::start_with(&pool, config).await;
    let before = children_of_parent(&portal);
    let slow = Fault { latency_ms: 300, ..Default::default() };
    portal.sandbox.set_faults(Faults([("SetChildAccountInfo".to_string(), slow)].into()));

    let id = portal.call(Role::Reseller, BulkDeactivate { selection: matching("") }).await.unwrap();
    // One job at a time per user.
    let second = portal.call(Role::Reseller, BulkActivate { selection: matching("") }).await.unwrap_err();
    assert!(matches!(&second, AppError::Conflict(m) if m.contains("already have a bulk change running")), "{second:?}");
    // Someone else may watch, not cancel.
    let watched = portal.call(Role::Auditor, GetBulkJob { id: id.clone() }).await.unwrap();
    assert!(!watched.may_cancel);
    assert_eq!(portal.call(Role::Support, CancelBulkJob { id: id.clone() }).await.unwrap_err(), AppError::Forbidden);

    while portal.call(Role::Reseller, GetBulkJob { id: id.clone() }).await.unwrap().processed == 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let asked = portal.call(Role::Reseller, CancelBulkJob { id: id.clone() }).await.unwrap();
    assert!(matches!(asked.state, JobState::Cancelling | JobState::Cancelled), "{asked:?}");
    let job = portal.finished_job(Role::Reseller, &id).await;
    assert_eq!(job.state, JobState::Cancelled);
    assert!(job.processed > 0 && job.processed < 1_000, "{job:?}");
    // Accounts are taken in id order: the first `processed` are done, the rest untouched.
    let mut order: Vec<u64> = before.iter().map(|a| a.id).collect();
    order.sort_unstable();
    let now = portal.sandbox.snapshot();
    let (done, untouched) = order.split_at(job.processed as usize);
    assert!(done.iter().all(|id| !now.accounts[id].active), "what was done stays done");
    let was_active = |id: &u64| before.iter().find(|a| a.id == *id).unwrap().active;
    assert!(untouched.iter().all(|id| now.accounts[id].active == was_active(id)), "the rest was not changed");
    assert_eq!(audit_events(&pool, "child_account.bulk.cancel").await.len(), 2, "the cancel is on record");
    let again = portal.call(Role::Reseller, CancelBulkJob { id }).await.unwrap_err();
    assert!(matches!(again, AppError::Conflict(_)));
}

#[sqlx::test(migrations = false)]
async fn a_chunk_without_a_clear_answer_is_settled_and_a_silent_job_is_interrupted(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    let children: Vec<u64> = children_of_parent(&portal).iter().filter(|a| a.active).map(|a| a.id).take(3).collect();
    let outage = Fault { http_status: Some(503), ..Default::default() };
    portal.sandbox.set_faults(Faults([("SetChildAccountInfo".to_string(), outage)].into()));
    let id = portal.call(Role::Admin, BulkDeactivate { selection: ids(&children) }).await.unwrap();
    let job = portal.finished_job(Role::Admin, &id).await;
    assert_eq!(job.failed.len(), 3);
    assert!(job.failed[0].reason.contains("may or may not have changed"), "{:?}", job.failed[0]);
    assert!(outcomes(&pool, "child_account.bulk.chunk").await.is_empty(), "no outcome is claimed for an unclear answer");

    // The reconciler reads the children back: none changed, so the chunk did not happen.
    portal.sandbox.set_faults(Faults::default());
    assert_eq!(app::registry::reconcile(&portal.server.backend, 0).await.unwrap(), 1);
    let settled = outcomes(&pool, "child_account.bulk.chunk").await.pop().unwrap();
    assert_eq!(settled.outcome.as_deref(), Some("error"));
    assert!(settled.outcome_detail.unwrap_or_default().contains("none of the 3 accounts"));

    // A job whose instance stopped (no word for a minute) is shown as interrupted.
    sqlx::query("UPDATE bulk_jobs SET state = 'running', finished_at = NULL, heartbeat_at = now() - interval '2 minutes' WHERE id = $1::uuid")
        .bind(&id)
        .execute(&pool)
        .await
        .unwrap();
    // Its starter's list of recent jobs says so (that list marks silent jobs only when
    // one it shows is open), and so does the job's own page.
    let recent = portal.call(Role::Admin, RecentBulkJobs {}).await.unwrap();
    assert_eq!((recent[0].id.as_str(), recent[0].state), (id.as_str(), JobState::Interrupted));
    let job = portal.call(Role::Auditor, GetBulkJob { id }).await.unwrap();
    assert_eq!(job.state, JobState::Interrupted);
    assert!(job.message.unwrap_or_default().contains("The portal stopped while this job ran"));
}
