use leptos::prelude::*;

use super::coming_soon::ComingSoon;
use crate::auth::{components::Guarded, Permission};

#[component]
pub fn ChildrenPage() -> impl IntoView {
    view! {
        <Guarded permission=Permission::ViewChildren>
        <ComingSoon
            title="Child accounts"
            summary="Every customer account under your parent account, in one searchable list."
            planned=&[
                "Create, clone and edit child accounts",
                "Activate and deactivate them, with confirmation",
                "See balances, plans and verification documents",
                "Edit notification settings (support staff too)",
            ]
        />
        </Guarded>
    }
}
