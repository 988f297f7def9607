//! The full-network release test (全网发布): `POST /sandbox/components/{id}/release-test`
//! `{"app_id"?}`.
//!
//! WeChat's fixed test account (default `wx570bc396a51b8ff8` / `gh_3c884a361561`, created when
//! missing) authorizes the component (an `authorized` notice with a fresh auth code when it was
//! not authorized yet), and a following test user sends, through the component's message URL:
//! 1. `event`: a `LOCATION` event; expects the passive text `LOCATIONfrom_callback`;
//! 2. `text`: `TESTCOMPONENT_MSG_TYPE_TEXT`; expects `TESTCOMPONENT_MSG_TYPE_TEXT_callback`;
//! 3. `api`: `QUERY_AUTH_CODE:{code}`; expects an empty answer, then within
//!    [`API_CASE_WAIT`] a customer-service text `{code}_from_api` to the user, sent with an
//!    authorizer token of this component (obtained with `api_query_auth` for the code).
//!
//! The answer: `{"app_id","cases":[{"name","passed","reason"}],"passed"}`.
//!
//! See [WeChat Docs/全网发布接入检测说明](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/operation/thirdparty/releases_instructions.html).

use std::time::Duration;

use serde_json::{Value, json};

use super::Result;
use super::components::{authorize_app, no_component};
use crate::Sandbox;
use crate::config::{AppSpec, Mode};
use crate::error::ControlError;
use crate::push::{Action, act};
use crate::state::{ALNUM, User};

/// WeChat's test Official Account (group 1 of the release test).
pub(crate) const TEST_APP_ID: &str = "wx570bc396a51b8ff8";
/// Its original id.
pub(crate) const TEST_USER_NAME: &str = "gh_3c884a361561";
/// How long (wall time) the API case waits for the customer-service message.
pub(crate) const API_CASE_WAIT: Duration = Duration::from_secs(5);
/// The nickname of the test account's user.
const TEST_NICKNAME: &str = "release test";
const CS_SEND: &str = "cgi-bin/message/custom/send";

