//! The signed head: the audit log's newest sequence number and hash, signed with a key
//! kept outside the database (HMAC-SHA256) and appended to a file in the data
//! directory (and the log) once a minute while it moves. The chain proves that events
//! fit together; the signed heads prove which chain it was, so whoever owns the
//! database still cannot rewrite history and recompute every hash unnoticed:
//! `voxdesk audit verify` checks each signed head against the log.

use std::{
    io::BufRead,
    path::{Path, PathBuf},
    time::Duration,
};

use app::{
    audit::ssr::{current_head, stored_hash, StoredHash},
    private_file::{self, Existing},
};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

pub const HEADS_FILE: &str = "audit-heads.jsonl";
pub const KEY_FILE: &str = "audit-head.key";
/// How often the head is signed while events are written.
pub const INTERVAL: Duration = Duration::from_secs(60);

/// One published head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedHead {
    pub at: String,
    pub seq: i64,
    pub hash: String,
    pub hmac: String,
}

/// Signs heads and checks them: the key and where heads go.
#[derive(Clone)]
pub struct HeadSigner {
    key: [u8; 32],
    heads: PathBuf,
}

impl HeadSigner {
    /// The key from VOXDESK_AUDIT_HEAD_KEY (base64 of 32 bytes; give every instance the
    /// same one) or `audit-head.key` in the data directory, created readable by its
    /// owner only on first use. Heads go to `audit-heads.jsonl` beside it.
    pub fn open(data_dir: &Path) -> anyhow::Result<Self> {
        let heads = data_dir.join(HEADS_FILE);
        if let Ok(text) = std::env::var("VOXDESK_AUDIT_HEAD_KEY") {
            return Ok(HeadSigner { key: decode_key(&text, "VOXDESK_AUDIT_HEAD_KEY")?, heads });
        }
        let path = data_dir.join(KEY_FILE);
        if path.exists() {
            private_file::refuse_if_others_can_read(&path).map_err(anyhow::Error::msg)?;
            let text = std::fs::read_to_string(&path)?;
            return Ok(HeadSigner { key: decode_key(&text, &path.display().to_string())?, heads });
        }
        std::fs::create_dir_all(data_dir)?;
        let key: [u8; 32] = rand::random();
        write_private(&path, base64::engine::general_purpose::STANDARD.encode(key).as_bytes(), Existing::Replace)?;
        tracing::warn!(path = %path.display(), "generated the key that signs the audit head; keep it away from the database and its backups");
        Ok(HeadSigner { key, heads })
    }

    pub fn heads_file(&self) -> &Path {
        &self.heads
    }

    fn mac(&self, seq: i64, hash: &str) -> String {
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(format!("voxdesk-audit-head-v1|{seq}|{hash}").as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Signs the current head and appends it, unless it is still `last_seq`. Answers
    /// the head's sequence number.
    pub async fn publish(&self, pool: &PgPool, last_seq: Option<i64>) -> anyhow::Result<Option<i64>> {
        let Some((seq, hash)) = current_head(pool).await.map_err(|e| anyhow::anyhow!("{e}"))? else { return Ok(last_seq) };
        if Some(seq) == last_seq {
            return Ok(last_seq);
        }
        let head = SignedHead { at: chrono::Utc::now().to_rfc3339(), seq, hmac: self.mac(seq, &hash), hash };
        let line = serde_json::to_string(&head)? + "\n";
        write_private(&self.heads, line.as_bytes(), Existing::Append)?;
        tracing::info!(seq, hash = %head.hash, hmac = %head.hmac, "audit head signed");
        Ok(Some(seq))
    }

    /// Checks every signed head in the file against the log.
    pub async fn check(&self, pool: &PgPool) -> anyhow::Result<HeadsCheck> {
        let file = match std::fs::File::open(&self.heads) {
            Ok(file) => file,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(HeadsCheck::default()),
            Err(error) => anyhow::bail!("cannot read {}: {error}", self.heads.display()),
        };
        let mut check = HeadsCheck::default();
        for (index, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            let problem = |reason: String| Some(format!("{} line {}: {reason}", self.heads.display(), index + 1));
            let Ok(head) = serde_json::from_str::<SignedHead>(&line) else {
                check.problem = problem("not a signed head".into());
                break;
            };
            if self.mac(head.seq, &head.hash) != head.hmac {
                check.problem = problem(format!("the head of event {} is not signed with this key", head.seq));
                break;
            }
            match stored_hash(pool, head.seq).await.map_err(|e| anyhow::anyhow!("{e}"))? {
                StoredHash::InLog(hash) if hash == head.hash => check.matched += 1,
                StoredHash::Archived { checkpoint_hash: None } => check.archived += 1,
                StoredHash::Archived { checkpoint_hash: Some(hash) } if hash == head.hash => check.matched += 1,
                StoredHash::Missing => {
                    check.problem = problem(format!("event {} was signed at {} and is no longer in the log", head.seq, head.at));
                    break;
                }
                _ => {
                    check.problem = problem(format!("event {} is not the one signed at {}: history was rewritten", head.seq, head.at));
                    break;
                }
            }
        }
        Ok(check)
    }
}

/// What checking the signed heads found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct HeadsCheck {
    /// Heads whose event still has the signed hash.
    pub matched: usize,
    /// Heads of archived events (check those against the archive file).
    pub archived: usize,
    /// The first head that does not match, and why.
    pub problem: Option<String>,
}

/// Signs the head every [`INTERVAL`] while it moves (and logs each).
pub async fn publish_forever(signer: HeadSigner, pool: PgPool) {
    let mut last = None;
    loop {
        match signer.publish(&pool, last).await {
            Ok(seq) => last = seq,
            Err(error) => tracing::error!(%error, "the audit head could not be signed"),
        }
        tokio::time::sleep(INTERVAL).await;
    }
}

fn decode_key(text: &str, source: &str) -> anyhow::Result<[u8; 32]> {
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| anyhow::anyhow!("{source} must hold 32 bytes in base64"))
}

fn write_private(path: &Path, bytes: &[u8], existing: Existing) -> anyhow::Result<()> {
    private_file::write(path, bytes, existing).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
}
