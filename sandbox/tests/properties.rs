//! The sandbox's request reading over generated calls: whatever a client sends — any
//! method name, any parameters, values of any shape, in the query, a form or JSON — the
//! answer is HTTP 200 with either a result or an error carrying a code and a message,
//! as the real API answers; never a server error, a hang or a panic.

use axum::{body::Body, http::Request};
use proptest::prelude::*;
use sandbox::{api::METHODS, fuzzing::problem_with_answer, Sandbox, SandboxConfig};
use tower::ServiceExt;

/// Parameter names the methods read, and some they do not.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "account_id", "account_name", "account_email", "account_password", "child_account_id",
            "active", "amount", "currency", "plan_type", "plan_subscription_template_id", "from_date",
            "to_date", "language_code", "location", "callback_url", "count", "offset", "order_by",
            "return_live_balance", "child_account_name", "parameter", "with_details",
        ])
        .prop_map(str::to_string),
        "[a-z_]{1,16}",
    ]
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "-?[0-9]{1,22}(\\.[0-9]{0,10})?", "(true|false|all|1;2;3|;;|)", "[a-z0-9@.-]{0,30}"]
}

#[derive(Debug, Clone)]
enum Shape {
    Query,
    Form,
    Json,
}

fn call() -> impl Strategy<Value = (String, Vec<(String, String)>, Shape)> {
    let method = prop_oneof![prop::sample::select(METHODS.to_vec()).prop_map(str::to_string), "[A-Za-z]{0,20}"];
    let shape = prop_oneof![Just(Shape::Query), Just(Shape::Form), Just(Shape::Json)];
    (method, proptest::collection::vec((name(), value()), 0..8), shape)
}

fn request(method: &str, params: &[(String, String)], shape: &Shape) -> Request<Body> {
    let encoded = || {
        let mut form = form_urlencoded::Serializer::new(String::new());
        for (name, value) in params {
            form.append_pair(name, value);
        }
        form.finish()
    };
    let path = format!("/platform_api/{}", method);
    match shape {
        Shape::Query => Request::get(format!("{path}?{}", encoded())).body(Body::empty()).unwrap(),
        Shape::Form => Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(encoded()))
            .unwrap(),
        Shape::Json => {
            let object: serde_json::Map<String, serde_json::Value> =
                params.iter().map(|(n, v)| (n.clone(), serde_json::Value::String(v.clone()))).collect();
            Request::post(path).header("content-type", "application/json").body(Body::from(serde_json::to_vec(&object).unwrap())).unwrap()
        }
    }
}

/// One sandbox for every case: its state carries on from call to call, as a real
/// account's does.
fn shared() -> &'static (Sandbox, tokio::runtime::Runtime) {
    static SHARED: std::sync::OnceLock<(Sandbox, tokio::runtime::Runtime)> = std::sync::OnceLock::new();
    SHARED.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        (Sandbox::new(SandboxConfig::default()).unwrap(), runtime)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn any_call_gets_a_result_or_a_coded_error((method, mut params, shape) in call(), authenticated in any::<bool>()) {
        let (sandbox, runtime) = shared();
        if authenticated {
            let parent = sandbox.parent();
            params.insert(0, ("account_id".into(), parent.account_id.to_string()));
            params.insert(1, ("api_key".into(), parent.api_key));
        }
        let response = runtime.block_on(sandbox.router().oneshot(request(&method, &params, &shape))).unwrap();
        let status = response.status().as_u16();
        let body = runtime.block_on(axum::body::to_bytes(response.into_body(), 8 * 1024 * 1024)).unwrap();
        let problem = problem_with_answer(status, &body);
        prop_assert!(problem.is_none(), "{} {:?}: {:?}", method, params, problem);
        // The state is still whole: a snapshot serializes.
        prop_assert!(serde_json::to_string(&sandbox.snapshot()).is_ok());
    }
}
