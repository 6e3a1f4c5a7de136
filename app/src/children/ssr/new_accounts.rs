//! Making accounts: AddAccount and CloneAccount, each write-ahead audited and claimed
//! once per form, so a form sent twice makes one account.

use std::sync::atomic::{AtomicBool, Ordering};

use super::*;

/// What AddAccount is asked, for the audit log: every field but the password.
fn audit_params(child: &AddAccount) -> Value {
    json!({
        "account_name": child.account_name,
        "account_email": child.account_email,
        "account_password": "[redacted]",
        "account_first_name": child.account_first_name,
        "account_last_name": child.account_last_name,
        "account_custom_data": child.account_custom_data,
        "language_code": child.notifications.language_code,
        "location": child.location,
        "min_balance_to_notify": child.notifications.min_balance_to_notify,
        "record_storage": child.record_storage.as_ref().map(|storage| match storage {
            RecordStorage::Id(id) => json!({ "id": id }),
            RecordStorage::Name(name) => json!({ "name": name }),
        }),
        "active": child.active,
        "account_notifications": child.notifications.account_notifications,
        "tariff_changing_notifications": child.notifications.tariff_changing_notifications,
        "news_notifications": child.notifications.news_notifications,
    })
}

/// What CloneAccount is asked, for the audit log: every field but the password.
/// `account_name` is the copy's, which is how the reconciler finds it.
fn clone_audit_params(clone: &CloneAccount, source: u64) -> Value {
    json!({
        "source_account_id": source,
        "account_name": clone.new_account_name,
        "account_email": clone.new_account_email,
        "account_password": "[redacted]",
        "account_first_name": clone.account_first_name,
        "account_last_name": clone.account_last_name,
        "account_custom_data": clone.account_custom_data,
        "language_code": clone.language_code,
        "location": clone.location,
    })
}

/// A form that makes an account, claimed once for its user (see [`crate::submission`]).
fn submission<'a>(
    access: &'a Authorized<cap::ManageChildren>,
    key: &'a FormKey,
    action: &'static str,
    request: &'a Value,
) -> Submission<'a> {
    Submission { pool: access.db(), keyring: access.backend().keyring(), user: access.user().id, key, action, request }
}

/// The child named `name`, if the parent has one: how a resend after an unclear
/// answer learns that the first submission made it after all.
pub(in crate::children) async fn child_named(client: &Client, name: &str) -> Result<Option<ChildAccount>, AppError> {
    let request = GetChildrenAccounts { child_account_name: Some(name.to_string()), ..Default::default() };
    let answer = client.get_children_accounts(request).await?;
    Ok(answer.result.into_iter().find(|a| a.account_name.as_deref() == Some(name)).map(child_view))
}

/// That a new account's API key is shown: the key is shown only if this is on record
/// (each time it is shown); the account exists either way.
fn key_shown(method: &str, name: &str, account_id: u64) -> NewEvent {
    NewEvent::fact(actions::SHOW_API_KEY, child_targets(name, account_id), json!({ "method": method }), Outcome::Ok)
}

/// The key, if showing it is on record: recorded with the outcome when this request
/// made the account, otherwise now (a resend shows the key again, or the first
/// record failed).
async fn shown_if_on_record(
    access: &Authorized<cap::ManageChildren>,
    context: &AuditContext,
    shown: NewEvent,
    recorded_with_outcome: bool,
    key: Option<String>,
) -> Option<String> {
    let key = key?;
    if recorded_with_outcome {
        return Some(key);
    }
    match append(access.db(), context, shown).await {
        Ok(_) => Some(key),
        Err(error) => {
            tracing::error!(%error, "new API key withheld: its display could not be audited");
            None
        }
    }
}

pub(super) async fn create(access: &Authorized<cap::ManageChildren>, child: NewChild, key: FormKey) -> Result<CreatedChild, AppError> {
    let (context, client) = connected(access).await?;
    let request = child.request();
    let name = request.account_name.clone();
    let params = audit_params(&request);
    let claim = submission(access, &key, actions::CREATE.name, &params);
    // Set when "key shown" went on record in the outcome's commit.
    let key_shown_on_record = AtomicBool::new(false);
    let act = || async {
        let (created, on_record) = audited_with_fact(access.db(), &context, &actions::CREATE, json!([name]), params.clone(), || async {
            // Checked inside the audit: an invalid attempt is on record too (as `invalid`).
            child.check()?;
            let created = client.add_account(request).await?;
            let targets = child_targets(&name, created.account_id);
            let shown = key_shown(AddAccount::NAME, &name, created.account_id);
            Ok(Performed::new(created).with_targets(targets).with_fact(shown))
        })
        .await
        .map_err(next_to_field("account_email"))?;
        key_shown_on_record.store(on_record, Ordering::Relaxed);
        let shown = CreatedChild {
            account_id: created.account_id,
            account_name: name.clone(),
            active: created.active,
            api_key: None,
            again: false,
        };
        Ok((shown, Some(created.api_key.expose().to_string())))
    };
    let look_up = || async {
        Ok(child_named(&client, &name).await?.map(|found| CreatedChild {
            account_id: found.account_id,
            account_name: found.account_name,
            active: found.active,
            api_key: None,
            again: true,
        }))
    };
    let answered = claim.once(act, look_up).await?;
    let mut created = answered.value;
    created.again = answered.again;
    let shown = key_shown(AddAccount::NAME, &name, created.account_id);
    created.api_key =
        shown_if_on_record(access, &context, shown, key_shown_on_record.into_inner(), answered.secret).await;
    Ok(created)
}

