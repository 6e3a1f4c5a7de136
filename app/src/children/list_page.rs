//! The child-account list. Until it is built, it says what it will do and offers
//! what already works: creating a child.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::{
    access::Permission,
    frame::{use_auth, Guarded},
    pages::coming_soon::ComingSoon,
};

#[component]
pub fn ChildrenPage() -> impl IntoView {
    let auth = use_auth();
    let may_create = move || auth.may(Permission::ManageChildren);
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
