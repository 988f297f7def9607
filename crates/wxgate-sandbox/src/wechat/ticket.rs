//! `GET /cgi-bin/ticket/getticket?access_token=&type=jsapi|wx_card`.
//!
//! See [WeChat Docs/JS-SDK说明 附录1](https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/JS-SDK.html).
//!
//! Like `cgi-bin/token` (a sandbox choice, the platform does not document it): every call issues
//! a new ticket, valid for the app's token TTL (7200 s), and the previous one stays valid for
//! 5 more minutes. Other `type` values answer 40097. The success body includes `errcode: 0`.

use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde_json::json;

use super::api::{Api, Routes};
use super::{params, reply};
use crate::Sandbox;
use crate::error::WxError;
use crate::state::{OVERLAP_SECS, Ticket, URL_SAFE};

/// This group's APIs.
pub(super) fn routes(routes: Routes) -> Routes {
    routes.api(API, handler)
}

/// `GET /cgi-bin/ticket/getticket`
const API: Api = Api::get("cgi-bin/ticket/getticket");

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let kind = q.get("type").map(String::as_str).unwrap_or_default();
            if kind != "jsapi" && kind != "wx_card" {
                return Err(WxError::invalid_args("type"));
            }
            sb.with_state(|s| {
                let now = s.now();
                let value = s.random_string(URL_SAFE, 86);
                let app = s.app_mut(&app_id)?;
                let ttl = app.spec.ttl();
                let generations = app.tickets.entry(kind.to_owned()).or_default();
                generations.retain(|t| {
                    t.expires_at > now && t.superseded_until.is_none_or(|until| until > now)
                });
                if let Some(previous) = generations.last_mut() {
                    previous.superseded_until = Some(now + OVERLAP_SECS);
                }
                generations.push(Ticket {
                    ticket: value.clone(),
                    issued_at: now,
                    expires_at: now + ttl,
                    superseded_until: None,
                });
                Ok(json!({"errcode": 0, "errmsg": "ok", "ticket": value, "expires_in": ttl}))
            })
        }
        .await,
    )
}