pub(crate) async fn run(sb: &Sandbox, id: &str, app_id: Option<String>) -> Result<Value> {
    let has_message_url = sb
        .with_state_ro(|s| s.component(id).map(|c| !c.spec.message_url.is_empty()))
        .ok_or_else(|| no_component(id))?;
    if !has_message_url {
        return Err(ControlError::bad_request(
            "the component has no message_url: the release test pushes messages there",
        ));
    }
    let app_id = match app_id {
        Some(app_id) => app_id,
        None => {
            ensure_test_app(sb)?;
            TEST_APP_ID.to_owned()
        }
    };
    let authorized = authorize_app(sb, id, &app_id, None, None).await?;
    let code = authorized["auth_code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let openid = test_user(sb, &app_id).await?;
    let mut cases = Vec::new();
    cases.push(reply_case(
        sb,
        &app_id,
        &openid,
        "event",
        json!({"type": "report_location", "latitude": 23.137466, "longitude": 113.352425, "precision": 119.385040}),
        "LOCATIONfrom_callback",
    )
    .await?);
    cases.push(
        reply_case(
            sb,
            &app_id,
            &openid,
            "text",
            json!({"type": "text", "content": "TESTCOMPONENT_MSG_TYPE_TEXT"}),
            "TESTCOMPONENT_MSG_TYPE_TEXT_callback",
        )
        .await?,
    );
    cases.push(api_case(sb, id, &app_id, &openid, &code).await?);
    let passed = cases.iter().all(|c| c["passed"] == true);
    Ok(json!({"app_id": app_id, "cases": cases, "passed": passed}))
}

/// Creates WeChat's test account when the sandbox does not have it.
fn ensure_test_app(sb: &Sandbox) -> Result<()> {
    if sb.with_state_ro(|s| s.app(TEST_APP_ID).is_some()) {
        return Ok(());
    }
    let (secret, token) =
        sb.with_state(|s| (s.random_string(ALNUM, 32), s.random_string(ALNUM, 32)));
    sb.upsert_app(AppSpec {
        app_id: TEST_APP_ID.to_owned(),
        app_secret: secret.into(),
        token: token.into(),
        mode: Mode::Plaintext,
        original_id: Some(TEST_USER_NAME.to_owned()),
        ..AppSpec::default()
    })?;
    Ok(())
}

/// The test account's user, following (a `subscribe` push when it was not).
async fn test_user(sb: &Sandbox, app_id: &str) -> Result<String> {
    let (openid, following) = sb.with_state(|s| {
        let now = s.now();
        let fresh = s.random_openid();
        let app = s
            .apps
            .get_mut(app_id)
            .ok_or_else(|| ControlError::not_found(format!("no app {app_id}")))?;
        if let Some(user) = app.users.values().find(|u| u.nickname == TEST_NICKNAME) {
            return Ok((user.openid.clone(), user.subscribed));
        }
        app.users.insert(
            fresh.clone(),
            User::new(fresh.clone(), TEST_NICKNAME.to_owned(), now),
        );
        Ok::<_, ControlError>((fresh, false))
    })?;
    if !following {
        act(sb, app_id, &openid, action(json!({"type": "follow"}))?).await?;
    }
    Ok(openid)
}

fn action(value: Value) -> Result<Action> {
    serde_json::from_value(value).map_err(|e| ControlError::bad_request(e.to_string()))
}

fn case(name: &str, reason: Option<String>) -> Value {
    json!({"name": name, "passed": reason.is_none(), "reason": reason})
}

/// Why a delivery did not bring the passive text `expected`, if it did not.
fn reply_failure(delivery: &Value, expected: &str) -> Option<String> {
    let outcome = delivery["outcome"].as_str().unwrap_or_default();
    if outcome != "reply" {
        let error = delivery["error"]
            .as_str()
            .map(|e| format!(": {e}"))
            .unwrap_or_default();
        return Some(format!(
            "expected the passive text {expected:?}, got a {outcome} answer{error}"
        ));
    }
    let reply = &delivery["reply"];
    if reply["msgtype"] != "text" {
        return Some(format!(
            "expected a text reply {expected:?}, got msgtype {}",
            reply["msgtype"]
        ));
    }
    let content = reply["text"]["content"].as_str().unwrap_or_default();
    (content != expected).then(|| format!("expected the text {expected:?}, got {content:?}"))
}

async fn reply_case(
    sb: &Sandbox,
    app_id: &str,
    openid: &str,
    name: &str,
    what: Value,
    expected: &str,
) -> Result<Value> {
    let delivery = act(sb, app_id, openid, action(what)?).await?;
    Ok(case(name, reply_failure(&delivery, expected)))
}

async fn api_case(sb: &Sandbox, id: &str, app_id: &str, openid: &str, code: &str) -> Result<Value> {
    let sends_before = cs_sends(sb, id, app_id);
    let inbox_before = inbox_len(sb, app_id, openid);
    let content = format!("QUERY_AUTH_CODE:{code}");
    let delivery = act(
        sb,
        app_id,
        openid,
        action(json!({"type": "text", "content": content}))?,
    )
    .await?;
    let outcome = delivery["outcome"].as_str().unwrap_or_default();
    if outcome != "empty" {
        return Ok(case(
            "api",
            Some(format!(
                "expected an empty answer to {content:?}, got a {outcome} answer"
            )),
        ));
    }
    let expected = format!("{code}_from_api");
    let deadline = tokio::time::Instant::now() + API_CASE_WAIT;
    loop {
        let received = sb.with_state_ro(|s| {
            s.app(app_id)
                .and_then(|a| a.user(openid))
                .map(|u| {
                    u.inbox
                        .iter()
                        .skip(inbox_before)
                        .filter(|m| m["source"] == "custom")
                        .filter_map(|m| m["message"]["text"]["content"].as_str())
                        .map(str::to_owned)
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        });
        if received.contains(&expected) {
            if cs_sends(sb, id, app_id) > sends_before {
                return Ok(case("api", None));
            }
            return Ok(case(
                "api",
                Some(format!(
                    "{expected:?} arrived, but not through an authorizer token of this component"
                )),
            ));
        }
        if tokio::time::Instant::now() >= deadline {
            let got = if received.is_empty() {
                "no customer-service message".to_owned()
            } else {
                format!("customer-service messages {received:?}")
            };
            return Ok(case(
                "api",
                Some(format!(
                    "expected the customer-service text {expected:?} within {} s, got {got}",
                    API_CASE_WAIT.as_secs()
                )),
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Customer-service messages sent with this component's authorizer tokens for `app_id`.
fn cs_sends(sb: &Sandbox, id: &str, app_id: &str) -> u64 {
    sb.with_state_ro(|s| {
        s.component(id)
            .and_then(|c| c.authorizers.get(app_id))
            .and_then(|a| a.calls.get(CS_SEND).copied())
            .unwrap_or(0)
    })
}

fn inbox_len(sb: &Sandbox, app_id: &str, openid: &str) -> usize {
    sb.with_state_ro(|s| {
        s.app(app_id)
            .and_then(|a| a.user(openid))
            .map_or(0, |u| u.inbox.len())
    })
}