pub(super) async fn clone_child(
    access: &Authorized<cap::ManageChildren>,
    source: u64,
    child: NewChild,
    key: FormKey,
) -> Result<ClonedChild, AppError> {
    let (context, client) = connected(access).await?;
    // The source must be one of this parent's children (Voximplant would only say
    // "authorization failed" otherwise).
    let original = read_child(&client, source).await.map_err(|error| match error {
        AppError::NotFound(_) => AppError::NotFound(format!("Child account {source}, the one to copy,")),
        error => error,
    })?;
    let request = child.clone_request(source);
    let name = request.new_account_name.clone();
    let params = clone_audit_params(&request, source);
    let claim = submission(access, &key, actions::CLONE.name, &params);
    // Set when "key shown" went on record in the outcome's commit.
    let key_shown_on_record = AtomicBool::new(false);
    let act = || async {
        let targets = json!([name, original.account_name, source.to_string()]);
        let (cloned, on_record) = audited_with_fact(access.db(), &context, &actions::CLONE, targets, params.clone(), || async {
            AppError::check_all(child.clone_problems())?;
            let cloned = client.clone_account(request).await?.result;
            let targets = json!([name, cloned.account_id.to_string(), original.account_name, source.to_string()]);
            let shown = key_shown(CloneAccount::NAME, &name, cloned.account_id);
            Ok(Performed::new(cloned).with_targets(targets).with_fact(shown))
        })
        .await
        .map_err(|error| match error {
            AppError::Upstream { code, .. } if ErrorCode::from_code(code) == ErrorCode::InvalidAccountId => {
                AppError::NotFound(format!("Child account {source}, the one to copy,"))
            }
            error => next_to_field("account_email")(error),
        })?;
        key_shown_on_record.store(on_record, Ordering::Relaxed);
        let api_key = cloned.api_key.expose().to_string();
        Ok((copied(source, cloned), Some(api_key)))
    };
    let look_up = || async {
        Ok(child_named(&client, &name).await?.map(|found| ClonedChild {
            source_account_id: source,
            account_id: found.account_id,
            account_name: found.account_name,
            account_email: found.account_email,
            active: found.active,
            api_key: None,
            copied: Vec::new(),
            again: true,
        }))
    };
    let answered = claim.once(act, look_up).await?;
    let mut cloned = answered.value;
    cloned.again = answered.again;
    let shown = key_shown(CloneAccount::NAME, &name, cloned.account_id);
    cloned.api_key =
        shown_if_on_record(access, &context, shown, key_shown_on_record.into_inner(), answered.secret).await;
    Ok(cloned)
}

/// What the browser is told about a clone: names of what was copied, never the
/// copied admin users' API keys.
fn copied(source: u64, cloned: ClonedAccount) -> ClonedChild {
    let kind = |kind: &str, names: Vec<String>| CopiedKind { kind: kind.into(), names };
    let rules = cloned.applications.iter().flat_map(|app| app.rules.iter().map(|r| r.rule_name.clone())).collect();
    ClonedChild {
        source_account_id: source,
        account_id: cloned.account_id,
        account_name: cloned.account_name,
        account_email: cloned.account_email,
        active: cloned.active,
        api_key: None,
        copied: vec![
            kind("Applications", cloned.applications.iter().map(|a| a.application_name.clone()).collect()),
            kind("Rules", rules),
            kind("Users", cloned.users.into_iter().map(|u| u.user_name).collect()),
            kind("Scenarios", cloned.scenarios.into_iter().map(|s| s.scenario_name).collect()),
            kind("ACD queues", cloned.acd_queues.into_iter().map(|q| q.acd_queue_name).collect()),
            kind("ACD skills", cloned.acd_skills.into_iter().map(|s| s.skill_name).collect()),
            kind("Admin roles", cloned.admin_roles.into_iter().map(|r| r.admin_role_name).collect()),
            kind("Admin users", cloned.admin_users.into_iter().map(|u| u.admin_user_name).collect()),
        ],
        again: false,
    }
}
