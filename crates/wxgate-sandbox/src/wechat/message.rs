//! `POST /cgi-bin/message/custom/send` and `POST /cgi-bin/message/template/send`.
//!
//! Customer-service messages need an open window (the current table of WeChat's 客服消息 page): a user
//! message opens 5 sends within 48 h (a newer message replaces that window); a menu click (`CLICK`,
//! `scancode_push`, `scancode_waitmsg`), a follow or a QR scan opens 3 sends within 1 minute. Sends
//! take from the open window that expires first. Errors: 40003 unknown OpenID, 43004 not following,
//! 43019 blacklisted, 45015 no open window, 45047 window used up, 40008 unknown `msgtype`, 47003
//! missing field, 45002 text over 2048 bytes, 45008 more than one news article, 40007
//! image/voice/video `media_id` that is not a live temporary media of the app.
//!
//! `POST /cgi-bin/message/custom/typing` (`Typing`/`CancelTyping`, else 45072): needs an
//! interaction within the last 30 s (45080); `Typing` lasts 15 s and cannot be re-sent while
//! active (45081); a customer-service message cancels it.
//!
//! Template messages: only the app's templates are accepted (see the `template` group; every app
//! starts with two presets), others answer 40037; 40003/43004 as above; 47003 when `data` is not
//! an object. A `client_msg_id` seen in the last 10 minutes returns the first send's `msgid` without
//! sending again. After the answer, a `TEMPLATESENDJOBFINISH` event (`Status` `success`) is pushed.
//!
//! Mass sends: `mass/sendall` (to every follower, or the followers with `tag_id`;
//! 45159 unknown tag), `mass/send` (2–10 000 OpenIDs, 40130), `mass/preview` (one follower),
//! `mass/get`, `mass/delete` (47003 for an unknown `msg_id`). Types `text`, `mpnews`, `voice`,
//! `image`, `images` (`media_ids`), `mpvideo`, `wxcard` (40008 otherwise; media ids are not checked:
//! permanent material is not modelled). Followers who are not blocked get the message in their
//! inbox (`source` `mass`); unknown or non-following OpenIDs are filtered out. `clientmsgid` longer
//! than 64 bytes answers 45067; one seen in the last 24 h answers 45065 with the first `msg_id`.
//! After the answer, `MASSSENDJOBFINISH` is pushed from `mphelper` with `TotalCount`,
//! `FilterCount`, `SentCount` and `ErrorCount`. 100 sends of each kind per day (45009); the
//! per-account-type frequency (1 a day for subscription accounts…) is not modelled.
//! `mass/speed/get` and `mass/speed/set` keep the app's speed level 0–4 (`realspeed` 80, 60, 45,
//! 30, 10 × 10 000 per minute); a missing `speed` answers 45084, one outside 0–4 45083.
//!
//! Bodies are parsed into typed structs: malformed JSON or a field of the wrong type answers
//! 47001, an empty body 44002.
//!
//! See [WeChat Docs/客服消息](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Service_Center_messages.html),
//! [WeChat Docs/模板消息](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html)
//! and [WeChat Docs/群发接口和原创校验](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Batch_Sends_and_Originality_Checks.html).

pub(super) mod custom_send;
pub(super) mod custom_typing;
pub(super) mod mass_delete;
pub(super) mod mass_get;
pub(super) mod mass_preview;
pub(super) mod mass_send;
pub(super) mod mass_sendall;
pub(super) mod mass_speed_get;
pub(super) mod mass_speed_set;
pub(super) mod template_send;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::api::{Api, Routes};
use super::{ok, params, reply, typed_body};
use crate::Sandbox;
use crate::error::WxError;
use crate::push;
use crate::state::{App, MEDIA_TTL, MassJob};

/// This group's APIs.
pub(super) fn routes(routes: Routes) -> Routes {
    routes
        .api(custom_send::API, custom_send::handler)
        .api(custom_typing::API, custom_typing::handler)
        .api(mass_sendall::API, mass_sendall::handler)
        .api(mass_send::API, mass_send::handler)
        .api(mass_preview::API, mass_preview::handler)
        .api(mass_get::API, mass_get::handler)
        .api(mass_delete::API, mass_delete::handler)
        .api(mass_speed_get::API, mass_speed_get::handler)
        .api(mass_speed_set::API, mass_speed_set::handler)
        .api(template_send::API, template_send::handler)
}

const TEXT_MAX: usize = 2048;

fn blacklisted() -> WxError {
    WxError::new(43019, "require remove blacklist")
}

/// The message part of a mass-send body: `msgtype` and the payload under its name (the other
/// fields of the body land in `payloads` too and are ignored).
#[derive(Deserialize)]
struct MassMessage {
    #[serde(default)]
    msgtype: String,
    #[serde(flatten)]
    payloads: Map<String, Value>,
}

/// A `msg_id` or `tag_id`, as a number or a string of digits.
#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrText {
    Number(u64),
    Text(String),
}

impl NumberOrText {
    fn value(&self) -> Option<u64> {
        match self {
            Self::Number(n) => Some(*n),
            Self::Text(s) => s.parse().ok(),
        }
    }
}

