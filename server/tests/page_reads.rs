//! A page view asks Voximplant once per thing it shows. The guard's children are
//! built more than once while the server renders; a page that made its reads inside
//! them asked Voximplant two or three times per view (and sent each copy to the
//! browser).

mod common;

use std::collections::BTreeMap;

use app::access::Role;
use common::Portal;
use sqlx::PgPool;

/// Calls that reached the sandbox, by method, while `view` ran.
async fn calls_during<F: std::future::Future<Output = ()>>(portal: &Portal, view: F) -> BTreeMap<&'static str, u64> {
    let count = || sandbox::api::METHODS.iter().map(|m| (*m, portal.sandbox.calls_of(m))).collect::<BTreeMap<_, _>>();
    let before = count();
    view.await;
    count().into_iter().map(|(method, n)| (method, n - before[method])).filter(|(_, n)| *n > 0).collect()
}

#[sqlx::test(migrations = false)]
async fn each_page_asks_voximplant_once_per_read(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    let child = portal.sandbox.snapshot().accounts.values().filter(|a| a.parent_id.is_some()).map(|a| a.id).min().unwrap();
    let once = |methods: &[&'static str]| methods.iter().map(|m| (*m, 1)).collect::<BTreeMap<_, _>>();
    let pages = [
        ("/children?size=20&search=acme".to_string(), once(&["GetChildrenAccounts"])),
        (format!("/children/{child}"), once(&["GetAccountDocuments", "GetChildrenAccounts"])),
        (format!("/children/{child}/edit"), once(&["GetAccountDocuments", "GetChildrenAccounts"])),
        ("/billing/rates".to_string(), once(&["GetCurrencyRate"])),
    ];
    let client = portal.as_role(Role::Admin);
    for (path, expected) in pages {
        let calls = calls_during(&portal, async {
            let response = client.get(portal.server.url(&path)).send().await.unwrap();
            assert_eq!(response.status(), 200, "{path}");
            let html = response.text().await.unwrap();
            assert!(html.contains("__RESOLVED_RESOURCES"), "{path} is rendered with its data");
        })
        .await;
        assert_eq!(calls, expected, "Voximplant calls for one view of {path}");
    }
}
