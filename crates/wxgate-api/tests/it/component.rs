//! A third-party platform against the sandbox's Open Platform: the verify ticket kept across
//! restarts, the component token's single flight, authorizers stored by `query_auth`, rotating
//! refresh tokens, 61023 reported as a re-authorization, one refresher across instances.

use std::sync::Arc;

use serde_json::{Value, json};
use wxgate_api::endpoint::component::api_authorizer_token;
use wxgate_api::endpoint::getcallbackip;
use wxgate_api::{ComponentAccount, ComponentCredentials, ErrorKind, Secret};
use wxgate_proto::clock::{Clock as _, unix_ms};
use wxgate_store::Store;

use crate::common::{APP_ID, Env, memory_store, unique};

const COMPONENT_APPID: &str = "wxc0123456789abcd";
const COMPONENT_SECRET: &str = "component-secret-0001";

/// A sandbox with the app and a component whose pushes go nowhere (the tests hand the ticket
/// over themselves, as the gateway's event route would).
async fn start() -> Env {
    start_with(wxgate_sandbox::SandboxConfig::default()).await
}

async fn start_with(config: wxgate_sandbox::SandboxConfig) -> Env {
    let env = Env::start_with(config).await;
    let response = env
        .http
        .post(format!("{}/sandbox/components", env.base_url()))
        .json(&json!({
            "component_appid": COMPONENT_APPID,
            "component_appsecret": COMPONENT_SECRET,
            "token": "componenttoken",
            "encoding_aes_key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
            "events_url": "http://127.0.0.1:9/events",
            "message_url": "",
        }))
        .send()
        .await
        .expect("create component");
    assert!(response.status().is_success(), "{}", response.status());
    env
}

async fn sandbox_component(env: &Env) -> Value {
    env.http
        .get(format!(
            "{}/sandbox/components/{COMPONENT_APPID}",
            env.base_url()
        ))
        .send()
        .await
        .expect("component")
        .json()
        .await
        .expect("component json")
}

/// How many times the sandbox served `path` to the component.
async fn component_calls(env: &Env, path: &str) -> u64 {
    sandbox_component(env).await["calls"][path]
        .as_u64()
        .unwrap_or(0)
}

/// The refresh token the sandbox holds for the app.
async fn sandbox_refresh_token(env: &Env) -> String {
    let component = sandbox_component(env).await;
    component["authorizers"]
        .as_array()
        .and_then(|list| list.iter().find(|a| a["app_id"] == APP_ID))
        .and_then(|a| a["authorizer_refresh_token"].as_str())
        .expect("the app is an authorizer")
        .to_owned()
}

/// Has the sandbox push a verify ticket now, and returns it.
async fn push_ticket(env: &Env) -> String {
    let response = env
        .http
        .post(format!(
            "{}/sandbox/components/{COMPONENT_APPID}/push-ticket",
            env.base_url()
        ))
        .send()
        .await
        .expect("push ticket");
    assert!(response.status().is_success(), "{}", response.status());
    sandbox_component(env).await["verify_ticket"]
        .as_str()
        .expect("a ticket")
        .to_owned()
}

/// The app's administrator authorizes the component; returns the authorization code.
async fn authorize(env: &Env) -> String {
    authorize_app(env, APP_ID).await
}

/// `app_id`'s administrator authorizes the component; returns the authorization code.
async fn authorize_app(env: &Env, app_id: &str) -> String {
    let answer: Value = env
        .http
        .post(format!(
            "{}/sandbox/components/{COMPONENT_APPID}/authorize",
            env.base_url()
        ))
        .json(&json!({"app_id": app_id}))
        .send()
        .await
        .expect("authorize")
        .json()
        .await
        .expect("authorize json");
    answer["auth_code"].as_str().expect("auth_code").to_owned()
}

fn platform(env: &Env, store: Arc<dyn Store>, id: &str, instance: &str) -> ComponentCredentials {
    ComponentCredentials::new(
        env.client(),
        store,
        ComponentAccount::new(id, COMPONENT_APPID, Secret::new(COMPONENT_SECRET)),
        env.options().instance_id(instance),
    )
}

/// A platform with a ticket and the app authorized through `query_auth`.
async fn authorized(env: &Env, store: Arc<dyn Store>, id: &str) -> ComponentCredentials {
    let platform = platform(env, store, id, "a");
    platform
        .save_verify_ticket(&push_ticket(env).await)
        .await
        .unwrap();
    platform.query_auth(&authorize(env).await).await.unwrap();
    platform
}

