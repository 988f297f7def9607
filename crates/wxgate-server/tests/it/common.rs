//! Shared helpers: a gateway with one account per mode, and WeChat-side request building.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;
use wxgate_proto::crypto::{AesKey, MessageCrypt};
use wxgate_proto::envelope::RequestEnvelope;
use wxgate_proto::signature;
use wxgate_server::{Config, Gateway, MessageRouter};
use wxgate_store::{MemoryStore, Store};

pub(crate) const TOKEN: &str = "AAAAA";
pub(crate) const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
pub(crate) const APP_ID: &str = "wxb11529c136998cb6";

pub(crate) fn config_toml(extra_server: &str) -> String {
    format!(
        r#"
[server]
api_keys = ["test-key-123456"]
{extra_server}

[storage]
url = "memory://"

[[accounts]]
id = "plain"
app_id = "{APP_ID}"
token = "{TOKEN}"
mode = "plaintext"

[[accounts.replies]]
keyword = "hello"
text = "Hi there"

[[accounts.replies]]
regex = "^order (\\d+)$"
[accounts.replies.news]
title = "Your order"
url = "https://example.com/o"

[accounts.subscribe_reply]
text = "Welcome!"

[[accounts]]
id = "compat"
app_id = "{APP_ID}"
token = "{TOKEN}"
encoding_aes_key = "{KEY}"
mode = "compatible"

[[accounts.replies]]
keyword = "hello"
text = "Hi there"

[[accounts]]
id = "safe"
app_id = "{APP_ID}"
token = "{TOKEN}"
encoding_aes_key = "{KEY}"
mode = "safe"

[[accounts.replies]]
keyword = "hello"
text = "你好 🎉"
"#
    )
}

pub(crate) struct TestGateway {
    pub router: Router,
    pub store: Arc<dyn Store>,
}

pub(crate) async fn gateway(messages: MessageRouter, extra_server: &str) -> TestGateway {
    gateway_on(Arc::new(MemoryStore::new()), messages, extra_server).await
}

/// A gateway on a given store: several of them on one store are instances of one deployment.
pub(crate) async fn gateway_on(
    store: Arc<dyn Store>,
    messages: MessageRouter,
    extra_server: &str,
) -> TestGateway {
    let config =
        Config::from_toml(&config_toml(extra_server), Vec::new()).expect("valid test config");
    let gateway = Gateway::builder(config)
        .messages(messages)
        .store(Arc::clone(&store))
        .build()
        .await
        .expect("gateway");
    TestGateway {
        router: gateway.router(),
        store,
    }
}

pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub(crate) fn crypt() -> MessageCrypt {
    MessageCrypt::new(TOKEN, AesKey::parse(KEY).unwrap(), APP_ID)
}

pub(crate) fn text_xml(content: &str, msg_id: u64) -> String {
    format!(
        "<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[o_user]]></FromUserName><CreateTime>{}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>",
        now()
    )
}

/// A fresh nonce per request (`12345` and a counter), as WeChat signs each attempt afresh; a
/// signature is good for one body only.
fn fresh_nonce() -> String {
    static NONCES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NONCES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("12345{n}")
}

/// A plaintext push: query with `signature`.
pub(crate) fn plain_uri(account: &str, timestamp: u64) -> String {
    let ts = timestamp.to_string();
    let nonce = fresh_nonce();
    let sig = signature::sign(&[TOKEN, &ts, &nonce]);
    format!("/wechat/{account}?signature={sig}&timestamp={ts}&nonce={nonce}&openid=o_user")
}

/// An encrypted push: the body and the query with `msg_signature`.
pub(crate) fn encrypted(account: &str, inner: &str, safe: bool) -> (String, String) {
    let ts = now().to_string();
    let encrypt = crypt().encrypt(inner.as_bytes(), *b"0123456789abcdef");
    let body = if safe {
        RequestEnvelope::safe_body("gh_test", &encrypt)
    } else {
        inner.replace(
            "</xml>",
            &format!("<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"),
        )
    };
    let nonce = fresh_nonce();
    let msg_sig = crypt().msg_signature(&ts, &nonce, &encrypt);
    let sig = signature::sign(&[TOKEN, &ts, &nonce]);
    (
        format!(
            "/wechat/{account}?signature={sig}&timestamp={ts}&nonce={nonce}&openid=o_user&encrypt_type=aes&msg_signature={msg_sig}"
        ),
        body,
    )
}

pub(crate) async fn post(
    router: &Router,
    uri: &str,
    body: impl Into<Body>,
) -> (StatusCode, String) {
    let response = router
        .clone()
        .oneshot(Request::post(uri).body(body.into()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

pub(crate) async fn get(router: &Router, uri: &str) -> (StatusCode, String) {
    let response = router
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// Everything logged on a test's thread, once [`Logs::capture`] installed it (a test's gateway,
/// sandbox and stand-ins all run on the test's current-thread runtime).
#[derive(Clone, Default)]
pub(crate) struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    /// Installs a subscriber at `TRACE`, without colours, that writes into the returned logs,
    /// as this thread's default for the rest of the test.
    pub(crate) fn capture() -> Self {
        // tracing caches each callsite's interest process-wide, computed on the thread that
        // reaches it first: a sibling test with no subscriber would leave a `debug!` this test
        // reads cached as never enabled. A silent global subscriber makes every thread answer
        // "interested"; installing it rebuilds the callsites already cached.
        static SILENT_GLOBAL: std::sync::Once = std::sync::Once::new();
        SILENT_GLOBAL.call_once(|| {
            let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry());
        });
        let logs = Self::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .finish();
        // Leaked on purpose: the guard must outlive the test's gateway, and each test has its
        // own thread.
        std::mem::forget(tracing::subscriber::set_default(subscriber));
        logs
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}
