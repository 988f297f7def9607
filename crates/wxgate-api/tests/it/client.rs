//! The client against the sandbox and a misbehaving server.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wxgate_api::endpoint::openapi::quota;
use wxgate_api::endpoint::ticket::getticket;
use wxgate_api::endpoint::{stable_token, token};
use wxgate_api::{AppId, AppSecret, Client, ErrCode, ErrorKind, RetryPolicy};

use crate::common::{APP_ID, APP_SECRET, Env};

fn token_request() -> token::Request {
    token::Request::new(AppId::new(APP_ID), AppSecret::new(APP_SECRET))
}

#[tokio::test]
async fn typed_endpoints_against_the_sandbox() {
    let env = Env::start().await;
    let client = env.client();

    let token = client.call(&token_request()).await.unwrap();
    assert!(!token.access_token.is_empty());
    assert!(
        token.expires_in > 0 && token.expires_in <= 7200,
        "{}",
        token.expires_in
    );

    let stable_request = stable_token::Request::new(AppId::new(APP_ID), AppSecret::new(APP_SECRET));
    let stable = client.call(&stable_request).await.unwrap();
    let again = client.call(&stable_request).await.unwrap();
    assert_eq!(
        stable.access_token, again.access_token,
        "stable_token is stable"
    );

    for request in [getticket::Request::jsapi(), getticket::Request::wx_card()] {
        let ticket = client
            .call(&request)
            .access_token(&token.access_token)
            .await
            .unwrap();
        assert!(!ticket.ticket.is_empty());
        assert!(ticket.expires_in > 0);
    }

    let report = client
        .call(&quota::get::Request::new("/cgi-bin/token"))
        .access_token(&token.access_token)
        .await
        .unwrap();
    assert!(report.quota.used >= 1, "{report:?}");
    assert_eq!(env.calls("cgi-bin/token").await, 1);
    assert_eq!(env.calls("cgi-bin/stable_token").await, 2);
    assert_eq!(env.calls("cgi-bin/ticket/getticket").await, 2);
}

#[tokio::test]
async fn api_errors_are_typed_with_rid() {
    let env = Env::start().await;
    let client = env.client();
    let wrong = token::Request::new(AppId::new(APP_ID), AppSecret::new("wrong-secret"));
    let error = client.call(&wrong).await.unwrap_err();
    let api = error.api_error().expect("an api error");
    assert!(
        matches!(
            api.code(),
            ErrCode::InvalidCredential | ErrCode::InvalidAppSecret
        ),
        "{error}"
    );
    assert!(
        api.rid().is_some(),
        "sandbox appends a rid: {}",
        api.errmsg()
    );

    let error = client
        .call(&getticket::Request::jsapi())
        .access_token("not-a-token")
        .await
        .unwrap_err();
    assert!(error.is_token_invalid(), "{error}");
}

#[tokio::test]
async fn missing_credential_is_reported_without_a_request() {
    let env = Env::start().await;
    let error = env
        .client()
        .call(&getticket::Request::jsapi())
        .await
        .unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::MissingCredential { .. }),
        "{error}"
    );
    assert_eq!(env.calls("cgi-bin/ticket/getticket").await, 0);
}

#[tokio::test]
async fn system_error_is_retried_with_a_bound() {
    let env = Env::start().await;
    let client = env.client();
    env.fault(json!({"path": "cgi-bin/token", "errcode": -1, "times": 2}))
        .await;
    client
        .call(&token_request())
        .await
        .expect("third attempt succeeds");
    assert_eq!(env.calls("cgi-bin/token").await, 3);

    env.fault(json!({"path": "cgi-bin/token", "errcode": -1, "times": 100}))
        .await;
    let error = client.call(&token_request()).await.unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::SystemError));
    assert_eq!(env.calls("cgi-bin/token").await, 6, "3 attempts, no more");

    let single = Client::builder()
        .base_url(env.base_url())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    single.call(&token_request()).await.unwrap_err();
    assert_eq!(env.calls("cgi-bin/token").await, 7);
}

#[tokio::test]
async fn raw_escape_hatch() {
    let env = Env::start().await;
    let client = env.client();
    let token: Value = client
        .get_json(
            "/cgi-bin/token",
            &[
                ("grant_type", "client_credential"),
                ("appid", APP_ID),
                ("secret", APP_SECRET),
            ],
        )
        .await
        .unwrap();
    let access_token = token["access_token"].as_str().unwrap();
    let report: Value = client
        .post_json(
            &format!("/cgi-bin/openapi/quota/get?access_token={access_token}"),
            &json!({"cgi_path": "/cgi-bin/token"}),
        )
        .await
        .unwrap();
    assert!(report["quota"]["used"].as_i64().unwrap() >= 1, "{report}");
    let error = client
        .post_json::<_, Value>(
            "/cgi-bin/openapi/quota/get?access_token=bogus",
            &json!({"cgi_path": "/cgi-bin/token"}),
        )
        .await
        .unwrap_err();
    assert!(error.is_token_invalid(), "{error}");
}

