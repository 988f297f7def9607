//! Short keys, IP lists, the callback network check, rid lookups and quotas against the sandbox.

use serde_json::json;
use wxgate_api::ErrCode;
use wxgate_api::endpoint::callback::check::{self, Action, Operator};
use wxgate_api::endpoint::openapi::{quota, rid};
use wxgate_api::endpoint::shorten::{fetch, r#gen};
use wxgate_api::endpoint::{get_api_domain_ip, getcallbackip};

use crate::common::APP_ID;
use crate::message::{Fixture, assert_quota_error};

#[tokio::test]
async fn short_keys_round_trip() {
    let f = Fixture::start().await;
    let key = f
        .client
        .call(&r#gen::Request::new("order=42&来源=菜单").expire_seconds(3600))
        .access_token(&f.token)
        .await
        .unwrap()
        .short_key;
    let got = f
        .credentials
        .call(&fetch::Request::new(key.as_str()))
        .await
        .unwrap();
    assert_eq!(got.long_data, "order=42&来源=菜单");
    assert!(
        got.expire_seconds <= 3600 && got.expire_seconds > 3000,
        "{got:?}"
    );
    assert!(got.create_time > 0);
    f.env.advance(3601).await;
    let error = f
        .credentials
        .call(&fetch::Request::new(key.as_str()))
        .await
        .unwrap_err();
    assert_eq!(
        error.errcode(),
        Some(ErrCode::ArgumentInvalid),
        "expired: {error}"
    );
    let error = f
        .credentials
        .call(&r#gen::Request::new("x".repeat(4097)))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::ArgumentInvalid), "{error}");
    f.env
        .fault(json!({"path": "cgi-bin/shorten/gen", "errcode": 45009, "times": 1}))
        .await;
    let error = f
        .credentials
        .call(&r#gen::Request::new("x"))
        .await
        .unwrap_err();
    assert_quota_error(&error, "/cgi-bin/shorten/gen");
}

#[tokio::test]
async fn ip_lists() {
    let f = Fixture::start().await;
    let api = f
        .client
        .call(&get_api_domain_ip::Request::new())
        .access_token(&f.token)
        .await
        .unwrap();
    assert_eq!(api.ip_list, ["127.0.0.1"]);
    let callback = f
        .credentials
        .call(&getcallbackip::Request::new())
        .await
        .unwrap();
    assert_eq!(callback.ip_list, ["127.0.0.1"]);
    let error = f
        .client
        .call(&get_api_domain_ip::Request::new())
        .access_token("not-a-token")
        .await
        .unwrap_err();
    assert!(error.is_token_invalid(), "{error}");
}

#[tokio::test]
async fn callback_check_resolves_and_reaches_the_callback_host() {
    let f = Fixture::start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let response = f
        .env
        .http
        .post(format!("{}/sandbox/apps", f.env.base_url()))
        .json(&json!({
            "app_id": APP_ID,
            "app_secret": crate::common::APP_SECRET,
            "token": "callbacktoken",
            "mode": "plaintext",
            "callback_url": format!("http://127.0.0.1:{port}/wechat/main"),
        }))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());

    let all = f
        .credentials
        .call(&check::Request::new(Action::All, Operator::Default))
        .await
        .unwrap();
    assert_eq!(all.dns.len(), 3, "{all:?}");
    assert!(all.dns.iter().all(|d| d.ip == "127.0.0.1"));
    assert_eq!(all.ping.len(), 3);
    assert!(
        all.ping
            .iter()
            .all(|p| p.package_loss == "0%" && p.time.ends_with("ms")),
        "{all:?}"
    );

    let dns = f
        .client
        .call(&check::Request::new(Action::Dns, Operator::Unicom))
        .access_token(&f.token)
        .await
        .unwrap();
    assert_eq!(dns.dns.len(), 1);
    assert_eq!(dns.dns[0].real_operator, "UNICOM");
    assert!(dns.ping.is_empty());

    drop(listener);
    let ping = f
        .credentials
        .call(&check::Request::new(Action::Ping, Operator::Cap))
        .await
        .unwrap();
    assert_eq!(
        ping.ping[0].package_loss, "100%",
        "nothing listens any more: {ping:?}"
    );

    let used = f
        .credentials
        .call(&quota::get::Request::new("/cgi-bin/callback/check"))
        .await
        .unwrap()
        .quota;
    assert_eq!((used.daily_limit, used.used), (1440, 3));
}

#[tokio::test]
async fn rids_of_errors_can_be_looked_up() {
    let f = Fixture::start().await;
    let error = f
        .client
        .call(&fetch::Request::new("no-such-key"))
        .access_token(&f.token)
        .await
        .unwrap_err();
    let rid = error
        .api_error()
        .and_then(|e| e.rid())
        .expect("errors carry a rid")
        .to_owned();
    let info = f
        .credentials
        .call(&rid::get::Request::new(rid.as_str()))
        .await
        .unwrap()
        .request;
    assert_eq!(info.request_body, r#"{"short_key":"no-such-key"}"#);
    assert!(
        info.response_body.contains("47003") && info.response_body.contains(&rid),
        "{info:?}"
    );
    assert!(info.request_url.starts_with("access_token="), "{info:?}");
    assert!(
        !info.request_url.contains(&f.token),
        "the token is masked: {info:?}"
    );
    assert_eq!(info.client_ip, "127.0.0.1");
    assert!(info.invoke_time > 0);

    let error = f
        .credentials
        .call(&rid::get::Request::new("00000000-00000000-00000000"))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::RidNotFound), "{error}");
    let error = f
        .credentials
        .call(&rid::get::Request::new("not a rid"))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::RidInvalid), "{error}");

    // Another account may not look it up.
    let other = "wx00000000000000ff";
    let response = f
        .env
        .http
        .post(format!("{}/sandbox/apps", f.env.base_url()))
        .json(
            &json!({"app_id": other, "app_secret": "other-secret", "token": "t",
            "mode": "plaintext", "callback_url": "http://127.0.0.1:9/x"}),
        )
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let other_token = f
        .client
        .call(&wxgate_api::endpoint::token::Request::new(
            wxgate_api::AppId::new(other),
            wxgate_api::AppSecret::new("other-secret"),
        ))
        .await
        .unwrap()
        .access_token;
    let error = f
        .client
        .call(&rid::get::Request::new(rid.as_str()))
        .access_token(&other_token)
        .await
        .unwrap_err();
    assert_eq!(
        error.errcode(),
        Some(ErrCode::CgiPathInvalid),
        "76003, another account's rid: {error}"
    );

    f.env.advance(7 * 86_400 + 1).await;
    let error = f
        .credentials
        .call(&rid::get::Request::new(rid.as_str()))
        .await
        .unwrap_err();
    assert_eq!(
        error.errcode(),
        Some(ErrCode::RidNotFound),
        "rids live 7 days: {error}"
    );
}

