//! Billing's pages, under `/billing`: one heading and a tab bar over plans, charges,
//! prices and rates (`/billing` itself shows the plans).

use leptos::prelude::*;
use leptos_router::components::A;

use super::{charges_page::ChargesPage, plans_page::PlansPage, prices_page::PricesPage, rates_page::RatesPage};
use crate::{
    access::Permission,
    frame::Guarded,
    ui::{lazy_page::PageRoute, lazy_pages},
};

lazy_pages! {
    PlansPageView => PlansPage,
    ChargesPageView => ChargesPage,
    PricesPageView => PricesPage,
    RatesPageView => RatesPage,
}

/// Billing's pages (`/billing` itself shows the plans).
pub const PAGES: &[PageRoute] = &[
    PageRoute::new::<PlansPageView>("/billing"),
    PageRoute::new::<PlansPageView>("/billing/plans"),
    PageRoute::new::<ChargesPageView>("/billing/charges"),
    PageRoute::new::<PricesPageView>("/billing/prices"),
    PageRoute::new::<RatesPageView>("/billing/rates"),
];

const TABS: &[(&str, &str)] =
    &[("/billing/plans", "Plans"), ("/billing/charges", "Charges"), ("/billing/prices", "Prices"), ("/billing/rates", "Currency rates")];

/// Billing's heading and tabs around one of its pages, for the roles that may see
/// billing. Each page makes its reads before it (see `Guarded`).
#[component]
pub(super) fn BillingSection(children: ChildrenFn) -> impl IntoView {
    view! {
        <Guarded permission=Permission::ViewBilling>
            <section class="page page-wide">
                <header class="page-header">
                    <p class="eyebrow"><A href="/">"Dashboard"</A> " / Billing"</p>
                    <h1>"Billing"</h1>
                    <p class="lede">"Your plans, what is due and charging it, prices, and currency rates — all from Voximplant."</p>
                </header>
                <nav class="tabs" aria-label="Billing">
                    <ul>
                        {TABS.iter().map(|(href, label)| view! { <li><A href=*href>{*label}</A></li> }).collect_view()}
                    </ul>
                </nav>
                {children()}
            </section>
        </Guarded>
    }
}
