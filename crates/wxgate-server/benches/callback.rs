//! The callback hot path, without sockets:
//! - `proto/*`: verify → decrypt → parse → build reply → encrypt, the pure protocol work;
//! - `gateway/*`: the same through the axum router, with de-duplication in the memory store,
//!   routing to a configured reply, and the HTTP response.
//!
//! Every iteration sends a distinct message (a new MsgId), as WeChat does.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::http::Request;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use tower::ServiceExt as _;
use wxgate_proto::callback::{CallbackEndpoint, Mode, Query};
use wxgate_proto::crypto::{AesKey, MessageCrypt};
use wxgate_proto::envelope::RequestEnvelope;
use wxgate_proto::message::Inbound;
use wxgate_proto::reply::Reply;
use wxgate_proto::signature;
use wxgate_server::{Config, Gateway};
use wxgate_store::MemoryStore;

/// The allocator the `wxgate` binary uses.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const TOKEN: &str = "benchtoken";
const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const APP_ID: &str = "wxbe4c000000000001";

fn crypt() -> MessageCrypt {
    MessageCrypt::new(TOKEN, AesKey::parse(KEY).unwrap(), APP_ID)
}

fn message(id: u64, ts: &str) -> String {
    format!(
        "<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[o_bench_user]]></FromUserName><CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content><MsgId>{id}</MsgId></xml>"
    )
}

fn now() -> String {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string()
}

/// A signed request: (query, body). Each message has its own nonce, as from WeChat: the gateway
/// refuses a signature it has seen with another body.
fn signed(safe: bool, id: u64) -> (Query, String) {
    let ts = now();
    let xml = message(id, &ts);
    let nonce = id.to_string();
    let mut query = Query {
        signature: Some(signature::sign(&[TOKEN, &ts, &nonce])),
        timestamp: Some(ts.clone()),
        nonce: Some(nonce.clone()),
        openid: Some("o_bench_user".to_owned()),
        ..Query::default()
    };
    if !safe {
        return (query, xml);
    }
    let encrypt = crypt().encrypt(
        xml.as_bytes(),
        id.to_be_bytes().repeat(2).try_into().unwrap(),
    );
    query.encrypt_type = Some("aes".to_owned());
    query.msg_signature = Some(crypt().msg_signature(&ts, &nonce, &encrypt));
    (query, RequestEnvelope::safe_body("gh_bench", &encrypt))
}

fn uri(account: &str, query: &Query) -> String {
    format!(
        "/wechat/{account}?{}",
        serde_urlencoded::to_string(query).unwrap()
    )
}

fn proto(c: &mut Criterion) {
    let mut group = c.benchmark_group("proto");
    group.throughput(Throughput::Elements(1));
    for (name, mode) in [("plaintext", Mode::Plaintext), ("safe", Mode::Safe)] {
        let endpoint = CallbackEndpoint::new(TOKEN, mode, Some(crypt()));
        let (query, body) = signed(mode == Mode::Safe, 1);
        group.bench_function(format!("verify_decrypt_parse_reply_encrypt/{name}"), |b| {
            b.iter(|| {
                let opened = endpoint.open(black_box(&query), black_box(&body)).unwrap();
                let encrypted = opened.encrypted;
                let inbound = Inbound::from_element(opened.document).unwrap();
                let xml = Reply::text("Hi there").to_xml(
                    &inbound.from_user_name,
                    &inbound.to_user_name,
                    1_700_000_000,
                );
                black_box(endpoint.seal_bytes(encrypted, &xml, "1700000000", "5678", [7; 16]))
            });
        });
    }
    group.finish();
}

fn gateway(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let toml = format!(
        r#"
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
[[accounts]]
id = "safe"
app_id = "{APP_ID}"
token = "{TOKEN}"
encoding_aes_key = "{KEY}"
mode = "safe"
[[accounts.replies]]
keyword = "hello"
text = "Hi there"
"#
    );
    let config = Config::from_toml(&toml, Vec::new()).unwrap();
    let router = runtime.block_on(async {
        Gateway::builder(config)
            .store(Arc::new(MemoryStore::new()))
            .build()
            .await
            .unwrap()
            .router()
    });
    let mut group = c.benchmark_group("gateway");
    group.throughput(Throughput::Elements(1));
    let ids = AtomicU64::new(1);
    for (name, account, safe) in [("plaintext", "plain", false), ("safe", "safe", true)] {
        group.bench_function(format!("router_oneshot/{name}"), |b| {
            b.to_async(&runtime).iter_batched(
                // A fresh, distinct message per iteration; building it is not timed.
                || {
                    let (query, body) = signed(safe, ids.fetch_add(1, Ordering::Relaxed));
                    Request::post(uri(account, &query))
                        .body(Body::from(body))
                        .unwrap()
                },
                |request| {
                    let router = router.clone();
                    async move {
                        let response = router.oneshot(request).await.unwrap();
                        assert_eq!(response.status(), 200);
                        black_box(response)
                    }
                },
                BatchSize::SmallInput,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, proto, gateway);
criterion_main!(benches);
