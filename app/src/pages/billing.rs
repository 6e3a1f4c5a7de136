use leptos::prelude::*;

use super::coming_soon::ComingSoon;
use crate::{access::Permission, frame::Guarded};

#[component]
pub fn BillingPage() -> impl IntoView {
    view! {
        <Guarded permission=Permission::ViewBilling>
        <ComingSoon
            title="Billing"
            summary="Plans, prices, currency rates and subscription charges."
            planned=&[
                "Compare plans and change a child's plan",
                "Resource prices and subscription templates",
                "Preview and charge due subscriptions",
                "Currency exchange rates",
            ]
        />
        </Guarded>
    }
}
