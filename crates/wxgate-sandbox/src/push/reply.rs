//! Classifying a callback's answer (a reply, `success`, an empty body, something invalid, or no
//! answer in time) and reading a passive reply.
//!
//! The reply is read by the field names of WeChat's documentation from a generic XML tree,
//! independently of any typed reply in `wxgate-proto`, so a wrong element name on the gateway's
//! side shows up here.
//!
//! See [WeChat Docs/被动回复用户消息](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Passive_user_reply_message.html)
//! and, for encrypted replies,
//! [WeChat Docs/消息加解密说明](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Message_encryption_and_decryption_instructions.html).
//!
//! Rules: a body that is empty or only whitespace is `empty`; `success` (surrounding whitespace
//! allowed) is `success`; anything else must be reply XML. An encrypted envelope is checked
//! (`MsgSignature` over `TimeStamp`, `Nonce`, `Encrypt`; AppID trailer) and opened; safe mode
//! requires one. The reply must swap the header (`ToUserName` = the user's OpenID, `FromUserName`
//! = the account's original id), carry a numeric `CreateTime` and a known `MsgType` with its
//! required fields; `news` carries 1..=limit articles matching `ArticleCount`.

use serde_json::{Value, json};
use wxgate_proto::xml::{self, Element};

use super::deliver::{DeliveryOutcome, Prepared};
use crate::config::Mode;

pub(crate) struct Classified {
    pub(crate) outcome: DeliveryOutcome,
    pub(crate) reply: Option<Value>,
    pub(crate) decrypted: Option<String>,
    pub(crate) error: Option<String>,
}

impl Classified {
    fn plain(outcome: DeliveryOutcome) -> Self {
        Self {
            outcome,
            reply: None,
            decrypted: None,
            error: None,
        }
    }

    pub(crate) fn invalid(error: impl Into<String>) -> Self {
        Self {
            outcome: DeliveryOutcome::Invalid,
            reply: None,
            decrypted: None,
            error: Some(error.into()),
        }
    }
}

pub(crate) fn classify(prepared: &Prepared, raw: &str) -> Classified {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Classified::plain(DeliveryOutcome::Empty);
    }
    if trimmed == "success" {
        return Classified::plain(DeliveryOutcome::Success);
    }
    let root = match xml::parse(raw) {
        Ok(root) if root.name == "xml" => root,
        Ok(root) => {
            return Classified::invalid(format!("root element is <{}>, not <xml>", root.name));
        }
        Err(error) => return Classified::invalid(format!("not a reply XML: {error}")),
    };
    let (message, decrypted) = match root.text_of("Encrypt") {
        Some(encrypt) => match open(prepared, &root, encrypt) {
            Ok(inner) => inner,
            Err(error) => return Classified::invalid(error),
        },
        None if prepared.mode() == Mode::Safe => {
            return Classified::invalid("safe mode requires an encrypted reply");
        }
        None => (root, None),
    };
    let limit = prepared.news_limit.unwrap_or(8);
    match read_reply(&message, prepared.openid(), prepared.original_id(), limit) {
        Ok(reply) => Classified {
            outcome: DeliveryOutcome::Reply,
            reply: Some(reply),
            decrypted,
            error: None,
        },
        Err(error) => Classified {
            outcome: DeliveryOutcome::Invalid,
            reply: None,
            decrypted,
            error: Some(error),
        },
    }
}

/// Check the envelope's signature, decrypt, parse the inner reply.
fn open(
    prepared: &Prepared,
    envelope: &Element,
    encrypt: &str,
) -> Result<(Element, Option<String>), String> {
    let crypt = prepared
        .crypt()
        .ok_or("encrypted reply, but the account has no EncodingAESKey")?;
    let signature = envelope
        .text_of("MsgSignature")
        .ok_or("encrypted reply without <MsgSignature>")?;
    let timestamp = envelope
        .text_of("TimeStamp")
        .ok_or("encrypted reply without <TimeStamp>")?;
    let nonce = envelope
        .text_of("Nonce")
        .ok_or("encrypted reply without <Nonce>")?;
    if !crypt.verify_msg_signature(signature.trim(), timestamp.trim(), nonce.trim(), encrypt) {
        return Err("MsgSignature does not match".to_owned());
    }
    let plain = crypt
        .decrypt(encrypt)
        .map_err(|e| format!("cannot decrypt the reply: {e}"))?;
    let plain = String::from_utf8(plain).map_err(|_| "decrypted reply is not UTF-8".to_owned())?;
    let inner = xml::parse(&plain).map_err(|e| format!("decrypted reply is not XML: {e}"))?;
    Ok((inner, Some(plain)))
}