/// A server that answers every request with an HTML 502, counting requests.
async fn html_502_server() -> (String, Arc<AtomicU64>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicU64::new(0));
    let counter = count.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                counter.fetch_add(1, Ordering::SeqCst);
                let body = "<html><body><h1>502 Bad Gateway</h1></body></html>";
                let response = format!(
                    "HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    (format!("http://{addr}"), count)
}

#[tokio::test]
async fn html_502_keeps_the_raw_body() {
    let (base_url, count) = html_502_server().await;
    let client = Client::builder()
        .base_url(base_url)
        .retry(RetryPolicy::new(
            3,
            Duration::from_millis(5),
            Duration::from_millis(10),
        ))
        .build()
        .unwrap();
    let error = client.call(&token_request()).await.unwrap_err();
    match error.kind() {
        ErrorKind::Status { status, body, path } => {
            assert_eq!(*status, 502);
            assert!(body.contains("502 Bad Gateway"), "{body}");
            assert_eq!(path, "/cgi-bin/token");
        }
        other => panic!("expected a status error, got {other:?}"),
    }
    assert_eq!(count.load(Ordering::SeqCst), 3, "idempotent GET retried");

    // A POST that may not be repeated is tried once.
    let before = count.load(Ordering::SeqCst);
    let error = client
        .post_json::<_, Value>("/cgi-bin/message/custom/send?access_token=T", &json!({}))
        .await
        .unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::Status { status: 502, .. }),
        "{error}"
    );
    assert_eq!(count.load(Ordering::SeqCst) - before, 1);
}

#[tokio::test]
async fn transport_failure_is_reported() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::builder()
        .base_url(format!("http://{addr}"))
        .retry(RetryPolicy::new(
            2,
            Duration::from_millis(1),
            Duration::from_millis(1),
        ))
        .build()
        .unwrap();
    let error = client.call(&token_request()).await.unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::Transport { .. }),
        "{error:?}"
    );
    assert!(error.is_transient());
}

#[tokio::test]
async fn quota_clearing_and_typing_endpoints_match_the_sandbox() {
    use wxgate_api::endpoint::clear_quota;
    use wxgate_api::endpoint::message::custom::typing;

    let env = Env::start().await;
    let client = env.client();
    let token = client.call(&token_request()).await.unwrap();
    let access_token = token.access_token.as_str();

    client
        .call(&quota::clear::Request::new("/cgi-bin/token"))
        .access_token(access_token)
        .await
        .unwrap();
    let report = client
        .call(&quota::get::Request::new("/cgi-bin/token"))
        .access_token(access_token)
        .await
        .unwrap();
    assert_eq!(report.quota.used, 0, "{report:?}");
    let error = client
        .call(&quota::get::Request::new("cgi-bin/token"))
        .access_token(access_token)
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::CgiPathInvalid), "{error}");

    client
        .call(&clear_quota::Request::new(AppId::new(APP_ID)))
        .access_token(access_token)
        .await
        .unwrap();
    client
        .call(&clear_quota::v2::Request::new(
            AppId::new(APP_ID),
            AppSecret::new(APP_SECRET),
        ))
        .await
        .unwrap();

    let openid = env.follower().await;
    client
        .call(&typing::Request::new(
            openid.as_str(),
            typing::Command::Typing,
        ))
        .access_token(access_token)
        .await
        .unwrap();
    assert_eq!(env.calls("cgi-bin/message/custom/typing").await, 1);
}

#[tokio::test]
async fn an_observer_sees_every_attempt_with_its_errcode() {
    let env = Env::start().await;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = std::sync::Arc::clone(&seen);
    let client = Client::builder()
        .base_url(env.base_url())
        .retry(RetryPolicy::new(
            3,
            std::time::Duration::from_millis(1),
            std::time::Duration::from_millis(2),
        ))
        .on_attempt(move |path, attempt| record.lock().unwrap().push((path.to_owned(), attempt)))
        .build()
        .unwrap();
    env.fault(json!({"path": "cgi-bin/token", "errcode": -1, "times": 1}))
        .await;
    client.call(&token_request()).await.unwrap();
    let unreachable = Client::builder()
        .base_url("http://127.0.0.1:9")
        .retry(RetryPolicy::none())
        .on_attempt({
            let record = std::sync::Arc::clone(&seen);
            move |path, attempt| record.lock().unwrap().push((path.to_owned(), attempt))
        })
        .build()
        .unwrap();
    unreachable.call(&token_request()).await.unwrap_err();
    let token = |attempt| ("cgi-bin/token".to_owned(), attempt);
    assert_eq!(
        *seen.lock().unwrap(),
        [
            token(wxgate_api::Attempt::Answered { errcode: -1 }),
            token(wxgate_api::Attempt::Answered { errcode: 0 }),
            token(wxgate_api::Attempt::Failed),
        ]
    );
}
