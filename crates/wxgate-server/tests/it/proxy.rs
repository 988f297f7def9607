//! The WeChat API proxy (`/v1/accounts/{account}/wechat/{*path}`) over loopback: against the
//! sandbox for WeChat's behaviour, and against a recording stand-in for what exactly is sent.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::RawQuery;
use axum::http::HeaderMap;
use axum::routing::{any, get};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::common::Logs;
use crate::world;

const APP_ID: &str = "wx5a1db0c0ffee0007";
const SECRET: &str = "proxy-app-secret";
const API_KEY: &str = "proxy-full-key";
const MENU_KEY: &str = "proxy-menu-only-key";
const ECHO_ONLY_KEY: &str = "proxy-echo-only-key";
/// The token the stand-in upstream hands out.
const ECHO_TOKEN: &str = "ECHO-TOKEN-0123456789";

/// What the stand-in upstream last received: (path, raw query, content type, body).
type Seen = Arc<Mutex<Vec<(String, String, String, Vec<u8>)>>>;

/// The common world, with the stand-in upstream and the logs.
struct World {
    world: world::World,
    seen: Seen,
    logs: Logs,
    _echo: tokio::task::JoinHandle<()>,
}

impl std::ops::Deref for World {
    type Target = world::World;

    fn deref(&self) -> &world::World {
        &self.world
    }
}

/// A stand-in for WeChat that hands out [`ECHO_TOKEN`], records every API call, answers it
/// with `{"errcode":0,"errmsg":"ok"}`, and cuts `cgi-bin/hangup` off mid-answer.
async fn echo_upstream(seen: Seen) -> (String, tokio::task::JoinHandle<()>) {
    let record = move |path: String, query: RawQuery, headers: HeaderMap, body: Bytes| {
        let seen = Arc::clone(&seen);
        async move {
            let content_type = headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            seen.lock().unwrap().push((
                path,
                query.0.unwrap_or_default(),
                content_type,
                body.to_vec(),
            ));
            axum::Json(json!({"errcode": 0, "errmsg": "ok"}))
        }
    };
    let app = Router::new()
        .route(
            "/cgi-bin/token",
            get(|| async { axum::Json(json!({"access_token": ECHO_TOKEN, "expires_in": 7200})) }),
        )
        .route(
            "/cgi-bin/hangup",
            get(|| async {
                let parts: Vec<Result<Bytes, std::io::Error>> = vec![
                    Ok(Bytes::from_static(b"{\"errc")),
                    Err(std::io::Error::other("cut off")),
                ];
                Body::from_stream(futures::stream::iter(parts))
            }),
        )
        .route(
            "/{*path}",
            any(
                move |axum::extract::Path(path): axum::extract::Path<String>,
                      query: RawQuery,
                      headers: HeaderMap,
                      body: Bytes| record(path, query, headers, body),
            ),
        )
        .layer(axum::extract::DefaultBodyLimit::disable());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}

/// The sandbox with one app, the stand-in, and a gateway with accounts `main` (the sandbox),
/// `echo` (the stand-in) and `down` (nothing listens), and three keys: full, limited to
/// `cgi-bin/menu/`, limited to the `echo` account.
async fn world() -> World {
    let logs = Logs::capture();

    let seen = Seen::default();
    let (echo_url, echo) = echo_upstream(Arc::clone(&seen)).await;
    let world = world::world(APP_ID, SECRET, "proxytoken")
        .api_keys(
            &format!(
                r#"[
  "{API_KEY}",
  {{ key = "{MENU_KEY}", accounts = ["main"], paths = ["cgi-bin/menu/"] }},
  {{ key = "{ECHO_ONLY_KEY}", accounts = ["echo"] }},
]"#
            ),
            API_KEY,
        )
        .server("token_wait_ms = 2000")
        .accounts(&format!(
            r#"
[[accounts]]
id = "echo"
app_id = "wxecho"
app_secret = "echo-secret"
token = "echotoken"
api_base = "{echo_url}"
[[accounts]]
id = "down"
app_id = "wxdown"
app_secret = "down-secret"
token = "downtoken"
api_base = "http://127.0.0.1:1"
"#
        ))
        .router_only()
        .start()
        .await;
    World {
        world,
        seen,
        logs,
        _echo: echo,
    }
}

