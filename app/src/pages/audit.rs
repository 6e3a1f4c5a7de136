use leptos::prelude::*;

use super::coming_soon::ComingSoon;
use crate::auth::{components::Guarded, Permission};

#[component]
pub fn AuditPage() -> impl IntoView {
    view! {
        <Guarded permission=Permission::ViewAudit>
        <ComingSoon
            title="Audit log"
            summary="Who did what to which account, when, from where, and whether it worked."
            planned=&[
                "Every action recorded before it happens, append-only",
                "Filters by time, person, action, account and outcome",
                "Tamper-evident hash chain you can verify",
                "CSV and JSON Lines export",
            ]
        />
        </Guarded>
    }
}