fn record_key(id: &str) -> String {
    format!("wxgate:component:{id}:{{{APP_ID}}}:authorizer")
}

#[tokio::test]
async fn the_ticket_survives_a_restart_and_a_new_instance_fetches_nothing() {
    let env = start().await;
    let store = memory_store();
    let first = platform(&env, store.clone(), "open", "a");
    let ticket = push_ticket(&env).await;
    first.save_verify_ticket(&ticket).await.unwrap();
    let token = first.component_access_token().await.unwrap();
    assert_eq!(
        component_calls(&env, "cgi-bin/component/api_component_token").await,
        1
    );

    // A restarted gateway: the ticket and the token come from the store, WeChat is not asked.
    let second = platform(&env, store.clone(), "open", "b");
    let kept = second.verify_ticket().await.unwrap().expect("ticket kept");
    assert_eq!(kept.ticket.expose(), ticket);
    assert!(!format!("{kept:?}").contains(&ticket));
    assert_eq!(second.component_access_token().await.unwrap(), token);
    assert_eq!(
        component_calls(&env, "cgi-bin/component/api_component_token").await,
        1
    );

    // Once the token expired, the kept ticket fetches a new one at once (no waiting for a push).
    env.advance(7200).await;
    let third = platform(&env, store, "open", "c");
    let renewed = third.component_access_token().await.unwrap();
    assert_ne!(renewed, token);
    assert_eq!(
        component_calls(&env, "cgi-bin/component/api_component_token").await,
        2
    );
}

#[tokio::test]
async fn without_a_ticket_the_error_says_so_and_a_push_is_asked_for() {
    let env = start().await;
    let platform = platform(&env, memory_store(), "open", "a");
    let error = platform.component_access_token().await.unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::NoVerifyTicket { component_app_id } if component_app_id == COMPONENT_APPID),
        "{error:?}"
    );
    assert!(error.to_string().contains("component_verify_ticket"));
    assert_eq!(
        component_calls(&env, "cgi-bin/component/api_start_push_ticket").await,
        1
    );
    // The failure backs off, but a ticket arriving lifts it at once.
    platform
        .save_verify_ticket(&push_ticket(&env).await)
        .await
        .unwrap();
    platform.component_access_token().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_callers_share_one_component_token_fetch() {
    let env = start().await;
    let platform = platform(&env, memory_store(), "open", "a");
    platform
        .save_verify_ticket(&push_ticket(&env).await)
        .await
        .unwrap();
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let platform = platform.clone();
            tokio::spawn(async move { platform.component_access_token().await })
        })
        .collect();
    let mut tokens = Vec::new();
    for task in tasks {
        tokens.push(task.await.unwrap().unwrap().token);
    }
    tokens.dedup();
    assert_eq!(tokens.len(), 1);
    assert_eq!(
        component_calls(&env, "cgi-bin/component/api_component_token").await,
        1
    );
}

#[tokio::test]
async fn query_auth_stores_the_authorizer_and_its_first_token() {
    let env = start().await;
    let store = memory_store();
    let platform = platform(&env, store.clone(), "open", "a");
    platform
        .save_verify_ticket(&push_ticket(&env).await)
        .await
        .unwrap();
    let authorizer = platform.query_auth(&authorize(&env).await).await.unwrap();
    assert_eq!(authorizer.app_id.as_str(), APP_ID);
    assert!(!authorizer.func_scope_ids.is_empty());
    assert!(!authorizer.needs_reauthorization);
    let listed: Vec<String> = platform
        .authorizers()
        .await
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(listed, [APP_ID]);

    // A restarted instance serves the authorizer's token from the store: no refresh.
    let restarted = ComponentCredentials::new(
        env.client(),
        store.clone(),
        ComponentAccount::new("open", COMPONENT_APPID, Secret::new(COMPONENT_SECRET)),
        env.options().instance_id("b"),
    );
    let credentials = restarted.authorizer_credentials(APP_ID).await.unwrap();
    assert_eq!(credentials.account().app_id.as_str(), APP_ID);
    let token = credentials.access_token().await.unwrap();
    let sandbox = sandbox_component(&env).await;
    assert_eq!(
        sandbox["authorizers"][0]["authorizer_access_token"].as_str(),
        Some(token.as_str())
    );
    assert_eq!(
        component_calls(&env, "cgi-bin/component/api_authorizer_token").await,
        0
    );
    // The authorizer is an account: its APIs and tickets work with its token.
    credentials
        .call(&getcallbackip::Request::new())
        .await
        .unwrap();
    credentials.jsapi_ticket().await.unwrap();

    // The record holds no access token, only what must outlive it.
    let record: Value =
        serde_json::from_slice(&store.get(&record_key("open")).await.unwrap().unwrap()).unwrap();
    assert_eq!(
        record["refresh_token"].as_str(),
        Some(sandbox_refresh_token(&env).await.as_str())
    );

    // An unknown account is refused clearly.
    let error = platform
        .authorizer_credentials("wx9999999999999999")
        .await
        .unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::UnknownAuthorizer { .. }));
}

