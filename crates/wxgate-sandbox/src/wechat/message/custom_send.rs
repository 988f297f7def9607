//! `POST /cgi-bin/message/custom/send`: send a customer-service message.
//!
//! See [WeChat Docs/发送客服消息](https://developers.weixin.qq.com/doc/service/api/customer/message/api_sendcustommessage.html).

use super::*;

/// `POST /cgi-bin/message/custom/send`
pub(super) const API: Api = Api::post("cgi-bin/message/custom/send").daily(500_000);

/// `{"touser":"OPENID","msgtype":"text","text":{...},"customservice":{"kf_account":"..."}?}`
#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    touser: String,
    #[serde(default)]
    msgtype: String,
    #[serde(default)]
    customservice: Option<CustomService>,
    /// The payload under the `msgtype`'s name (and any other field).
    #[serde(flatten)]
    payloads: Map<String, Value>,
}

#[derive(Deserialize, serde::Serialize)]
struct CustomService {
    kf_account: String,
}

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery, body: Bytes) -> Response {
    let q = params(query);
    reply(
        async {
            let app_id = sb.enter(&API, &q).await?;
            let body: Body = typed_body(&body)?;
            let openid = body.touser.clone();
            sb.with_state(|s| {
                let now = s.now();
                let app = s.app_mut(&app_id)?;
                let message = validate_custom(app, &body, now)?;
                let user = app.user_mut(&openid)?;
                if !user.subscribed {
                    return Err(WxError::new(43004, "require subscribe"));
                }
                if user.blacklisted {
                    return Err(blacklisted());
                }
                user.consume_window(now)?;
                user.typing_until = 0;
                user.push_inbox(now, "custom", message);
                Ok(ok())
            })
        }
        .await,
    )
}

/// Check a customer-service body and return the message as the inbox records it.
fn validate_custom(app: &App, body: &Body, now: u64) -> Result<Value, WxError> {
    let msgtype = body.msgtype.as_str();
    let required: &[&str] = match msgtype {
        "text" => &["content"],
        "image" | "voice" | "mpnews" => &["media_id"],
        "video" => &["media_id"],
        "music" => &["thumb_media_id"],
        "news" => &[],
        "mpnewsarticle" => &["article_id"],
        "msgmenu" => &[],
        "wxcard" => &["card_id"],
        "miniprogrampage" => &["appid", "pagepath", "thumb_media_id"],
        _ => return Err(WxError::new(40008, "invalid message type")),
    };
    let inner = body
        .payloads
        .get(msgtype)
        .filter(|v| v.is_object())
        .ok_or_else(|| WxError::argument_invalid(msgtype))?;
    if let Some(missing) = required
        .iter()
        .find(|f| str_field(inner, f).is_none_or(str::is_empty))
    {
        return Err(WxError::argument_invalid(missing));
    }
    match msgtype {
        "text" if str_field(inner, "content").unwrap_or_default().len() > TEXT_MAX => {
            return Err(WxError::new(45002, "content size out of limit"));
        }
        "image" | "voice" | "video" => {
            let media_id = str_field(inner, "media_id").unwrap_or_default();
            let live = app
                .media
                .get(media_id)
                .is_some_and(|m| m.created_at + MEDIA_TTL > now)
                || app.materials.contains_key(media_id);
            if !live {
                return Err(WxError::new(40007, "invalid media_id"));
            }
        }
        "news" => {
            let articles = inner
                .get("articles")
                .and_then(Value::as_array)
                .ok_or_else(|| WxError::argument_invalid("articles"))?;
            if articles.is_empty() {
                return Err(WxError::argument_invalid("articles"));
            }
            if articles.len() > 1 {
                return Err(WxError::new(45008, "article size out of limit"));
            }
        }
        "msgmenu" if !inner.get("list").is_some_and(Value::is_array) => {
            return Err(WxError::argument_invalid("list"));
        }
        _ => {}
    }
    let mut message = json!({"msgtype": msgtype});
    message[msgtype] = inner.clone();
    if let Some(cs) = &body.customservice {
        message["customservice"] = json!({"kf_account": cs.kf_account});
    }
    Ok(message)
}
