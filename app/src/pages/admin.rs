use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    access::Permission,
    connections::page::ConnectionsPanel,
    frame::Guarded,
    users::page::{TwoStepPolicyPanel, UsersPanel},
};

#[component]
pub fn AdminPage() -> impl IntoView {
    view! {
        <Guarded permission=Permission::ManageUsers>
            <Title text="Admin" />
            <section class="page">
                <header class="page-header">
                    <h1>"Admin"</h1>
                    <p class="lede">"People, roles, two-step sign-in and the Voximplant parent accounts Voxdesk works with."</p>
                </header>
                <ConnectionsPanel />
                <UsersPanel />
                <TwoStepPolicyPanel />
            </section>
        </Guarded>
    }
}