impl World {
    fn proxied(
        &self,
        method: reqwest::Method,
        account: &str,
        rest: &str,
    ) -> reqwest::RequestBuilder {
        self.http.request(
            method,
            format!("{}/v1/accounts/{account}/wechat/{rest}", self.gateway_url),
        )
    }

    async fn get(&self, rest: &str, key: &str) -> reqwest::Response {
        self.proxied(reqwest::Method::GET, "main", rest)
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
    }

    /// A request sent as raw bytes, so that its target reaches the gateway exactly as written
    /// (an HTTP client would resolve `..` and `%2e`): the status and the body.
    async fn raw_get(&self, target: &str) -> (u16, String) {
        let address = self.gateway_url.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        let request = format!(
            "GET {target} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {API_KEY}\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.unwrap();
        let answer = String::from_utf8_lossy(&answer).into_owned();
        let status = answer
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = answer
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        (status, body)
    }
}

/// The value of a metric line, 0 when absent.
fn metric(text: &str, line_start: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(line_start)?.trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn gets_posts_and_media_round_trip_through_the_sandbox() {
    let w = world().await;
    let mut openids = Vec::new();
    for _ in 0..3 {
        let (openid, followed) = w.new_follower(json!({})).await;
        assert!(followed["outcome"].is_string(), "{followed}");
        openids.push(openid);
    }

    // GET with a query: the followers after the first.
    let response = w
        .get(
            &format!("cgi-bin/user/get?next_openid={}", openids[0]),
            API_KEY,
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let page: Value = response.json().await.unwrap();
    assert_eq!(page["total"], 3, "{page}");
    assert_eq!(page["data"]["openid"], json!(openids[1..]), "{page}");

    // POST JSON, then read it back.
    let menu =
        json!({"button": [{"type": "click", "name": "今日歌曲", "key": "V1001_TODAY_MUSIC"}]});
    let created: Value = w
        .proxied(reqwest::Method::POST, "main", "cgi-bin/menu/create")
        .bearer_auth(API_KEY)
        .json(&menu)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created["errcode"], 0, "{created}");
    let got: Value = w
        .get("cgi-bin/menu/get", API_KEY)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["menu"]["button"][0]["name"], "今日歌曲", "{got}");
    assert_eq!(
        got["menu"]["button"][0]["key"], "V1001_TODAY_MUSIC",
        "{got}"
    );

    // A real multipart upload, then the same bytes and type back as binary.
    let image: Vec<u8> = (0..40_000_u32).map(|i| (i * 7 % 251) as u8).collect();
    let part = reqwest::multipart::Part::bytes(image.clone())
        .file_name("photo.png")
        .mime_str("image/png")
        .unwrap();
    let form = reqwest::multipart::Form::new().part("media", part);
    let uploaded: Value = w
        .proxied(
            reqwest::Method::POST,
            "main",
            "cgi-bin/media/upload?type=image",
        )
        .bearer_auth(API_KEY)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let media_id = uploaded["media_id"].as_str().expect("a media_id");
    assert_eq!(uploaded["type"], "image");
    let media = w
        .get(&format!("cgi-bin/media/get?media_id={media_id}"), API_KEY)
        .await;
    assert_eq!(media.status(), 200);
    assert_eq!(media.headers()["content-type"], "image/png");
    assert_eq!(
        media.headers()["content-disposition"],
        "attachment; filename=\"photo.png\""
    );
    assert_eq!(media.bytes().await.unwrap().as_ref(), image.as_slice());

    // WeChat's errors come back unchanged too.
    let unknown: Value = w
        .get("cgi-bin/media/get?media_id=nope", API_KEY)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(unknown["errcode"], 40007, "{unknown}");

    let metrics = w.metrics().await;
    let line = |path: &str, errcode: &str| {
        format!(
            "wxgate_wechat_calls_total{{account=\"main\",errcode=\"{errcode}\",path=\"{path}\"}}"
        )
    };
    assert_eq!(
        metric(&metrics, &line("cgi-bin/user/get", "0")),
        1,
        "{metrics}"
    );
    assert_eq!(
        metric(&metrics, &line("cgi-bin/menu/create", "0")),
        1,
        "{metrics}"
    );
    assert_eq!(
        metric(&metrics, &line("cgi-bin/media/upload", "0")),
        1,
        "{metrics}"
    );
    assert_eq!(
        metric(&metrics, &line("cgi-bin/media/get", "0")),
        1,
        "{metrics}"
    );
    assert_eq!(
        metric(&metrics, &line("cgi-bin/media/get", "40007")),
        1,
        "{metrics}"
    );

    let token = w.token().await;
    assert!(token.len() >= 16);
    let logs = w.logs.text();
    assert!(
        logs.contains("cgi-bin/user/get"),
        "the capture holds the calls: {logs}"
    );
    assert!(!logs.contains(&token), "the access token was logged");
    assert!(!metrics.contains(&token), "the access token is in /metrics");
}

#[tokio::test]
async fn a_rejected_token_is_refreshed_once_and_the_call_made_again() {
    let w = world().await;
    let first = w.token().await;
    let tokens = w.calls("cgi-bin/token").await;
    w.fault(json!({"path": "cgi-bin/user/get", "errcode": 40001, "times": 1}))
        .await;
    let page: Value = w
        .get("cgi-bin/user/get", API_KEY)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 0, "recovered: {page}");
    assert_eq!(w.calls("cgi-bin/token").await, tokens + 1, "one refresh");
    assert_eq!(w.calls("cgi-bin/user/get").await, 2);
    let second = w.token().await;
    assert_ne!(second, first);