#[tokio::test]
async fn a_lost_token_is_refreshed_through_the_rotated_refresh_token_and_an_old_one_gets_61023() {
    let env = start().await;
    let store = memory_store();
    let platform = authorized(&env, store.clone(), "open").await;
    let first_refresh = sandbox_refresh_token(&env).await;
    let first_record = store.get(&record_key("open")).await.unwrap().unwrap();

    // The access token is lost (store flushed, new process): the refresh token gets a new one,
    // and its rotation is stored.
    store
        .delete(&format!("wxgate:component:open:{{{APP_ID}}}:access_token"))
        .await
        .unwrap();
    let restarted = ComponentCredentials::new(
        env.client(),
        store.clone(),
        ComponentAccount::new("open", COMPONENT_APPID, Secret::new(COMPONENT_SECRET)),
        env.options().instance_id("b"),
    );
    let credentials = restarted.authorizer_credentials(APP_ID).await.unwrap();
    credentials
        .call(&getcallbackip::Request::new())
        .await
        .unwrap();
    assert_eq!(
        component_calls(&env, "cgi-bin/component/api_authorizer_token").await,
        1
    );
    let rotated = sandbox_refresh_token(&env).await;
    assert_ne!(rotated, first_refresh);
    let record: Value =
        serde_json::from_slice(&store.get(&record_key("open")).await.unwrap().unwrap()).unwrap();
    assert_eq!(record["refresh_token"].as_str(), Some(rotated.as_str()));
    assert!(record["rotated_at"].is_i64());

    // WeChat refuses the old refresh token.
    let component_token = platform.component_access_token().await.unwrap();
    let old = api_authorizer_token::Request::new(
        COMPONENT_APPID,
        APP_ID,
        Secret::new(first_refresh.clone()),
    );
    let refused = env
        .client()
        .call(&old)
        .component_access_token(component_token.as_str())
        .await
        .unwrap_err();
    assert_eq!(refused.errcode().map(|c| c.code()), Some(61023));

    // A store that lost the rotation (restored from an old backup) holds the old refresh token:
    // the refresh is refused, reported as a re-authorization, and not retried.
    store
        .set(&record_key("open"), &first_record, None)
        .await
        .unwrap();
    let restored = ComponentCredentials::new(
        env.client(),
        store.clone(),
        ComponentAccount::new("open", COMPONENT_APPID, Secret::new(COMPONENT_SECRET)),
        env.options().instance_id("c"),
    );
    let credentials = restored.authorizer_credentials(APP_ID).await.unwrap();
    let error = credentials.refresh_access_token(None).await.unwrap_err();
    match error.kind() {
        ErrorKind::ReauthorizationRequired {
            component_app_id,
            authorizer_app_id,
            errcode,
        } => {
            assert_eq!(component_app_id, COMPONENT_APPID);
            assert_eq!(authorizer_app_id, APP_ID);
            assert_eq!(*errcode, Some(61023));
        }
        other => panic!("expected a re-authorization, got {other:?}"),
    }
    let message = error.to_string();
    assert!(
        message.contains(APP_ID)
            && message.contains(COMPONENT_APPID)
            && message.contains("authorize"),
        "{message}"
    );
    assert!(!message.contains(&first_refresh) && !format!("{error:?}").contains(&first_refresh));
    // One refresh, the refused call above, and this one refused refresh.
    let calls = component_calls(&env, "cgi-bin/component/api_authorizer_token").await;
    assert_eq!(calls, 3);
    assert!(
        restored
            .authorizer(APP_ID)
            .await
            .unwrap()
            .unwrap()
            .needs_reauthorization
    );
    // Past the back-off, a new instance still does not ask WeChat again: the mark is stored.
    env.advance(120).await;
    let again = ComponentCredentials::new(
        env.client(),
        store.clone(),
        ComponentAccount::new("open", COMPONENT_APPID, Secret::new(COMPONENT_SECRET)),
        env.options().instance_id("d"),
    );
    let error = again.refresh_authorizer(APP_ID).await.unwrap_err();
    assert!(matches!(
        error.kind(),
        ErrorKind::ReauthorizationRequired { .. }
    ));
    assert_eq!(
        component_calls(&env, "cgi-bin/component/api_authorizer_token").await,
        calls
    );

    // Authorizing again lifts it.
    again.query_auth(&authorize(&env).await).await.unwrap();
    let fresh = again.refresh_authorizer(APP_ID).await.unwrap();
    assert!(!fresh.token.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_store_refresh_an_authorizer_once() {
    let env = start().await;
    let store = memory_store();
    let first = authorized(&env, store.clone(), "open").await;
    let second = platform(&env, store.clone(), "open", "b");
    let seeded = first
        .authorizer_credentials(APP_ID)
        .await
        .unwrap()
        .access_token()
        .await
        .unwrap();
    // Both instances find the token expired at once.
    env.advance(7200).await;
    let mut tasks = Vec::new();
    for platform in [first.clone(), second.clone()] {
        let credentials = platform.authorizer_credentials(APP_ID).await.unwrap();
        for _ in 0..50 {
            let credentials = credentials.clone();
            tasks.push(tokio::spawn(
                async move { credentials.access_token().await },
            ));
        }
    }
    let mut tokens = Vec::new();
    for task in tasks {
        tokens.push(task.await.unwrap().unwrap().token);
    }
    tokens.sort();
    tokens.dedup();
    assert_eq!(tokens.len(), 1);
    assert_ne!(tokens[0], seeded.token);
    assert_eq!(
        component_calls(&env, "cgi-bin/component/api_authorizer_token").await,
        1
    );
    // The rotated refresh token was kept: the next refresh works.
    second.refresh_authorizer(APP_ID).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_refresher_renews_authorizers_ahead_of_expiry_without_callers() {
    let env = start().await;
    let store = memory_store();
    let platform = authorized(&env, store.clone(), "open").await;
    let seeded = platform
        .authorizer_credentials(APP_ID)
        .await
        .unwrap()
        .access_token()
        .await
        .unwrap();
    let _refresher = platform.spawn_refresher(std::time::Duration::from_millis(20));
    // Not yet inside any authorizer's margin (5 min plus at most 50 min of spread).
    env.advance(7200 - 3400).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        component_calls(&env, "cgi-bin/component/api_authorizer_token").await,
        0
    );
    // Inside every margin: refreshed with nobody asking, once.
    env.advance(3400 - 200).await;
    crate::common::eventually("the authorizer refreshed in the background", || async {
        component_calls(&env, "cgi-bin/component/api_authorizer_token").await == 1
    })
    .await;
    let credentials = platform.authorizer_credentials(APP_ID).await.unwrap();
    crate::common::eventually("the new token served", || async {
        credentials.access_token().await.unwrap() != seeded
    })
    .await;
    assert_eq!(
        component_calls(&env, "cgi-bin/component/api_authorizer_token").await,
        1
    );
}

#[tokio::test]
async fn a_forgotten_authorizer_is_refused_clearly() {
    let env = start().await;
    let store = memory_store();
    let platform = authorized(&env, store.clone(), "open").await;
    let credentials = platform.authorizer_credentials(APP_ID).await.unwrap();
    credentials.access_token().await.unwrap();
    assert_eq!(platform.revoked_at(APP_ID).await.unwrap(), None);
    assert!(platform.forget_authorizer(APP_ID).await.unwrap());
    assert!(platform.authorizers().await.unwrap().is_empty());
    assert!(store.get(&record_key("open")).await.unwrap().is_none());
    let error = platform.authorizer_credentials(APP_ID).await.unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::UnknownAuthorizer { authorizer_app_id, .. } if authorizer_app_id == APP_ID)
    );
    // The revocation is kept, with its time, so a refusal can say why.
    let revoked_at = platform.revoked_at(APP_ID).await.unwrap();
    let now = unix_ms(env.clock.now()).div_euclid(1000);
    assert_eq!(revoked_at, Some(now), "the managers' clock");
    assert!(!platform.forget_authorizer(APP_ID).await.unwrap());
    assert_eq!(platform.revoked_at(APP_ID).await.unwrap(), revoked_at);
    // An account never seen is not marked.
    assert!(
        !platform
            .forget_authorizer("wx9999999999999999")
            .await
            .unwrap()
    );
    assert_eq!(
        platform.revoked_at("wx9999999999999999").await.unwrap(),
        None
    );
    // Authorizing again lifts it.
    platform.query_auth(&authorize(&env).await).await.unwrap();
    assert_eq!(platform.revoked_at(APP_ID).await.unwrap(), None);
    platform.authorizer_credentials(APP_ID).await.unwrap();
}

