//! The audit log's own actions: reading it, checking the chain, exporting it.

use super::{GetActivity, GetEvent, ListEvents, VerifyChain};
use crate::{access::Permission, action::Endpoint};

/// Facts: a chain check and an export are on record, with their results.
pub const VERIFY: &str = "audit.verify";
pub const EXPORT: &str = "audit.export";
pub use super::ssr::ARCHIVE;

pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint::read::<ListEvents>(Permission::ViewAudit),
    Endpoint::read::<GetEvent>(Permission::ViewAudit),
    Endpoint::read::<GetActivity>(Permission::ViewAudit),
    Endpoint::read::<VerifyChain>(Permission::ViewAudit),
];
