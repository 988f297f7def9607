//! Secrets never reach errors or logs.

use std::error::Error as _;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use wxgate_api::endpoint::ticket::getticket;
use wxgate_api::endpoint::token;
use wxgate_api::{
    AccountCredentials, AppId, AppSecret, Client, CredentialOptions, Credentials, RetryPolicy,
};

use crate::common::{APP_ID, Env, memory_store};

const SECRET: &str = "Zq8SuperSecretAppSecret";
const TOKEN: &str = "Zq8SuperSecretAccessToken";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Everything an error shows: Display, Debug and the whole source chain.
fn everything(error: &wxgate_api::Error) -> String {
    let mut text = format!("{error} | {error:?}");
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(" | {cause} | {cause:?}"));
        source = cause.source();
    }
    text
}

fn assert_clean(text: &str) {
    assert!(!text.contains(SECRET), "secret leaked: {text}");
    assert!(!text.contains(TOKEN), "token leaked: {text}");
}

/// Multi-threaded so that only this test's own thread (the client and the manager) logs into
/// the captured subscriber, not the sandbox's server tasks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_stay_out_of_errors_and_logs() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    // Transport failures (the URL with `secret=` and `access_token=` is in reqwest's error).
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
    let request = token::Request::new(AppId::new(APP_ID), AppSecret::new(SECRET));
    let error = client.call(&request).await.unwrap_err();
    assert_clean(&everything(&error));
    let error = client
        .call(&getticket::Request::jsapi())
        .access_token(TOKEN)
        .await
        .unwrap_err();
    assert_clean(&everything(&error));
    let error = client
        .get_json::<serde_json::Value>(&format!("/cgi-bin/x?access_token={TOKEN}"), &[])
        .await
        .unwrap_err();
    assert_clean(&everything(&error));

    // WeChat errors and the credential manager's logs and errors.
    let env = Env::start().await;
    let account = AccountCredentials::new("main", APP_ID, AppSecret::new(SECRET));
    let credentials = Credentials::new(
        env.client(),
        memory_store(),
        account,
        CredentialOptions::default(),
    );
    let error = credentials.access_token().await.unwrap_err();
    assert!(error.api_error().is_some(), "{error}");
    assert_clean(&everything(&error));
    assert_clean(&format!("{credentials:?}"));
    let error = env
        .client()
        .call(&getticket::Request::wx_card())
        .access_token(TOKEN)
        .await
        .unwrap_err();
    assert_clean(&everything(&error));

    let logs = logs.text();
    assert!(logs.contains("cgi-bin/token"), "logs were captured: {logs}");
    assert_clean(&logs);
}

#[tokio::test]
async fn debug_output_of_credentials_is_redacted() {
    let env = Env::start().await;
    let credentials = env.credentials(memory_store(), "main");
    let token = credentials.access_token().await.unwrap();
    assert!(!format!("{token:?}").contains(&token.token));
    let ticket = credentials.jsapi_ticket().await.unwrap();
    assert!(!format!("{ticket:?}").contains(&ticket.ticket));
    let secret = AppSecret::new(SECRET);
    assert_clean(&format!("{secret:?} {secret}"));
    assert_clean(&format!("{:?}", json!({"k": format!("{secret:?}")})));
}
