//! The full-network release test (全网发布), answered built in: WeChat's fixed test account
//! sends, through the component's message URL, an event (answered with the passive text
//! `{Event}from_callback`), the text `TESTCOMPONENT_MSG_TYPE_TEXT` (answered
//! `TESTCOMPONENT_MSG_TYPE_TEXT_callback`) and `QUERY_AUTH_CODE:{code}` (answered with an empty
//! body; then the code is exchanged with `api_query_auth` and the customer-service text
//! `{code}_from_api` is sent to the user with the authorizer token so obtained). See
//! [WeChat Docs/全网发布接入检测说明](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/operation/thirdparty/releases_instructions.html).

use std::sync::Arc;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use wxgate_api::endpoint::message::custom::send::{Message, Request};
use wxgate_proto::callback;
use wxgate_proto::message::Inbound;
use wxgate_proto::reply::Reply;

use super::Component;
use crate::app::{Account, Shared};
use crate::handler::{BoxFuture, Fixed, Handler, Incoming};
use crate::router::{MessageRouter, MsgType};

/// WeChat's test Official Account of the release test.
pub(crate) const TEST_APP_ID: &str = "wx570bc396a51b8ff8";
/// The text case's message.
const TEXT_CASE: &str = "TESTCOMPONENT_MSG_TYPE_TEXT";
/// The API case's prefix.
const API_CASE_PREFIX: &str = "QUERY_AUTH_CODE:";

/// The passive answers of the event and text cases.
pub(super) fn routes() -> MessageRouter {
    MessageRouter::new()
        .msg_type(MsgType::Event, EventEcho)
        .keyword(
            TEXT_CASE,
            Fixed(Reply::text(format!("{TEXT_CASE}_callback"))),
        )
}

/// Answers any event with `{Event}from_callback`.
struct EventEcho;

impl Handler for EventEcho {
    fn call(&self, incoming: Incoming) -> BoxFuture<Option<Reply>> {
        let reply = incoming
            .event()
            .map(|event| Reply::text(format!("{}from_callback", event.name())));
        Box::pin(std::future::ready(reply))
    }
}

/// The API case: when the push is a verified `QUERY_AUTH_CODE:{code}` text, answers it with
/// an empty body and sends `{code}_from_api` in the background; `None` for anything else (the
/// usual pipeline then verifies, refuses or answers it).
pub(super) fn api_case(
    shared: &Arc<Shared>,
    component: &Component,
    account: &Account,
    query: Option<&str>,
    body: &[u8],
) -> Option<Response> {
    let query = callback::Query::parse(query.unwrap_or_default());
    shared
        .check_timestamp(&query.as_query_ref(), shared.unix_now())
        .ok()?;
    let opened = account
        .endpoint
        .open(&query, std::str::from_utf8(body).ok()?)
        .ok()?;
    let inbound = Inbound::from_element(opened.document).ok()?;
    let wxgate_proto::message::Body::Text(text) = &inbound.body else {
        return None;
    };
    let code = text
        .content
        .trim()
        .strip_prefix(API_CASE_PREFIX)?
        .to_owned();
    let openid = inbound.from_user_name.as_str().to_owned();
    let credentials = component.credentials.clone();
    let id = Arc::clone(&component.id);
    tokio::spawn(async move {
        let sent = async {
            let authorizer = credentials.query_auth(&code).await?;
            let account = credentials
                .authorizer_credentials(authorizer.app_id.as_str())
                .await?;
            let message = Message::text(format!("{code}_from_api"));
            account
                .send_custom_message(&Request::new(openid.as_str(), message))
                .await
        };
        match sent.await {
            Ok(_) => tracing::info!(component = %id, "release test: API case answered"),
            Err(error) => {
                tracing::warn!(component = %id, %error, "release test: API case failed");
            }
        }
    });
    Some(
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "",
        )
            .into_response(),
    )
}