#[tokio::test]
async fn quota_reports_and_clears_match_the_sandbox() {
    let f = Fixture::start().await;
    let openid = f.env.follower().await;
    let before = f
        .credentials
        .call(&quota::get::Request::new("/cgi-bin/message/custom/send"))
        .await
        .unwrap()
        .quota;
    assert_eq!((before.daily_limit, before.used), (500_000, 0));
    use wxgate_api::endpoint::message::custom::send::{Message, Request};
    f.credentials
        .call(&Request::new(openid.as_str(), Message::text("x")))
        .await
        .unwrap();
    let after = f
        .credentials
        .call(&quota::get::Request::new("/cgi-bin/message/custom/send"))
        .await
        .unwrap()
        .quota;
    assert_eq!((after.used, after.remain), (1, 499_999));
    f.credentials
        .call(&quota::clear::Request::new("/cgi-bin/message/custom/send"))
        .await
        .unwrap();
    let cleared = f
        .credentials
        .call(&quota::get::Request::new("/cgi-bin/message/custom/send"))
        .await
        .unwrap()
        .quota;
    assert_eq!(cleared.used, 0);
    let error = f
        .credentials
        .call(&quota::get::Request::new("/cgi-bin/no/such/api"))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::CgiPathNotFound), "{error}");
    let error = f
        .credentials
        .call(&quota::get::Request::new("/sns/userinfo"))
        .await
        .unwrap_err();
    assert_eq!(
        error.errcode(),
        Some(ErrCode::CgiPathNoPermission),
        "{error}"
    );
}

#[tokio::test]
async fn every_daily_limited_path_is_known_to_the_quota_api() {
    let f = Fixture::start().await;
    for path in quota::DAILY_LIMITED_PATHS {
        let report = f
            .credentials
            .call(&quota::get::Request::new(*path))
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(report.quota.daily_limit > 0, "{path}: {report:?}");
    }
}

#[tokio::test]
async fn raw_calls_answer_json_or_files_and_check_errcodes() {
    let f = Fixture::start().await;
    let query = [("access_token", f.token.as_str())];
    let key = f
        .client
        .call_raw(
            "/cgi-bin/shorten/gen",
            &query,
            Some(br#"{"long_data":"raw"}"#.to_vec()),
        )
        .await
        .unwrap();
    assert!(
        key.content_type
            .as_deref()
            .unwrap_or_default()
            .contains("json")
    );
    let key: serde_json::Value = serde_json::from_slice(&key.bytes).unwrap();
    let body = serde_json::to_vec(&json!({"short_key": key["short_key"]})).unwrap();
    let got = f
        .client
        .call_raw("/cgi-bin/shorten/fetch", &query, Some(body))
        .await
        .unwrap();
    let got: serde_json::Value = serde_json::from_slice(&got.bytes).unwrap();
    assert_eq!(got["long_data"], "raw");
    let ips = f
        .client
        .call_raw("/cgi-bin/get_api_domain_ip", &query, None)
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&ips.bytes).contains("127.0.0.1"));
    let error = f
        .client
        .call_raw("/cgi-bin/shorten/fetch", &query, Some(b"{".to_vec()))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::DataFormatError), "{error}");
    assert_eq!(error.path(), Some("/cgi-bin/shorten/fetch"));
}
