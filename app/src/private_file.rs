//! Files that hold secrets (master keys, the audit-head key, the private cluster's
//! secret, sandbox credentials): created readable by their owner only, and refused
//! when others can read them — with the `chmod` that fixes it. One place, so every
//! such file gets the same rules and the same message.

use std::{
    io::Write,
    os::unix::fs::{OpenOptionsExt, PermissionsExt},
    path::Path,
};

/// How [`write`] treats a file that exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Its contents are replaced.
    Replace,
    /// The bytes go after them.
    Append,
    /// It is removed first, so the new file is ours from its first byte (never a file
    /// someone else made and we only opened).
    Recreate,
}

/// Writes `bytes` to `path`, mode 0600, and syncs it to disk.
pub fn write(path: &Path, bytes: &[u8], existing: Existing) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).mode(0o600);
    match existing {
        Existing::Replace => options.create(true).truncate(true),
        Existing::Append => options.create(true).append(true),
        Existing::Recreate => {
            match std::fs::remove_file(path) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error),
                _ => {}
            }
            options.create_new(true)
        }
    };
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Replaces `path` with `bytes` (mode 0600) in one step: written beside it, synced,
/// then renamed over it, so a crash leaves the old file or the new one, never half.
pub fn replace_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = path.with_extension("tmp");
    write(&temporary, bytes, Existing::Recreate)?;
    std::fs::rename(&temporary, path)
}

/// `Err` with the reason and the fix when anyone but the owner may read `path`.
pub fn refuse_if_others_can_read(path: &Path) -> Result<(), String> {
    let mode = std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?.permissions().mode();
    if mode & 0o077 != 0 {
        return Err(format!("{} can be read by others (mode {:o}): run `chmod 600 {}`", path.display(), mode & 0o777, path.display()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_files_are_the_owners_alone_and_open_ones_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        write(&path, b"one", Existing::Replace).unwrap();
        write(&path, b"+two", Existing::Append).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"one+two");
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert!(refuse_if_others_can_read(&path).is_ok());

        // A file someone left readable is recreated, not reused with its mode.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let refused = refuse_if_others_can_read(&path).unwrap_err();
        assert!(refused.contains("mode 644") && refused.contains("chmod 600"), "{refused}");
        write(&path, b"three", Existing::Recreate).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"three");
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
