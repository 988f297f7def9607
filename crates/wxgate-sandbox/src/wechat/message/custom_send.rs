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

/// Each `msgtype`'s payload, typed (absent strings read as empty and answer 47003 naming the
/// field; a field of the wrong type answers 47001).
#[derive(Default, Deserialize)]
#[serde(default)]
struct Text {
    content: String,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct MediaPayload {
    media_id: String,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Music {
    thumb_media_id: String,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct News {
    articles: Option<Vec<Value>>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct MpNewsArticle {
    article_id: String,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct MsgMenu {
    list: Option<Vec<Value>>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct WxCard {
    card_id: String,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct MiniProgramPage {
    appid: String,
    pagepath: String,
    thumb_media_id: String,
}

/// The payload `inner` as `T` (47001 when a field has the wrong type).
fn payload<T: serde::de::DeserializeOwned>(inner: &Value) -> Result<T, WxError> {
    T::deserialize(inner).map_err(|_| WxError::data_format())
}

/// 47003 naming the first empty required field.
fn required(fields: &[(&str, &str)]) -> Result<(), WxError> {
    match fields.iter().find(|(_, value)| value.is_empty()) {
        Some((name, _)) => Err(WxError::argument_invalid(name)),
        None => Ok(()),
    }
}

/// Check a customer-service body and return the message as the inbox records it.
fn validate_custom(app: &App, body: &Body, now: u64) -> Result<Value, WxError> {
    let msgtype = body.msgtype.as_str();
    const TYPES: [&str; 11] = [
        "text",
        "image",
        "voice",
        "video",
        "music",
        "news",
        "mpnews",
        "mpnewsarticle",
        "msgmenu",
        "wxcard",
        "miniprogrampage",
    ];
    if !TYPES.contains(&msgtype) {
        return Err(WxError::new(40008, "invalid message type"));
    }
    let inner = body
        .payloads
        .get(msgtype)
        .filter(|v| v.is_object())
        .ok_or_else(|| WxError::argument_invalid(msgtype))?;
    match msgtype {
        "text" => {
            let text: Text = payload(inner)?;
            required(&[("content", &text.content)])?;
            if text.content.len() > TEXT_MAX {
                return Err(WxError::new(45002, "content size out of limit"));
            }
        }
        "image" | "voice" | "video" | "mpnews" => {
            let media: MediaPayload = payload(inner)?;
            required(&[("media_id", &media.media_id)])?;
            let live = app
                .media
                .get(&media.media_id)
                .is_some_and(|m| m.created_at + MEDIA_TTL > now)
                || app.materials.contains_key(&media.media_id);
            if msgtype != "mpnews" && !live {
                return Err(WxError::new(40007, "invalid media_id"));
            }
        }
        "music" => {
            let music: Music = payload(inner)?;
            required(&[("thumb_media_id", &music.thumb_media_id)])?;
        }
        "news" => {
            let news: News = payload(inner)?;
            let articles = news
                .articles
                .filter(|a| !a.is_empty())
                .ok_or_else(|| WxError::argument_invalid("articles"))?;
            if articles.len() > 1 {
                return Err(WxError::new(45008, "article size out of limit"));
            }
        }
        "mpnewsarticle" => {
            let article: MpNewsArticle = payload(inner)?;
            required(&[("article_id", &article.article_id)])?;
        }
        "msgmenu" => {
            let menu: MsgMenu = payload(inner)?;
            if menu.list.is_none() {
                return Err(WxError::argument_invalid("list"));
            }
        }
        "wxcard" => {
            let card: WxCard = payload(inner)?;
            required(&[("card_id", &card.card_id)])?;
        }
        _ => {
            let page: MiniProgramPage = payload(inner)?;
            required(&[
                ("appid", &page.appid),
                ("pagepath", &page.pagepath),
                ("thumb_media_id", &page.thumb_media_id),
            ])?;
        }
    }
    let mut message = json!({"msgtype": msgtype});
    message[msgtype] = inner.clone();
    if let Some(cs) = &body.customservice {
        message["customservice"] = json!({"kf_account": cs.kf_account});
    }
    Ok(message)
}