#[tokio::test]
async fn pre_auth_codes_are_shared_until_used() {
    let env = start().await;
    let store = memory_store();
    // A gateway guarding its accounts' tokens against needless refreshes: a used pre-auth code
    // is replaced all the same.
    let first = ComponentCredentials::new(
        env.client(),
        store.clone(),
        ComponentAccount::new("open", COMPONENT_APPID, Secret::new(COMPONENT_SECRET)),
        env.options()
            .instance_id("a")
            .min_refresh_interval(std::time::Duration::from_secs(60))
            .refresh_limit_per_minute(1),
    );
    let other = platform(&env, store, "open", "b");
    let platform = first;
    platform
        .save_verify_ticket(&push_ticket(&env).await)
        .await
        .unwrap();
    let code = platform.pre_auth_code().await.unwrap();
    assert_eq!(other.pre_auth_code().await.unwrap(), code);
    assert_eq!(
        component_calls(&env, "cgi-bin/component/api_create_preauthcode").await,
        1
    );
    platform
        .pre_auth_code_used(code.code.expose())
        .await
        .unwrap();
    let next = platform.pre_auth_code().await.unwrap();
    assert_ne!(next, code);
    // Reporting an old code again changes nothing.
    platform
        .pre_auth_code_used(code.code.expose())
        .await
        .unwrap();
    assert_eq!(platform.pre_auth_code().await.unwrap(), next);
    assert_eq!(
        component_calls(&env, "cgi-bin/component/api_create_preauthcode").await,
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_redis_refresh_an_authorizer_once() {
    let Some(store) = crate::redis::redis().await else {
        return;
    };
    let env = start().await;
    let id = unique("component");
    let first = authorized(&env, store.clone(), &id).await;
    let second = platform(&env, crate::redis::redis().await.expect("redis"), &id, "b");
    env.advance(7200).await;
    let mut tasks = Vec::new();
    for platform in [first, second.clone()] {
        let credentials = platform.authorizer_credentials(APP_ID).await.unwrap();
        for _ in 0..50 {
            let credentials = credentials.clone();
            tasks.push(tokio::spawn(
                async move { credentials.access_token().await },
            ));
        }
    }
    let mut tokens = Vec::new();
    for task in tasks {
        tokens.push(task.await.unwrap().unwrap().token);
    }
    tokens.sort();
    tokens.dedup();
    assert_eq!(tokens.len(), 1);
    assert_eq!(
        component_calls(&env, "cgi-bin/component/api_authorizer_token").await,
        1
    );
    second.refresh_authorizer(APP_ID).await.unwrap();
    second.forget_authorizer(APP_ID).await.unwrap();
}

/// Authorizers whose tokens were all issued in the same second refresh ahead of expiry at no
/// more than `authorizer_refresh_rate` a second (counted by the sandbox, per second of its
/// frozen clock, which the platform shares), and every one before its token expires. The
/// spread is narrowed to 10 s so that, without the rate, 4 would fall due in each second.
#[tokio::test]
async fn authorizers_issued_together_refresh_at_the_rate_never_in_a_burst() {
    const N: usize = 40;
    const RATE: u64 = 2;
    let env = start_with(wxgate_sandbox::SandboxConfig {
        start_time: Some(1_700_000_000),
        freeze_clock: true,
        ..wxgate_sandbox::SandboxConfig::default()
    })
    .await;
    let sandbox = env.sandbox.sandbox.clone();
    let app_ids: Vec<String> = (0..N).map(|i| format!("wxb0057{i:011x}")).collect();
    let apps: Vec<Value> = app_ids
        .iter()
        .map(|app_id| {
            json!({"app_id": app_id, "app_secret": "s", "token": "t", "mode": "plaintext",
                   "callback_url": "http://127.0.0.1:9/wechat"})
        })
        .collect();
    let created: Value = env
        .http
        .post(format!("{}/sandbox/apps", env.base_url()))
        .json(&apps)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created, json!({"created": N, "updated": 0}));
    let platform = ComponentCredentials::new(
        env.client(),
        memory_store(),
        ComponentAccount::new("open", COMPONENT_APPID, Secret::new(COMPONENT_SECRET)),
        env.options()
            .clock(Arc::new(sandbox.clock()))
            .authorizer_refresh_spread(std::time::Duration::from_secs(10))
            .authorizer_refresh_rate(u32::try_from(RATE).unwrap()),
    );
    platform
        .save_verify_ticket(&push_ticket(&env).await)
        .await
        .unwrap();
    for app_id in &app_ids {
        platform
            .query_auth(&authorize_app(&env, app_id).await)
            .await
            .unwrap();
    }
    let issued = sandbox.now();
    // The tokens live 7200 s and fall due 300 to 310 s before: step through the last 400 s,
    // one refresher round per second.
    sandbox.set_clock(issued + 6800);
    for _ in 0..399 {
        sandbox.advance_clock(1);
        platform.refresh_due().await;
    }
    let calls: Value = env
        .http
        .get(format!(
            "{}/sandbox/components/{COMPONENT_APPID}/calls/cgi-bin/component/api_authorizer_token",
            env.base_url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(calls["total"], N, "{calls}");
    let seconds = calls["seconds"].as_object().expect("seconds");
    assert!(
        seconds.values().all(|n| n.as_u64().unwrap() <= RATE),
        "more than {RATE} in a second: {calls}"
    );
    assert!(seconds.len() >= N / usize::try_from(RATE).unwrap());
    assert!(
        seconds
            .keys()
            .all(|at| at.parse::<u64>().unwrap() < issued + 7200),
        "a token expired before its refresh: {calls}"
    );
}

/// VmRSS of this process, in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// 10,000 authorizers on a warm store: served without a single upstream call (the client points
/// at a closed port), and what each costs in memory. Run alone, it measures this process:
/// `cargo test -p wxgate-api --test it ten_thousand -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "a measurement: run alone with --ignored --nocapture"]
async fn ten_thousand_authorizers_on_a_warm_store() {
    const N: usize = 10_000;
    let store = memory_store();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let app_ids: Vec<String> = (0..N).map(|i| format!("wx{i:016x}")).collect();
    for app_id in &app_ids {
        let record = json!({"refresh_token": format!("refreshtoken@@@{app_id}"), "func_info": [1, 2, 3], "authorized_at": now});
        store
            .set(
                &format!("wxgate:component:open:{{{app_id}}}:authorizer"),
                record.to_string().as_bytes(),
                None,
            )
            .await
            .unwrap();
        let token = json!({"token": format!("{app_id}-{}", "x".repeat(120)), "expires_at": now + 7000, "issued_at": now});
        store
            .set(
                &format!("wxgate:component:open:{{{app_id}}}:access_token"),
                token.to_string().as_bytes(),
                None,
            )
            .await
            .unwrap();
    }
    store
        .set(
            "wxgate:component:{open}:authorizers",
            &serde_json::to_vec(&app_ids).unwrap(),
            None,
        )
        .await
        .unwrap();
    let client = wxgate_api::Client::builder()
        .base_url("http://127.0.0.1:9")
        .retry(wxgate_api::RetryPolicy::none())
        .build()
        .unwrap();
    let platform = ComponentCredentials::new(
        client,
        store,
        ComponentAccount::new("open", COMPONENT_APPID, Secret::new(COMPONENT_SECRET)),
        wxgate_api::CredentialOptions::default(),
    );
    let before = rss_kib();
    let started = std::time::Instant::now();
    let listed = platform.authorizers().await.unwrap();
    assert_eq!(listed.len(), N);
    let mut held = Vec::with_capacity(N);
    for app_id in &listed {
        let credentials = platform
            .authorizer_credentials(app_id.as_str())
            .await
            .unwrap();
        credentials.access_token().await.unwrap();
        held.push(credentials);
    }
    let elapsed = started.elapsed();
    let per_authorizer = (rss_kib().saturating_sub(before) * 1024) / N as u64;
    println!(
        "{N} authorizers loaded from a warm store in {elapsed:?}, no upstream call; ~{per_authorizer} bytes of RSS each"
    );
    assert!(
        per_authorizer < 20_000,
        "{per_authorizer} bytes per authorizer"
    );
}
