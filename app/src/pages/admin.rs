use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    access::Permission,
    connections::page::{ConnectionsPanel, ConnectionsPanelState},
    frame::Guarded,
    users::page::{TwoStepPolicyPanel, TwoStepPolicyState, UsersPanel, UsersPanelState},
};

#[component]
pub fn AdminPage() -> impl IntoView {
    // Made before the guard, once per view (see `Guarded`).
    let (connections, users, policy) = (ConnectionsPanelState::new(), UsersPanelState::new(), TwoStepPolicyState::new());
    view! {
        <Guarded permission=Permission::ManageUsers>
            <Title text="Admin" />
            <section class="page">
                <header class="page-header">
                    <h1>"Admin"</h1>
                    <p class="lede">"People, roles, two-step sign-in and the Voximplant parent accounts Voxdesk works with."</p>
                </header>
                <ConnectionsPanel state=connections />
                <UsersPanel state=users />
                <TwoStepPolicyPanel state=policy />
            </section>
        </Guarded>
    }
}