    // Rejected twice: the second answer comes back as it is, after one refresh only.
    w.fault(json!({"path": "cgi-bin/user/get", "errcode": 42001, "times": 2}))
        .await;
    let answer: Value = w
        .get("cgi-bin/user/get", API_KEY)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["errcode"], 42001, "{answer}");
    assert_eq!(w.calls("cgi-bin/token").await, tokens + 2);
    assert_eq!(w.calls("cgi-bin/user/get").await, 4);

    let metrics = w.metrics().await;
    let line = |errcode: &str| {
        format!(
            "wxgate_wechat_calls_total{{account=\"main\",errcode=\"{errcode}\",path=\"cgi-bin/user/get\"}}"
        )
    };
    assert_eq!(metric(&metrics, &line("40001")), 1, "{metrics}");
    assert_eq!(metric(&metrics, &line("42001")), 2, "{metrics}");
    assert_eq!(metric(&metrics, &line("0")), 1, "{metrics}");
    let logs = w.logs.text();
    for token in [&first, &second] {
        assert!(!logs.contains(token.as_str()), "a token was logged");
    }
}

#[tokio::test]
async fn an_exhausted_quota_comes_back_unchanged_with_a_header_and_no_retry() {
    let w = world().await;
    w.fault(json!({"path": "cgi-bin/menu/get", "errcode": 45009, "times": 1}))
        .await;
    let response = w.get("cgi-bin/menu/get", API_KEY).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["x-wxgate-quota-exhausted"],
        "cgi-bin/menu/get"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errcode"], 45009, "{body}");
    assert!(
        body["errmsg"]
            .as_str()
            .is_some_and(|m| m.starts_with("reach max api daily quota limit")),
        "{body}"
    );
    assert_eq!(w.calls("cgi-bin/menu/get").await, 1, "not retried");
    let metrics = w.metrics().await;
    assert_eq!(
        metric(
            &metrics,
            "wxgate_wechat_calls_total{account=\"main\",errcode=\"45009\",path=\"cgi-bin/menu/get\"}"
        ),
        1,
        "{metrics}"
    );
    let logs = w.logs.text();
    assert!(
        logs.lines().any(|l| l.contains("WARN")
            && l.contains("45009")
            && l.contains("account=\"main\"")
            && l.contains("path=\"cgi-bin/menu/get\"")),
        "{logs}"
    );
    // Answers without 45009 carry no such header.
    let response = w.get("cgi-bin/menu/get", API_KEY).await;
    assert!(response.headers().get("x-wxgate-quota-exhausted").is_none());
}

