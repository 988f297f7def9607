//! The follow funnel against the sandbox: campaign QR codes, their replies, the follower
//! registry (SQLite, in memory) and the `/v1` routes over it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use wxgate_store::registry::{
    Claim, Follower, FollowerEvent, FollowerFilter, FollowerPage, FollowerProfile, Push, Registry,
    RegistryError, SceneCounts, SubscribeOutcome, SyncProgress,
};

use reqwest::Method;
use serde_json::{Value, json};
use wxgate_proto::signature;

use crate::world::{self, World};

const APP_ID: &str = "wx5a1db0c0ffee0f01";
const SECRET: &str = "funnel-app-secret";
const TOKEN: &str = "funneltoken";
const API_KEY: &str = "funnel-api-key";
/// A key scoped to another account.
const OTHER_KEY: &str = "other-account-key";

/// Account `main` with a campaign for every `table-…` scene, and a scoped key for `other`.
async fn world() -> World {
    builder().start().await
}

fn builder() -> world::WorldBuilder {
    world::world(APP_ID, SECRET, TOKEN)
        .api_keys(
            &format!(r#"["{API_KEY}", {{ key = "{OTHER_KEY}", accounts = ["other"] }}]"#),
            API_KEY,
        )
        .accounts(
            r#"
subscribe_reply = { text = "welcome" }
[[accounts.campaigns]]
scene = "table-*"
[accounts.campaigns.news]
title = "Table {scene}"
description = "Hello {openid}"
url = "https://example.com/menu?table={scene}"
pic_url = "https://example.com/menu.png"
[[accounts]]
id = "other"
app_id = "wx5a1db0c0ffee0f02"
app_secret = "other-app-secret"
token = "othertoken"
api_base = "http://127.0.0.1:9"
"#,
        )
}

async fn api(w: &World, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    w.api(method, path, Some(API_KEY), body).await
}

/// A temporary code for `scene`, created through the gateway: its ticket.
async fn qrcode(w: &World, scene: &str) -> String {
    let (status, body) = api(
        w,
        Method::POST,
        "/v1/accounts/main/qrcodes",
        Some(json!({"scene": scene, "expire_secs": 3600})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["ticket"].as_str().unwrap().to_owned()
}

/// A new user of the app who does not follow it yet.
async fn stranger(w: &World) -> String {
    let user = w
        .sandbox(
            Method::POST,
            &format!("/sandbox/apps/{APP_ID}/users"),
            Some(json!({"unionid": "union-funnel-1"})),
        )
        .await;
    user["openid"].as_str().unwrap().to_owned()
}

async fn figures(w: &World, scene: &str) -> (u64, u64, u64) {
    let (status, body) = api(
        w,
        Method::GET,
        &format!("/v1/accounts/main/scenes/{scene}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scene"], scene);
    let n = |field: &str| body[field].as_u64().unwrap();
    (n("scans"), n("subscribes"), n("unsubscribes"))
}

async fn follower(w: &World, openid: &str) -> Value {
    let (status, body) = api(
        w,
        Method::GET,
        &format!("/v1/accounts/main/followers/{openid}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The card of a sandbox delivery's reply.
fn card(delivery: &Value) -> &Value {
    assert_eq!(delivery["outcome"], "reply", "{delivery}");
    assert_eq!(delivery["reply"]["msgtype"], "news", "{delivery}");
    &delivery["reply"]["news"]["articles"][0]
}

/// Posts the plaintext push `xml` to the gateway again, freshly signed, as WeChat's retry.
async fn retry(w: &World, xml: &str) -> String {
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let nonce = "739201";
    let sig = signature::sign(&[TOKEN, &ts, nonce]);
    let response = w
        .http
        .post(format!(
            "{}/wechat/main?signature={sig}&timestamp={ts}&nonce={nonce}",
            w.gateway_url
        ))
        .body(xml.to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

#[tokio::test]
async fn a_stranger_scans_a_campaign_code_follows_gets_the_card_and_unfollows() {
    let w = world().await;
    let (status, code) = api(
        &w,
        Method::POST,
        "/v1/accounts/main/qrcodes",
        Some(json!({"scene": "table-7"})),
    )
    .await;
    assert_eq!(status, 200, "{code}");
    let ticket = code["ticket"].as_str().unwrap();
    assert!(code["url"].as_str().unwrap().starts_with("http"));
    assert!(
        code["image_url"].as_str().unwrap().starts_with(&format!(
            "{}/cgi-bin/showqrcode?ticket=",
            w.sandbox.base_url().trim_end_matches('/')
        )),
        "{code}"
    );
    // The default life of a temporary code: 30 days.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let expires_at = code["expires_at"].as_u64().unwrap();
    assert!(expires_at.abs_diff(now + 2_592_000) < 60, "{code}");
    let image = w
        .http
        .get(code["image_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(image.status(), 200);

    let openid = stranger(&w).await;
    let follow = w
        .act(&openid, json!({"type": "scan", "ticket": ticket}))
        .await;
    let article = card(&follow);
    assert_eq!(article["title"], "Table table-7");
    assert_eq!(article["description"], format!("Hello {openid}"));
    assert_eq!(article["url"], "https://example.com/menu?table=table-7");
    assert!(
        follow["request"]["xml"]
            .as_str()
            .unwrap()
            .contains("qrscene_table-7")
    );

    let record = follower(&w, &openid).await;
    assert_eq!(record["subscribed"], true);
    assert_eq!(record["scene"], "table-7");
    assert_eq!(record["unionid"], "union-funnel-1");
    assert_eq!(record["subscribe_scene"], "ADD_SCENE_QR_CODE");
    assert!(record["subscribe_time"].as_i64().unwrap() > 0, "{record}");
    assert!(record["unsubscribed_at_ms"].is_null());
    assert_eq!(figures(&w, "table-7").await, (0, 1, 0));

    // WeChat's retry of the same push: the same card, counted once.
    let again = retry(&w, follow["request"]["xml"].as_str().unwrap()).await;
    assert!(again.contains("Table table-7"), "{again}");
    assert_eq!(figures(&w, "table-7").await, (0, 1, 0));

    let unfollow = w.act(&openid, json!({"type": "unfollow"})).await;
    assert_eq!(unfollow["outcome"], "success", "{unfollow}");
    let record = follower(&w, &openid).await;
    assert_eq!(record["subscribed"], false);
    assert!(record["unsubscribed_at_ms"].as_i64().unwrap() > 0);
    assert_eq!(record["scene"], "table-7", "the history is kept");
    assert_eq!(figures(&w, "table-7").await, (0, 1, 1));
    let (_, gone) = api(
        &w,
        Method::GET,
        "/v1/accounts/main/followers?subscribed=false",
        None,
    )
    .await;
    assert_eq!(gone["total"], 1);
    assert_eq!(gone["followers"][0]["openid"], openid.as_str());
}

#[tokio::test]
async fn a_follower_scanning_counts_a_scan_and_gets_the_card() {
    let w = world().await;
    let (openid, follow) = w.new_follower(json!({})).await;
    // A plain follow: the greeting, and no scene.
    assert_eq!(follow["reply"]["text"]["content"], "welcome", "{follow}");
    assert!(follower(&w, &openid).await["scene"].is_null());

    let ticket = qrcode(&w, "table-9").await;
    let scan = w
        .act(&openid, json!({"type": "scan", "ticket": ticket}))
        .await;
    assert_eq!(card(&scan)["title"], "Table table-9");
    assert!(scan["request"]["xml"].as_str().unwrap().contains("SCAN"));
    assert_eq!(figures(&w, "table-9").await, (1, 0, 0));
    let again = retry(&w, scan["request"]["xml"].as_str().unwrap()).await;
    assert!(again.contains("Table table-9"), "{again}");
    assert_eq!(figures(&w, "table-9").await, (1, 0, 0));
    // A scan is not a follow: the follower's scene stays as it was.
    assert!(follower(&w, &openid).await["scene"].is_null());
    assert_eq!(figures(&w, "table-7").await, (0, 0, 0));
}

/// Polls the follower until `done` holds (up to 15 s).
async fn until(w: &World, openid: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..150 {
        let (status, record) = api(
            w,
            Method::GET,
            &format!("/v1/accounts/main/followers/{openid}"),
            None,
        )
        .await;
        if status == 200 && done(&record) {
            return record;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the follower never got there: {}",
        follower(w, openid).await
    );
}

#[tokio::test]
async fn a_follow_is_recorded_when_user_info_fails_and_the_profile_filled_later() {
    let w = world().await;
    w.token().await;
    let ticket = qrcode(&w, "table-3").await;
    for fault in [
        json!({"path": "cgi-bin/user/info", "errcode": 45009, "times": 1}),
        json!({"path": "cgi-bin/user/info", "delay_ms": 3000, "times": 1}),
    ] {
        w.fault(fault.clone()).await;
        let openid = stranger(&w).await;
        let started = std::time::Instant::now();
        let follow = w
            .act(&openid, json!({"type": "scan", "ticket": ticket}))
            .await;
        assert_eq!(card(&follow)["title"], "Table table-3", "{fault}");
        // user/info is given at most a second; the card does not wait for it.
        assert!(started.elapsed() < Duration::from_millis(2500), "{fault}");
        let record = follower(&w, &openid).await;
        assert_eq!(record["subscribed"], true, "{fault}");
        assert_eq!(record["scene"], "table-3", "{fault}");
        let filled = until(&w, &openid, |r| !r["unionid"].is_null()).await;
        assert_eq!(filled["unionid"], "union-funnel-1");
        assert_eq!(filled["subscribe_scene"], "ADD_SCENE_QR_CODE");
        assert_eq!(filled["scene"], "table-3");
    }
    assert_eq!(figures(&w, "table-3").await, (0, 2, 0));
    assert!(w.calls("cgi-bin/user/info").await >= 4);
}

#[tokio::test]
async fn followers_page_and_filter() {
    let w = world().await;
    let mut openids = Vec::new();
    for _ in 0..4 {
        openids.push(w.new_follower(json!({})).await.0);
    }
    let ticket = qrcode(&w, "table-5").await;
    let scanner = stranger(&w).await;
    w.act(&scanner, json!({"type": "scan", "ticket": ticket}))
        .await;
    openids.push(scanner.clone());
    w.act(&openids[0], json!({"type": "unfollow"})).await;

    // Two at a time, in the order they were first seen, each once.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("/v1/accounts/main/followers?limit=2&cursor={cursor}"),
            None => "/v1/accounts/main/followers?limit=2".to_owned(),
        };
        let (status, page) = api(&w, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["total"], 5);
        let followers = page["followers"].as_array().unwrap();
        assert!(followers.len() <= 2);
        seen.extend(
            followers
                .iter()
                .map(|f| f["openid"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, openids);

    let list = |query: &'static str| {
        let w = &w;
        async move {
            let (status, page) = api(
                w,
                Method::GET,
                &format!("/v1/accounts/main/followers?{query}"),
                None,
            )
            .await;
            assert_eq!(status, 200, "{query}: {page}");
            page
        }
    };
    let subscribed = list("subscribed=true").await;
    assert_eq!(subscribed["total"], 4);
    let scene = list("scene=table-5").await;
    assert_eq!(scene["total"], 1);
    assert_eq!(scene["followers"][0]["openid"], scanner.as_str());
    assert_eq!(list("scene=table-5&subscribed=false").await["total"], 0);
    assert_eq!(list("tag=999").await["total"], 0);

    for bad in [
        "limit=0",
        "limit=1001",
        "limit=many",
        "cursor=not-a-cursor",
        "subscribed=maybe",
        "tag=vip",
        "colour=blue",
    ] {
        let (status, body) = api(
            &w,
            Method::GET,
            &format!("/v1/accounts/main/followers?{bad}"),
            None,
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("bad_request")),
            "{bad}: {body}"
        );
    }
    let (status, body) = api(
        &w,
        Method::GET,
        "/v1/accounts/main/followers/o_nobody",
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("unknown_follower"))
    );
}

#[tokio::test]
async fn qr_codes_are_checked_and_the_routes_need_a_key_for_the_account() {
    let w = world().await;
    for bad in [
        json!({"scene": ""}),
        json!({"scene": "x".repeat(65)}),
        json!({"scene": "100001", "permanent": true}),
        json!({"scene": "x", "expire_secs": 30}),
        json!({"scene": "x", "permanent": true, "expire_secs": 600}),
        json!({"scene": "x", "colour": "red"}),
        json!({"permanent": true}),
    ] {
        let (status, body) = api(
            &w,
            Method::POST,
            "/v1/accounts/main/qrcodes",
            Some(bad.clone()),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("bad_request")),
            "{bad}: {body}"
        );
    }
    let (status, permanent) = api(
        &w,
        Method::POST,
        "/v1/accounts/main/qrcodes",
        Some(json!({"scene": "100000", "permanent": true})),
    )
    .await;
    assert_eq!(status, 200, "{permanent}");
    assert!(permanent["expires_at"].is_null());

    // WeChat's refusal comes back as JSON with its errcode.
    w.fault(json!({"path": "cgi-bin/qrcode/create", "errcode": 45029, "times": 1}))
        .await;
    let (status, body) = api(
        &w,
        Method::POST,
        "/v1/accounts/main/qrcodes",
        Some(json!({"scene": "poster", "permanent": true})),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str(), body["errcode"].as_i64()),
        (409, Some("wechat"), Some(45029)),
        "{body}"
    );

    let routes = [
        (Method::POST, "/v1/accounts/main/qrcodes"),
        (Method::GET, "/v1/accounts/main/scenes/table-1"),
        (Method::GET, "/v1/accounts/main/followers"),
        (Method::GET, "/v1/accounts/main/followers/o_someone"),
    ];
    for (method, path) in routes {
        let body = (method == Method::POST).then(|| json!({"scene": "table-1"}));
        let (status, answer) = w.api(method.clone(), path, None, body.clone()).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (401, Some("unauthorized")),
            "{path}"
        );
        let (status, answer) = w
            .api(method.clone(), path, Some(OTHER_KEY), body.clone())
            .await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (403, Some("forbidden")),
            "{path}"
        );
        let elsewhere = path.replace("/main/", "/nope/");
        let (status, answer) = w.api(method, &elsewhere, Some(API_KEY), body).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (404, Some("unknown_account")),
            "{elsewhere}"
        );
    }
}

/// A registry whose recording of pushes fails while `failing` is set (a database outage).
#[derive(Debug)]
struct Flaky {
    inner: Arc<dyn Registry>,
    failing: AtomicBool,
}

impl Flaky {
    fn check(&self) -> Result<(), RegistryError> {
        if self.failing.load(Ordering::SeqCst) {
            Err(RegistryError::Backend {
                backend: "sqlite",
                message: "injected outage".into(),
            })
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl Registry for Flaky {
    async fn upsert_follower(
        &self,
        account: &str,
        profile: &FollowerProfile,
    ) -> Result<Follower, RegistryError> {
        self.check()?;
        self.inner.upsert_follower(account, profile).await
    }

    async fn record_subscribe(
        &self,
        account: &str,
        push: &Push,
        scene: Option<&str>,
        profile: Option<&FollowerProfile>,
    ) -> Result<SubscribeOutcome, RegistryError> {
        self.check()?;
        self.inner
            .record_subscribe(account, push, scene, profile)
            .await
    }

    async fn record_unsubscribe(&self, account: &str, push: &Push) -> Result<bool, RegistryError> {
        self.check()?;
        self.inner.record_unsubscribe(account, push).await
    }

    async fn record_scan(
        &self,
        account: &str,
        push: &Push,
        scene: &str,
    ) -> Result<bool, RegistryError> {
        self.check()?;
        self.inner.record_scan(account, push, scene).await
    }

    async fn follower(
        &self,
        account: &str,
        openid: &str,
    ) -> Result<Option<Follower>, RegistryError> {
        self.inner.follower(account, openid).await
    }

    async fn follower_events(
        &self,
        account: &str,
        openid: &str,
    ) -> Result<Vec<FollowerEvent>, RegistryError> {
        self.inner.follower_events(account, openid).await
    }

    async fn list_followers(
        &self,
        account: &str,
        filter: &FollowerFilter,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<FollowerPage, RegistryError> {
        self.inner
            .list_followers(account, filter, cursor, limit)
            .await
    }

    async fn count_followers(
        &self,
        account: &str,
        filter: &FollowerFilter,
    ) -> Result<u64, RegistryError> {
        self.inner.count_followers(account, filter).await
    }

    async fn scene_counts(&self, account: &str, scene: &str) -> Result<SceneCounts, RegistryError> {
        self.inner.scene_counts(account, scene).await
    }

    async fn claim_idempotency_key(
        &self,
        account: &str,
        key: &str,
        ttl: Duration,
    ) -> Result<Claim, RegistryError> {
        self.inner.claim_idempotency_key(account, key, ttl).await
    }

    async fn complete_idempotency_key(
        &self,
        account: &str,
        key: &str,
        result: &str,
    ) -> Result<(), RegistryError> {
        self.inner
            .complete_idempotency_key(account, key, result)
            .await
    }

    async fn release_idempotency_key(
        &self,
        account: &str,
        key: &str,
    ) -> Result<bool, RegistryError> {
        self.inner.release_idempotency_key(account, key).await
    }

    async fn save_sync_progress(
        &self,
        account: &str,
        progress: &SyncProgress,
    ) -> Result<(), RegistryError> {
        self.inner.save_sync_progress(account, progress).await
    }

    async fn load_sync_progress(
        &self,
        account: &str,
    ) -> Result<Option<SyncProgress>, RegistryError> {
        self.inner.load_sync_progress(account).await
    }

    async fn clear_sync_progress(&self, account: &str) -> Result<bool, RegistryError> {
        self.inner.clear_sync_progress(account).await
    }
}

#[tokio::test]
async fn pushes_the_registry_cannot_take_are_queued_and_recorded_once_it_answers() {
    let flaky = Arc::new(Flaky {
        inner: wxgate_store::registry::open("sqlite::memory:")
            .await
            .unwrap(),
        failing: AtomicBool::new(true),
    });
    let w = builder().registry(flaky.clone()).start().await;
    let ticket = qrcode(&w, "table-4").await;
    let openid = stranger(&w).await;
    // The outage costs no reply: the card arrives, and the follow waits on the queue.
    let follow = w
        .act(&openid, json!({"type": "scan", "ticket": ticket}))
        .await;
    assert_eq!(card(&follow)["title"], "Table table-4");
    let (status, _) = api(
        &w,
        Method::GET,
        &format!("/v1/accounts/main/followers/{openid}"),
        None,
    )
    .await;
    assert_eq!(status, 404, "not recorded during the outage");
    flaky.failing.store(false, Ordering::SeqCst);
    let record = until(&w, &openid, |r| r["unionid"] == "union-funnel-1").await;
    assert_eq!(
        (record["subscribed"].as_bool(), record["scene"].as_str()),
        (Some(true), Some("table-4"))
    );
    assert_eq!(figures(&w, "table-4").await, (0, 1, 0));

    // An unfollow during another outage.
    w.sandbox(
        Method::POST,
        "/sandbox/clock",
        Some(json!({"advance_secs": 2})),
    )
    .await;
    flaky.failing.store(true, Ordering::SeqCst);
    let unfollow = w.act(&openid, json!({"type": "unfollow"})).await;
    assert_eq!(unfollow["outcome"], "success", "{unfollow}");
    assert_eq!(follower(&w, &openid).await["subscribed"], true);
    flaky.failing.store(false, Ordering::SeqCst);
    let record = until(&w, &openid, |r| r["subscribed"] == false).await;
    assert_eq!(record["scene"], "table-4");
    assert_eq!(figures(&w, "table-4").await, (0, 1, 1));
}
