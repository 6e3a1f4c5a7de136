//! The master keys that seal stored Voximplant credentials: where they come from,
//! and `voxdesk keys rotate`.

use std::path::{Path, PathBuf};

use app::{
    audit::ssr::{audited, AuditContext, Performed},
    connections::ssr::rewrap_all,
    vault::Keyring,
};

use crate::{
    cli::{DatabaseArgs, KeysAction},
    database::Database,
};

pub const KEY_FILE: &str = "master-keys.json";

/// The keyring: from VOXDESK_MASTER_KEY when set, else the key file in the data
/// directory, which is created (with a warning) on first start.
pub fn load_or_create(data_dir: &Path) -> anyhow::Result<Keyring> {
    if let Ok(value) = std::env::var("VOXDESK_MASTER_KEY") {
        return Keyring::from_base64(&value).map_err(|e| anyhow::anyhow!("{e}"));
    }
    let path = key_file(data_dir);
    if path.exists() {
        return Keyring::load(&path).map_err(|e| anyhow::anyhow!("{e}"));
    }
    std::fs::create_dir_all(data_dir).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", data_dir.display()))?;
    let keyring = Keyring::generate();
    keyring.save(&path).map_err(|e| anyhow::anyhow!("{e}"))?;
    tracing::warn!(
        path = %path.display(),
        "generated a master key for stored Voximplant credentials. Back it up and keep it away from database \
         backups: without it stored credentials are lost, with it and the database they can be read. \
         For production set VOXDESK_MASTER_KEY (32 random bytes, base64) instead."
    );
    Ok(keyring)
}

pub fn key_file(data_dir: &Path) -> PathBuf {
    data_dir.join(KEY_FILE)
}

pub async fn run(database_args: DatabaseArgs, action: KeysAction) -> anyhow::Result<()> {
    match action {
        KeysAction::Rotate => rotate(&database_args).await,
    }
}

/// Adds a new master key, re-seals every stored data key under it, checks that every
/// row opens under the new key alone, and only then retires the old keys. Refused
/// while a server runs (it keeps the old keyring in memory). The key file is written
/// before and after, so a crash in between leaves a file that still opens everything.
async fn rotate(args: &DatabaseArgs) -> anyhow::Result<()> {
    if std::env::var_os("VOXDESK_MASTER_KEY").is_some() {
        anyhow::bail!(
            "VOXDESK_MASTER_KEY is set: rotate by setting a new value after re-sealing with the key file, \
             or unset it to rotate the key file in the data directory"
        );
    }
    let path = key_file(&args.data_dir);
    let database = Database::open(args).await?;
    let result = async {
        let _alone = crate::database::no_server_running(&database.pool, "rotate the master key").await?;
        database.prepare().await?;
        let mut keyring = Keyring::load(&path).map_err(|e| anyhow::anyhow!("{e}"))?;
        let old = keyring.key_ids();
        let new = keyring.add_active_key();
        keyring.save(&path).map_err(|e| anyhow::anyhow!("{e}"))?;
        let context = AuditContext::system(&crate::cli::actor());
        let params = serde_json::json!({ "from": old, "to": new });
        let count = audited(&database.pool, &context, &app::connections::actions::KEYS_ROTATE, serde_json::json!([]), params, || async {
            let connections = rewrap_all(&database.pool, &keyring).await?;
            let secrets = app::auth::ssr::mfa::rewrap_all(&database.pool, &keyring).await?;
            Ok(Performed::new(connections).with_changes(serde_json::json!({ "two_step_secrets": secrets })))
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        // Retire only what nothing needs: every row must open under the new key alone.
        let mut new_only = keyring.clone();
        new_only.retire_inactive();
        let mut unopened: Vec<String> =
            app::connections::ssr::unopenable(&database.pool, &new_only).await.map_err(|e| anyhow::anyhow!("{e}"))?.iter().map(|id| format!("connection {id}")).collect();
        let secrets = app::auth::ssr::mfa::unopenable(&database.pool, &new_only).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        unopened.extend(secrets.iter().map(|user| format!("two-step secret of user {user}")));
        if !unopened.is_empty() {
            anyhow::bail!(
                "{} stored secret(s) do not open under the new key ({}); the old keys stay in {} until they do",
                unopened.len(),
                unopened.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
                path.display()
            );
        }
        keyring = new_only;
        keyring.save(&path).map_err(|e| anyhow::anyhow!("{e}"))?;
        anyhow::Ok((old, new, count))
    }
    .await;
    database.close().await;
    let (old, new, count) = result?;
    println!("rotated the master key: {} -> {new}; re-sealed {count} connection(s)", old.join(", "));
    Ok(())
}