#[tokio::test]
async fn scoped_keys_reach_only_their_accounts_and_paths() {
    let w = world().await;
    let response = w.get("cgi-bin/user/get", MENU_KEY).await;
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "forbidden", "{body}");
    assert_eq!(w.calls("cgi-bin/user/get").await, 0);
    let response = w.get("cgi-bin/menu/get", MENU_KEY).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errcode"], 46003, "no menu yet: {body}");

    // Accounts: on the proxy and on the token routes alike.
    let response = w
        .proxied(reqwest::Method::GET, "echo", "cgi-bin/menu/get")
        .bearer_auth(MENU_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let response = w.get("cgi-bin/menu/get", ECHO_ONLY_KEY).await;
    assert_eq!(response.status(), 403);
    for (key, account, status) in [
        (ECHO_ONLY_KEY, "main", 403),
        (ECHO_ONLY_KEY, "echo", 200),
        (MENU_KEY, "main", 200),
        (MENU_KEY, "echo", 403),
        (API_KEY, "echo", 200),
    ] {
        let response = w
            .http
            .get(format!(
                "{}/v1/accounts/{account}/access-token",
                w.gateway_url
            ))
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{key} on {account}");
        if status == 403 {
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"], "forbidden");
        }
    }
    // No key, or a wrong one: 401 before anything else.
    let response = w
        .proxied(reqwest::Method::GET, "main", "cgi-bin/menu/get")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        w.get("cgi-bin/menu/get", "not-a-key-at-all").await.status(),
        401
    );
}

