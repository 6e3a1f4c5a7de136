//! The task that runs one bulk job: resolves a filter's ids, sends each chunk as
//! its own audited SetChildAccountInfo, reports progress through the job's row, and
//! writes the job's outcome when it ends.

use super::*;

/// The task that does one job.
pub(super) struct Runner {
    pub(super) pool: PgPool,
    pub(super) context: AuditContext,
    pub(super) client: Client,
    pub(super) job: Uuid,
    pub(super) action: BulkAction,
    pub(super) set: Map<String, Value>,
    pub(super) filter: Option<ChildQuery>,
    pub(super) intent_seq: i64,
    pub(super) calls: AtomicU64,
}

impl Runner {
    pub(super) async fn run(self) {
        let result = self.work().await;
        if let Err(error) = &result {
            tracing::warn!(job = %self.job, %error, "bulk job stopped");
        }
        self.finish(result.err()).await;
    }

    async fn work(&self) -> Result<(), AppError> {
        let ids = match &self.filter {
            Some(query) => self.resolve(query).await?,
            None => {
                let ids: Vec<i64> =
                    sqlx::query_scalar("SELECT account_ids FROM bulk_jobs WHERE id = $1").bind(self.job).fetch_one(&self.pool).await?;
                ids.into_iter().map(|id| id as u64).collect()
            }
        };
        for chunk in ids.chunks(CHUNK_SIZE) {
            if self.cancel_asked().await? {
                return Ok(());
            }
            let calls_before = self.calls.load(Ordering::Relaxed);
            let failed = self.chunk(chunk).await;
            let calls = self.calls.load(Ordering::Relaxed) - calls_before;
            let failed = serde_json::to_value(failed).unwrap_or(json!([]));
            sqlx::query(
                "UPDATE bulk_jobs SET processed = processed + $2, failures = failures || $3, calls = calls + $4,
                        heartbeat_at = now() WHERE id = $1",
            )
            .bind(self.job)
            .bind(chunk.len() as i32)
            .bind(failed)
            .bind(calls as i32)
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    /// Every child the filter matches, looked up page by page (ids only).
    async fn resolve(&self, query: &ChildQuery) -> Result<Vec<u64>, AppError> {
        let mut request: GetChildrenAccounts = query.every_match().request()?;
        request.brief_output = Some(true);
        request.return_live_balance = None;
        request.count = Some(RESOLVE_PAGE);
        let mut ids = Vec::new();
        loop {
            request.offset = Some(ids.len() as u64);
            self.calls.fetch_add(1, Ordering::Relaxed);
            let page = self.client.get_children_accounts(request.clone()).await?;
            if page.total_count > MAX_ACCOUNTS {
                return Err(AppError::invalid(
                    "selection",
                    format!("{} accounts match; one bulk change may cover at most {MAX_ACCOUNTS}. Narrow the filter.", page.total_count),
                ));
            }
            let found = page.result.len();
            ids.extend(page.result.into_iter().map(|account| account.account_id));
            sqlx::query("UPDATE bulk_jobs SET total = $2, calls = calls + 1, heartbeat_at = now() WHERE id = $1")
                .bind(self.job)
                .bind(page.total_count as i32)
                .execute(&self.pool)
                .await?;
            if found == 0 || ids.len() as u64 >= page.total_count {
                break;
            }
        }
        ids.sort_unstable();
        ids.dedup();
        let stored: Vec<i64> = ids.iter().map(|&id| id as i64).collect();
        sqlx::query(
            "UPDATE bulk_jobs SET account_ids = $2, total = $3, heartbeat_at = now(),
                    state = CASE WHEN state = 'resolving' THEN 'running' ELSE state END WHERE id = $1",
        )
        .bind(self.job)
        .bind(&stored)
        .bind(stored.len() as i32)
        .execute(&self.pool)
        .await?;
        Ok(ids)
    }

    async fn cancel_asked(&self) -> Result<bool, AppError> {
        let state: String = sqlx::query_scalar("SELECT state FROM bulk_jobs WHERE id = $1").bind(self.job).fetch_one(&self.pool).await?;
        Ok(state == "cancelling")
    }

    /// One audited SetChildAccountInfo for `ids`; the accounts that failed, and why.
    async fn chunk(&self, ids: &[u64]) -> Vec<FailedAccount> {
        let targets = json!(ids.iter().map(u64::to_string).collect::<Vec<_>>());
        let params = json!({ "job": self.job, "child_account_ids": ids, "set": self.set });
        let request = bulk_request(&self.set, ids);
        let result = audited(&self.pool, &self.context, &actions::BULK_CHUNK, targets, params, || async {
            let mut waits = RATE_LIMIT_BACKOFF.iter();
            loop {
                self.calls.fetch_add(1, Ordering::Relaxed);
                match self.client.set_child_account_info(request.clone()).await {
                    Ok(_) => return Ok(Performed::new(())),
                    Err(VoxError::Api { code: ErrorCode::RateLimitExceeded, .. }) if waits.len() > 0 => {
                        tokio::time::sleep(*waits.next().expect("checked")).await;
                    }
                    Err(error) => return Err(AppError::from(error)),
                }
            }
        })
        .await;
        match result {
            Ok(()) => Vec::new(),
            Err(error) => {
                let reason = match &error {
                    error if error.is_unclear_voximplant_answer() => format!(
                        "{error} These accounts may or may not have changed; retrying is safe."
                    ),
                    error => error.to_string(),
                };
                ids.iter().map(|&id| FailedAccount { id, reason: reason.clone() }).collect()
            }
        }
    }

    /// The job's end: its state and the whole job's outcome. The row stays locked until the
    /// outcome is written, so whoever sees the job closed also finds its outcome on record.
    async fn finish(&self, error: Option<AppError>) {
        let message = error.map(|error| format!("Stopped: {error}"));
        let closed = async {
            let mut tx = self.pool.begin().await?;
            let row: (String, i32, i32, i64) = sqlx::query_as(
                "UPDATE bulk_jobs SET finished_at = now(), heartbeat_at = now(), message = $2,
                        state = CASE WHEN state = 'cancelling' THEN 'cancelled' WHEN $2 IS NULL THEN 'done' ELSE 'interrupted' END
                 WHERE id = $1
                 RETURNING state, total, processed, jsonb_array_length(failures)::bigint",
            )
            .bind(self.job)
            .bind(&message)
            .fetch_one(&mut *tx)
            .await?;
            Ok::<_, sqlx::Error>((tx, row))
        }
        .await;
        let (tx, (state, total, processed, failed)) = match closed {
            Ok(closed) => closed,
            Err(error) => {
                tracing::error!(job = %self.job, %error, "bulk job's end not recorded; the reconciler settles it");
                return;
            }
        };
        let outcome = if state == "done" && failed == 0 { Outcome::Ok } else { Outcome::Error };
        let audited = audited_action(self.action);
        let detail = json!({ "state": state, "total": total, "processed": processed, "failed": failed, "message": message });
        let event = NewEvent::outcome(self.intent_seq, audited.name, audited.method, json!([self.job.to_string()]), outcome)
            .with_detail(detail);
        if let Err(error) = append(&self.pool, &self.context, event).await {
            tracing::error!(job = %self.job, %error, "bulk job's outcome not recorded; the reconciler settles it");
        }
        if let Err(error) = tx.commit().await {
            tracing::error!(job = %self.job, %error, "bulk job's end not recorded; it shows as interrupted");
        }
    }
}

/// SetChildAccountInfo for `ids` with the job's settings (active, the switches).
fn bulk_request(set: &Map<String, Value>, ids: &[u64]) -> SetChildAccountInfo {
    let mut request = SetChildAccountInfo::new(ChildSelection::Ids(Selection::Only(ids.to_vec())));
    let flag = |name: &str| set.get(name).and_then(Value::as_bool);
    request.active = flag("active");
    request.notifications = NotificationSettings {
        account_notifications: flag("account_notifications"),
        tariff_changing_notifications: flag("tariff_changing_notifications"),
        news_notifications: flag("news_notifications"),
        ..Default::default()
    };
    request
}
