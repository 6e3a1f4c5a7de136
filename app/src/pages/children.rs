use leptos::prelude::*;
use leptos_router::components::A;

use super::coming_soon::ComingSoon;
use crate::auth::{
    components::{use_auth, Guarded},
    Permission,
};

#[component]
pub fn ChildrenPage() -> impl IntoView {
    let auth = use_auth();
    let may_create = move || {
        auth.user.get().and_then(Result::ok).flatten().is_some_and(|me| me.user.role.can(Permission::ManageChildren))
    };
    view! {
        <Guarded permission=Permission::ViewChildren>
        <ComingSoon
            title="Child accounts"
            summary="Every customer account under your parent account, in one searchable list."
            planned=&[
                "The list: search, sort, filter by status, balances",
                "Clone and edit child accounts",
                "Activate and deactivate them, with confirmation",
                "See plans and verification documents",
                "Edit notification settings (support staff too)",
            ]
        >
            <Show when=may_create>
                <A href="/children/new" attr:class="button" attr:data-test="new-child">"New child account"</A>
            </Show>
        </ComingSoon>
        </Guarded>
    }
}
