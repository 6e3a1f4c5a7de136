use leptos::prelude::*;

use super::coming_soon::ComingSoon;

#[component]
pub fn AdminPage() -> impl IntoView {
    view! {
        <ComingSoon
            title="Admin"
            summary="People, roles and the Voximplant parent accounts Voxdesk works with."
            planned=&[
                "Add people and give them a role",
                "Connect parent accounts (credentials encrypted at rest)",
                "Rotate and remove connections",
            ]
        />
    }
}
