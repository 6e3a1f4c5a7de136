use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::{
    access::Permission,
    frame::Guarded,
    system::{get_system_status, SystemStatus},
};

#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <Guarded permission=Permission::SignedIn>
            <Dashboard />
        </Guarded>
    }
}

#[component]
fn Dashboard() -> impl IntoView {
    let status = Resource::new(|| (), |_| get_system_status());

    view! {
        <Title text="Dashboard" />
        <section class="page">
            <header class="page-header">
                <h1>"Dashboard"</h1>
                <p class="lede">"Your Voximplant reseller business at a glance."</p>
            </header>
            <div class="grid">
                <article class="card" aria-labelledby="status-title">
                    <h2 id="status-title">"System status"</h2>
                    <Suspense fallback=|| view! { <p class="muted" aria-busy="true">"Checking…"</p> }>
                        {move || Suspend::new(async move {
                            match status.await {
                                Ok(status) => view! { <StatusList status /> }.into_any(),
                                Err(error) => view! {
                                    <p class="alert alert-error" role="alert">{error.to_string()}</p>
                                }.into_any(),
                            }
                        })}
                    </Suspense>
                </article>
                <article class="card">
                    <h2>"Child accounts"</h2>
                    <p class="muted">"Create, clone and manage your customers' accounts."</p>
                    <A href="/children" attr:class="button button-secondary">"Open child accounts"</A>
                </article>
                <article class="card">
                    <h2>"Billing"</h2>
                    <p class="muted">"Plans, prices and subscription charges."</p>
                    <A href="/billing" attr:class="button button-secondary">"Open billing"</A>
                </article>
            </div>
        </section>
    }
}

#[component]
fn StatusList(status: SystemStatus) -> impl IntoView {
    let database = if status.database.reachable {
        match status.database.latency_ms {
            Some(ms) => format!("Reachable ({ms:.1} ms)"),
            None => "Reachable".to_string(),
        }
    } else {
        "Unreachable".to_string()
    };
    let badge = if status.is_ok() { "badge badge-ok" } else { "badge badge-warn" };
    view! {
        <dl class="facts" data-test="system-status">
            <div>
                <dt>"Overall"</dt>
                <dd><span class=badge>{if status.is_ok() { "Operational" } else { "Degraded" }}</span></dd>
            </div>
            <div>
                <dt>"Database"</dt>
                <dd data-test="database-status">{database}</dd>
            </div>
            <div>
                <dt>"Version"</dt>
                <dd>{status.version}</dd>
            </div>
        </dl>
    }
}
