//! Billing's pages, under `/billing`: one heading and a tab bar over plans, charges,
//! prices and rates (`/billing` itself shows the plans).

use leptos::prelude::*;
use leptos_router::{
    components::{Outlet, ParentRoute, Route, A},
    path, Lazy, MatchNestedRoutes, SsrMode,
};

use super::{charges_page::ChargesPage, plans_page::PlansPage, prices_page::PricesPage, rates_page::RatesPage};
use crate::{access::Permission, frame::Guarded, ui::lazy_pages};

lazy_pages! {
    PlansPageView => PlansPage,
    ChargesPageView => ChargesPage,
    PricesPageView => PricesPage,
    RatesPageView => RatesPage,
}

#[component(transparent)]
pub fn BillingRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <ParentRoute path=path!("/billing") view=Outlet ssr=SsrMode::Async>
            <Route path=path!("") view={Lazy::<PlansPageView>::new()} ssr=SsrMode::Async />
            <Route path=path!("plans") view={Lazy::<PlansPageView>::new()} ssr=SsrMode::Async />
            <Route path=path!("charges") view={Lazy::<ChargesPageView>::new()} ssr=SsrMode::Async />
            <Route path=path!("prices") view={Lazy::<PricesPageView>::new()} ssr=SsrMode::Async />
            <Route path=path!("rates") view={Lazy::<RatesPageView>::new()} ssr=SsrMode::Async />
        </ParentRoute>
    }
    .into_inner()
}

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