/// Read a passive reply into the sandbox's JSON form:
/// `{"msgtype", "to_user", "from_user", "create_time", <msgtype>: {...}}`, the inner object
/// shaped like the customer-service message of the same type.
pub(crate) fn read_reply(
    el: &Element,
    openid: &str,
    original_id: &str,
    news_limit: usize,
) -> Result<Value, String> {
    let to_user = el.text_of("ToUserName").ok_or("missing <ToUserName>")?;
    if to_user != openid {
        return Err(format!(
            "<ToUserName> is {to_user:?}, expected the user's OpenID {openid:?}"
        ));
    }
    let from_user = el.text_of("FromUserName").ok_or("missing <FromUserName>")?;
    if from_user != original_id {
        return Err(format!(
            "<FromUserName> is {from_user:?}, expected the account's original id {original_id:?}"
        ));
    }
    let create_time: u64 = el
        .text_of("CreateTime")
        .ok_or("missing <CreateTime>")?
        .trim()
        .parse()
        .map_err(|_| "<CreateTime> is not a number")?;
    let msgtype = el.text_of("MsgType").ok_or("missing <MsgType>")?;
    let required = |parent: &Element, name: &str| -> Result<String, String> {
        parent
            .text_of(name)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| format!("{msgtype} reply without <{name}>"))
    };
    let optional =
        |parent: &Element, name: &str| parent.text_of(name).unwrap_or_default().to_owned();
    let nested = |name: &str| {
        el.child(name)
            .ok_or_else(|| format!("{msgtype} reply without <{name}>"))
    };
    let body = match msgtype {
        "text" => json!({"content": required(el, "Content")?}),
        "image" => json!({"media_id": required(nested("Image")?, "MediaId")?}),
        "voice" => json!({"media_id": required(nested("Voice")?, "MediaId")?}),
        "video" => {
            let video = nested("Video")?;
            json!({
                "media_id": required(video, "MediaId")?,
                "title": optional(video, "Title"),
                "description": optional(video, "Description"),
            })
        }
        "music" => {
            let music = nested("Music")?;
            json!({
                "title": optional(music, "Title"),
                "description": optional(music, "Description"),
                "musicurl": optional(music, "MusicUrl"),
                "hqmusicurl": optional(music, "HQMusicUrl"),
                "thumb_media_id": required(music, "ThumbMediaId")?,
            })
        }
        "news" => {
            let count: usize = el
                .text_of("ArticleCount")
                .ok_or("news reply without <ArticleCount>")?
                .trim()
                .parse()
                .map_err(|_| "<ArticleCount> is not a number")?;
            let items: Vec<&Element> = nested("Articles")?.children_named("item").collect();
            if items.len() != count {
                return Err(format!(
                    "<ArticleCount> is {count} but there are {} items",
                    items.len()
                ));
            }
            if count == 0 || count > news_limit {
                return Err(format!(
                    "news reply with {count} articles (allowed: 1..={news_limit})"
                ));
            }
            let articles: Vec<Value> = items
                .iter()
                .map(|item| {
                    json!({
                        "title": optional(item, "Title"),
                        "description": optional(item, "Description"),
                        "picurl": optional(item, "PicUrl"),
                        "url": optional(item, "Url"),
                    })
                })
                .collect();
            json!({"articles": articles})
        }
        "transfer_customer_service" => {
            let kf = el
                .child("TransInfo")
                .and_then(|t| t.text_of("KfAccount"))
                .map(str::to_owned);
            json!({"kf_account": kf})
        }
        other => return Err(format!("unknown reply MsgType {other:?}")),
    };
    let mut reply = json!({
        "msgtype": msgtype,
        "to_user": to_user,
        "from_user": from_user,
        "create_time": create_time,
    });
    reply[msgtype] = body;
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(doc: &str, limit: usize) -> Result<Value, String> {
        read_reply(&xml::parse(doc).expect("xml"), "oUSER", "gh_1", limit)
    }

    #[test]
    fn reads_text_and_news() {
        let text = "<xml><ToUserName><![CDATA[oUSER]]></ToUserName><FromUserName><![CDATA[gh_1]]></FromUserName>\
                    <CreateTime>12</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content></xml>";
        let reply = read(text, 1).expect("text");
        assert_eq!(reply["text"]["content"], "hi");
        assert_eq!(reply["create_time"], 12);
        let news = "<xml><ToUserName>oUSER</ToUserName><FromUserName>gh_1</FromUserName><CreateTime>1</CreateTime>\
                    <MsgType>news</MsgType><ArticleCount>2</ArticleCount><Articles><item><Title>a</Title></item>\
                    <item><Title>b</Title></item></Articles></xml>";
        assert!(read(news, 1).is_err());
        assert_eq!(
            read(news, 8).expect("news")["news"]["articles"][1]["title"],
            "b"
        );
    }

    #[test]
    fn rejects_unswapped_header_and_missing_fields() {
        let wrong = "<xml><ToUserName>gh_1</ToUserName><FromUserName>oUSER</FromUserName><CreateTime>1</CreateTime>\
                     <MsgType>text</MsgType><Content>x</Content></xml>";
        assert!(read(wrong, 1).is_err());
        let empty = "<xml><ToUserName>oUSER</ToUserName><FromUserName>gh_1</FromUserName><CreateTime>1</CreateTime>\
                     <MsgType>image</MsgType><Image><MediaId></MediaId></Image></xml>";
        assert!(read(empty, 1).is_err());
    }
}