/// The payloads of mass messages, typed (absent strings read as empty: 47003 naming the
/// field; a field of the wrong type: 47001).
#[derive(Default, Deserialize)]
#[serde(default)]
struct MassPayload {
    content: String,
    media_id: String,
    card_id: String,
    media_ids: Vec<String>,
}

/// Check a mass-send message and return it as the inbox records it.
fn mass_message(body: &MassMessage) -> Result<Value, WxError> {
    let msgtype = body.msgtype.as_str();
    let required = match msgtype {
        "text" => "content",
        "mpnews" | "voice" | "image" | "mpvideo" => "media_id",
        "wxcard" => "card_id",
        "images" => "media_ids",
        _ => return Err(WxError::new(40008, "invalid message type")),
    };
    let inner = body
        .payloads
        .get(msgtype)
        .filter(|v| v.is_object())
        .ok_or_else(|| WxError::argument_invalid(msgtype))?;
    let payload = MassPayload::deserialize(inner).map_err(|_| WxError::data_format())?;
    let missing = match required {
        "content" => payload.content.is_empty(),
        "media_id" => payload.media_id.is_empty(),
        "card_id" => payload.card_id.is_empty(),
        _ => payload.media_ids.is_empty(),
    };
    if missing {
        return Err(WxError::argument_invalid(required));
    }
    if msgtype == "text" && payload.content.len() > TEXT_MAX {
        return Err(WxError::new(45002, "content size out of limit"));
    }
    let mut message = json!({"msgtype": msgtype});
    message[msgtype] = inner.clone();
    Ok(message)
}

/// Who a mass send goes to.
enum Audience {
    All,
    Tag(u32),
    OpenIds(Vec<String>),
}

/// Submit a mass send: deliver to the audience's inboxes, record the job, push the result.
async fn submit_mass(
    sb: &Sandbox,
    api: &Api,
    q: &super::Params,
    body: &MassMessage,
    client_id: Option<String>,
    audience: Audience,
) -> Result<Value, WxError> {
    let app_id = sb.enter(api, q).await?;
    let message = mass_message(body)?;
    if client_id.as_ref().is_some_and(|c| c.len() > 64) {
        return Err(WxError::new(45067, "clientmsgid size out of limit"));
    }
    let outcome = sb.with_state(|s| {
        let now = s.now();
        let msg_id = s.random_u63() % 10_000_000_000;
        let msg_data_id = s.random_u63() % 10_000_000_000;
        let app = s.app_mut(&app_id)?;
        if let Some(client_id) = &client_id {
            app.mass_client_ids.retain(|_, (_, at)| *at + 86_400 > now);
            if let Some((existing, _)) = app.mass_client_ids.get(client_id) {
                return Ok(Err(*existing));
            }
            app.mass_client_ids.insert(client_id.clone(), (msg_id, now));
        }
        let targets: Vec<String> = match &audience {
            Audience::All => app.followers().iter().map(|u| u.openid.clone()).collect(),
            Audience::Tag(tag) => {
                if !app.tags.contains_key(tag) {
                    return Err(WxError::new(45159, "invalid tag id"));
                }
                app.followers()
                    .iter()
                    .filter(|u| u.tags.contains(tag))
                    .map(|u| u.openid.clone())
                    .collect()
            }
            Audience::OpenIds(list) => list.clone(),
        };
        let total = targets.len();
        let mut filtered = 0;
        let mut sent = 0;
        for openid in &targets {
            let Some(user) = app.users.get_mut(openid).filter(|u| u.subscribed) else {
                continue;
            };
            filtered += 1;
            if !user.blacklisted {
                sent += 1;
                user.push_inbox(now, "mass", message.clone());
            }
        }
        let msgtype = message["msgtype"].as_str().unwrap_or_default().to_owned();
        app.mass_jobs.insert(
            msg_id,
            MassJob {
                msgtype: msgtype.clone(),
                sent_at: now,
                status: "SEND_SUCCESS".to_owned(),
            },
        );
        let mut answer =
            json!({"errcode": 0, "errmsg": "send job submission success", "msg_id": msg_id});
        if msgtype == "mpnews" {
            answer["msg_data_id"] = json!(msg_data_id);
        }
        Ok(Ok((answer, msg_id, total, filtered, sent)))
    })?;
    let (answer, msg_id, total, filtered, sent) = match outcome {
        Ok(done) => done,
        Err(existing) => {
            return Ok(json!({
                "errcode": 45065,
                "errmsg": format!("clientmsgid exist rid: {}", crate::error::rid()),
                "msg_id": existing,
            }));
        }
    };
    push::notify(sb, &app_id, "mphelper", "MASSSENDJOBFINISH", |w| {
        w.number("MsgID", msg_id)
            .text("Status", "send success")
            .number("TotalCount", total)
            .number("FilterCount", filtered)
            .number("SentCount", sent)
            .number("ErrorCount", filtered - sent);
    });
    Ok(answer)
}

/// The job of a `msg_id` body field (47003 when missing or unknown).
fn mass_job_id(app: &App, msg_id: Option<&NumberOrText>) -> Result<u64, WxError> {
    msg_id
        .and_then(NumberOrText::value)
        .filter(|id| app.mass_jobs.contains_key(id))
        .ok_or_else(|| WxError::argument_invalid("msg_id"))
}