#[tokio::test]
async fn paths_that_are_not_wechat_apis_are_refused() {
    let w = world().await;
    let prefix = "/v1/accounts/main/wechat";
    for bad in [
        "",
        "/",
        "//evil.example/cgi-bin/user/get",
        "/cgi-bin//user/get",
        "/cgi-bin/../sandbox/apps",
        "/cgi-bin/./user/get",
        "/http:/evil.example/cgi-bin/user/get",
        "/http://evil.example/cgi-bin/user/get",
        "/cgi-bin%2Fuser%2Fget",
        "/cgi-bin/%2e%2e/sandbox/apps",
        "/cgi-bin/%2E/user/get",
        "/cgi-bin%5Cuser",
        "/cgi-bin/user%00/get",
        "/cgi-bin/user%0d%0aHost:evil/get",
        "/sandbox/apps",
        "/evil.example/cgi-bin/user/get",
        "/@evil.example/cgi-bin/user/get",
    ] {
        let (status, body) = w.raw_get(&format!("{prefix}{bad}")).await;
        assert_eq!(status, 400, "{bad}: {body}");
        let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        assert_eq!(body["error"], "bad_path", "{bad}: {body}");
    }
    // Backslashes and control characters do not even make an HTTP request target: 400 from
    // the HTTP layer itself.
    for bad in ["/cgi-bin\\user/get", "/cgi-bin/us\ter/get"] {
        let (status, _) = w.raw_get(&format!("{prefix}{bad}")).await;
        assert_eq!(status, 400, "{bad:?}");
    }
    assert_eq!(w.calls("cgi-bin/user/get").await, 0);
    // A good path through the same raw request works.
    let (status, body) = w.raw_get(&format!("{prefix}/cgi-bin/user/get")).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn the_callers_tokens_stay_behind_and_the_body_goes_unchanged() {
    let w = world().await;
    let response = w
        .proxied(
            reqwest::Method::GET,
            "echo",
            "cgi-bin/user/info?access_token=MINE&openid=o1&lang=zh_CN&component_access_token=C&access%5Ftoken=ENC",
        )
        .bearer_auth(API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = r#"{"touser":"o1","msgtype":"text","text":{"content":"你好"}}"#;
    let response = w
        .proxied(reqwest::Method::POST, "echo", "cgi-bin/message/custom/send")
        .bearer_auth(API_KEY)
        .header("content-type", "application/json; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    {
        let seen = w.seen.lock().unwrap();
        assert_eq!(seen.len(), 2, "{seen:?}");
        let (path, query, _, _) = &seen[0];
        assert_eq!(path, "cgi-bin/user/info");
        assert_eq!(
            query,
            &format!("openid=o1&lang=zh_CN&access_token={ECHO_TOKEN}")
        );
        let (path, query, content_type, sent) = &seen[1];
        assert_eq!(path, "cgi-bin/message/custom/send");
        assert_eq!(query, &format!("access_token={ECHO_TOKEN}"));
        assert_eq!(content_type, "application/json; charset=utf-8");
        assert_eq!(sent.as_slice(), body.as_bytes());
    }

    // WeChat cut off mid-answer: 502, counted as a transport failure, not retried.
    let response = w
        .proxied(reqwest::Method::GET, "echo", "cgi-bin/hangup")
        .bearer_auth(API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 502);
    let failure: Value = response.json().await.unwrap();
    assert_eq!(failure["error"], "upstream_unavailable", "{failure}");
    assert!(!failure.to_string().contains(ECHO_TOKEN), "{failure}");
    let metrics = w.metrics().await;
    assert_eq!(
        metric(
            &metrics,
            "wxgate_wechat_calls_total{account=\"echo\",errcode=\"transport\",path=\"cgi-bin/hangup\"}"
        ),
        1,
        "{metrics}"
    );

    // No token to be had: 503 with Retry-After; no such account: 404.
    let response = w
        .proxied(reqwest::Method::GET, "down", "cgi-bin/user/get")
        .bearer_auth(API_KEY)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert!(response.headers().get("retry-after").is_some());
    let response = w
        .proxied(reqwest::Method::GET, "nope", "cgi-bin/user/get")
        .bearer_auth(API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "unknown_account");

    let logs = w.logs.text();
    assert!(!logs.contains(ECHO_TOKEN), "the access token was logged");
}

#[tokio::test]
async fn bodies_up_to_21_mib_pass_and_larger_ones_are_refused() {
    let w = world().await;
    let big = vec![b'x'; 20 << 20];
    let response = w
        .proxied(
            reqwest::Method::POST,
            "echo",
            "cgi-bin/material/add_material?type=video",
        )
        .bearer_auth(API_KEY)
        .header("content-type", "application/octet-stream")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(w.seen.lock().unwrap()[0].3.len(), 20 << 20);
    let response = w
        .proxied(
            reqwest::Method::POST,
            "echo",
            "cgi-bin/material/add_material?type=video",
        )
        .bearer_auth(API_KEY)
        .body(vec![b'x'; 22 << 20])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(w.seen.lock().unwrap().len(), 1, "refused by the gateway");
}

/// `examples/python/wxgate_proxy.py` against a gateway and the sandbox: it lists the followers
/// and sets a menu through the proxy with a bearer key.
#[tokio::test]
async fn the_python_example_lists_followers_and_sets_a_menu() {
    let w = world().await;
    let mut openids = Vec::new();
    for _ in 0..2 {
        let (openid, _) = w.new_follower(json!({})).await;
        openids.push(openid);
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/python/wxgate_proxy.py"
    );
    let gateway = w.gateway_url.clone();
    // The script blocks; the gateway goes on serving on this test's runtime meanwhile.
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .arg(script)
            .env("WXGATE_URL", gateway)
            .env("WXGATE_KEY", MENU_KEY)
            .env("WXGATE_ACCOUNT", "main")
            .output()
    })
    .await
    .unwrap();
    let output = match output {
        Ok(output) => output,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            panic!(
                "python3 is needed to run examples/python/wxgate_proxy.py: install python3 (apt-get install -y python3)"
            )
        }
        Err(error) => panic!("cannot run python3: {error}"),
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The menu-only key may not list followers: the script says so and stops.
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("wxgate answered 403"), "{stderr}");

    let output = tokio::task::spawn_blocking({
        let gateway = w.gateway_url.clone();
        move || {
            std::process::Command::new("python3")
                .arg(script)
                .env("WXGATE_URL", gateway)
                .env("WXGATE_KEY", API_KEY)
                .env("WXGATE_ACCOUNT", "main")
                .output()
        }
    })
    .await
    .unwrap()
    .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("followers: 2\n"), "{stdout}");
    for openid in &openids {
        assert!(stdout.contains(&format!("  {openid}\n")), "{stdout}");
    }
    assert!(
        stdout.contains("menu: 今日歌曲 (V1001_TODAY_MUSIC)"),
        "{stdout}"
    );
    // The menu really is set on the WeChat side.
    let menu: Value = w
        .get("cgi-bin/menu/get", API_KEY)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        menu["menu"]["button"][0]["key"], "V1001_TODAY_MUSIC",
        "{menu}"
    );
}
