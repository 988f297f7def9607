//! Passive replies, and `success`.
//!
//! See [WeChat Docs/被动回复用户消息](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Passive_user_reply_message.html).
//!
//! A handler answers with a [`Reply`] or with nothing; nothing becomes [`SUCCESS`]. Plain
//! strings convert into text replies.

use serde::{Deserialize, Serialize};

use crate::xml::{self, Element, Writer, XmlError};

/// The body that tells WeChat "no reply, do not retry".
pub const SUCCESS: &str = "success";

/// Most articles WeChat shows in a news reply to a user message (1) and to an event (8).
pub const NEWS_MAX_ARTICLES_FOR_MESSAGE: usize = 1;
/// See [`NEWS_MAX_ARTICLES_FOR_MESSAGE`].
pub const NEWS_MAX_ARTICLES_FOR_EVENT: usize = 8;

/// A passive reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reply {
    /// `text`: newlines and `<a href>` links allowed.
    Text {
        /// `Content`.
        content: String,
    },
    /// `image`.
    Image {
        /// `Image/MediaId`.
        media_id: String,
    },
    /// `voice`.
    Voice {
        /// `Voice/MediaId`.
        media_id: String,
    },
    /// `video`.
    Video {
        /// `Video/MediaId`.
        media_id: String,
        /// `Video/Title`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        /// `Video/Description`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
    },
    /// `music`: only `thumb_media_id` is required.
    Music {
        /// `Music/Title`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        /// `Music/Description`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        /// `Music/MusicUrl`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        music_url: Option<String>,
        /// `Music/HQMusicUrl`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hq_music_url: Option<String>,
        /// `Music/ThumbMediaId`.
        thumb_media_id: String,
    },
    /// `news`: article cards (1 when answering a user message, up to 8 for events).
    News {
        /// `Articles/item`.
        articles: Vec<Article>,
    },
    /// `transfer_customer_service`: hand the conversation to customer-service agents.
    TransferCustomerService {
        /// `TransInfo/KfAccount`: a specific agent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kf_account: Option<String>,
    },
}

/// One card of a news reply; also a customer-service news article and the gateway
/// configuration's news card (`[accounts.replies.news]`, fields as named here).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Article {
    /// `Title`.
    pub title: String,
    /// `Description`.
    #[serde(default)]
    pub description: String,
    /// `PicUrl`: 360×200 for the first card, 200×200 for others.
    #[serde(default)]
    pub pic_url: String,
    /// `Url`: opened on tap.
    #[serde(default)]
    pub url: String,
}

/// A reply parsed back from XML, with its header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedReply {
    /// `ToUserName`: the user's OpenID.
    pub to_user_name: String,
    /// `FromUserName`: the account's original id.
    pub from_user_name: String,
    /// `CreateTime`.
    pub create_time: u64,
    /// The reply.
    pub reply: Reply,
}

impl Reply {
    /// A text reply.
    #[must_use]
    pub fn text(content: impl Into<String>) -> Self {
        Self::Text {
            content: content.into(),
        }
    }

    /// A news reply with one card.
    #[must_use]
    pub fn news(article: Article) -> Self {
        Self::News {
            articles: vec![article],
        }
    }

    /// The `MsgType` of this reply.
    #[must_use]
    pub const fn msg_type(&self) -> &'static str {
        match self {
            Self::Text { .. } => "text",
            Self::Image { .. } => "image",
            Self::Voice { .. } => "voice",
            Self::Video { .. } => "video",
            Self::Music { .. } => "music",
            Self::News { .. } => "news",
            Self::TransferCustomerService { .. } => "transfer_customer_service",
        }
    }

    /// Writes the reply XML. `to_user` is the user's OpenID (the inbound `FromUserName`),
    /// `from_user` the account's original id (the inbound `ToUserName`).
    ///
    /// # Examples
    ///
    /// ```
    /// use wxgate_proto::reply::Reply;
    /// let xml = Reply::text("你好").to_xml("o_user", "gh_account", 1_700_000_000);
    /// let parsed = Reply::parse(&xml).unwrap();
    /// assert_eq!(parsed.reply, Reply::text("你好"));
    /// assert_eq!(parsed.to_user_name, "o_user");
    /// ```
    #[must_use]
    pub fn to_xml(&self, to_user: &str, from_user: &str, create_time: u64) -> String {
        let mut w = Writer::new();
        w.text("ToUserName", to_user)
            .text("FromUserName", from_user)
            .unsigned("CreateTime", create_time)
            .text("MsgType", self.msg_type());
        match self {
            Self::Text { content } => {
                w.text("Content", content);
            }
            Self::Image { media_id } => {
                w.start("Image").text("MediaId", media_id).end();
            }
            Self::Voice { media_id } => {
                w.start("Voice").text("MediaId", media_id).end();
            }
            Self::Video {
                media_id,
                title,
                description,
            } => {
                w.start("Video").text("MediaId", media_id);
                if let Some(title) = title {
                    w.text("Title", title);
                }
                if let Some(description) = description {
                    w.text("Description", description);
                }
                w.end();
            }
            Self::Music {
                title,
                description,
                music_url,
                hq_music_url,
                thumb_media_id,
            } => {
                w.start("Music");
                for (name, value) in [
                    ("Title", title),
                    ("Description", description),
                    ("MusicUrl", music_url),
                    ("HQMusicUrl", hq_music_url),
                ] {
                    if let Some(value) = value {
                        w.text(name, value);
                    }
                }
                w.text("ThumbMediaId", thumb_media_id).end();
            }
            Self::News { articles } => {
                w.number("ArticleCount", articles.len()).start("Articles");
                for a in articles {
                    w.start("item")
                        .text("Title", &a.title)
                        .text("Description", &a.description)
                        .text("PicUrl", &a.pic_url)
                        .text("Url", &a.url)
                        .end();
                }
                w.end();
            }
            Self::TransferCustomerService { kf_account } => {
                if let Some(kf) = kf_account {
                    w.start("TransInfo").text("KfAccount", kf).end();
                }
            }
        }
        w.finish()
    }

    /// Parses a reply XML document (what WeChat does with a reply).
    ///
    /// # Errors
    ///
    /// [`XmlError`] when it is not XML, lacks a required field, or has an unknown `MsgType`.
    pub fn parse(document: &str) -> Result<ParsedReply, XmlError> {
        Self::from_element(&xml::parse(document)?)
    }

    /// Reads a reply from a parsed document.
    ///
    /// # Errors
    ///
    /// As [`Reply::parse`].
    pub fn from_element(root: &Element) -> Result<ParsedReply, XmlError> {
        let block = |name: &'static str| root.child(name).ok_or(XmlError::Missing(name));
        let opt = |e: &Element, name: &str| e.text_of(name).map(str::to_owned);
        let reply = match root.required("MsgType")?.trim() {
            "text" => Self::Text {
                content: root.required("Content")?.to_owned(),
            },
            "image" => Self::Image {
                media_id: block("Image")?.required("MediaId")?.to_owned(),
            },
            "voice" => Self::Voice {
                media_id: block("Voice")?.required("MediaId")?.to_owned(),
            },
            "video" => {
                let v = block("Video")?;
                Self::Video {
                    media_id: v.required("MediaId")?.to_owned(),
                    title: opt(v, "Title"),
                    description: opt(v, "Description"),
                }
            }
            "music" => {
                let m = block("Music")?;
                Self::Music {
                    title: opt(m, "Title"),
                    description: opt(m, "Description"),
                    music_url: opt(m, "MusicUrl"),
                    hq_music_url: opt(m, "HQMusicUrl"),
                    thumb_media_id: m.required("ThumbMediaId")?.to_owned(),
                }
            }
            "news" => {
                let articles: Vec<Article> = block("Articles")?
                    .children_named("item")
                    .map(|item| Article {
                        title: item.text_of("Title").unwrap_or_default().to_owned(),
                        description: item.text_of("Description").unwrap_or_default().to_owned(),
                        pic_url: item.text_of("PicUrl").unwrap_or_default().to_owned(),
                        url: item.text_of("Url").unwrap_or_default().to_owned(),
                    })
                    .collect();
                let count: Option<usize> = root.parse_of("ArticleCount")?;
                if count != Some(articles.len()) {
                    return Err(XmlError::Invalid("ArticleCount"));
                }
                Self::News { articles }
            }
            "transfer_customer_service" => Self::TransferCustomerService {
                kf_account: root.child("TransInfo").and_then(|t| opt(t, "KfAccount")),
            },
            _ => return Err(XmlError::Invalid("MsgType")),
        };
        Ok(ParsedReply {
            to_user_name: root.required("ToUserName")?.to_owned(),
            from_user_name: root.required("FromUserName")?.to_owned(),
            create_time: root
                .parse_of("CreateTime")?
                .ok_or(XmlError::Missing("CreateTime"))?,
            reply,
        })
    }
}

impl From<&str> for Reply {
    fn from(content: &str) -> Self {
        Self::text(content)
    }
}

impl From<String> for Reply {
    fn from(content: String) -> Self {
        Self::Text { content }
    }
}

impl From<Article> for Reply {
    fn from(article: Article) -> Self {
        Self::news(article)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_replies() -> Vec<Reply> {
        vec![
            Reply::text("多行\n文本 <a href=\"https://example.com\">link</a> 🎉"),
            Reply::Image {
                media_id: "img".into(),
            },
            Reply::Voice {
                media_id: "voice".into(),
            },
            Reply::Video {
                media_id: "v".into(),
                title: Some("t".into()),
                description: None,
            },
            Reply::Music {
                title: Some("song".into()),
                description: Some("d".into()),
                music_url: Some("http://m".into()),
                hq_music_url: None,
                thumb_media_id: "thumb".into(),
            },
            Reply::News {
                articles: vec![
                    Article {
                        title: "a".into(),
                        description: "b".into(),
                        pic_url: "c".into(),
                        url: "d".into(),
                    },
                    Article {
                        title: "e]]>f".into(),
                        ..Article::default()
                    },
                ],
            },
            Reply::TransferCustomerService { kf_account: None },
            Reply::TransferCustomerService {
                kf_account: Some("test1@test".into()),
            },
        ]
    }

    #[test]
    fn every_reply_round_trips() {
        for reply in all_replies() {
            let xml = reply.to_xml("o_user", "gh_acct", 12_345_678);
            let parsed = Reply::parse(&xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
            assert_eq!(parsed.reply, reply);
            assert_eq!(
                (parsed.to_user_name.as_str(), parsed.from_user_name.as_str()),
                ("o_user", "gh_acct")
            );
            assert_eq!(parsed.create_time, 12_345_678);
        }
    }

    #[test]
    fn spec_text_reply_parses() {
        let parsed = Reply::parse("<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName><CreateTime>12345678</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content></xml>").unwrap();
        assert_eq!(parsed.reply, Reply::text("你好"));
    }

    #[test]
    fn news_xml_has_article_count_and_items() {
        let xml = Reply::news(Article {
            title: "T".into(),
            description: "D".into(),
            pic_url: "P".into(),
            url: "U".into(),
        })
        .to_xml("u", "g", 1);
        let root = crate::xml::parse(&xml).unwrap();
        assert_eq!(root.text_of("ArticleCount"), Some("1"));
        let item = root.child("Articles").unwrap().child("item").unwrap();
        assert_eq!(item.text_of("PicUrl"), Some("P"));
        assert_eq!(item.text_of("Url"), Some("U"));
    }

    #[test]
    fn plain_values_convert() {
        assert_eq!(Reply::from("hi"), Reply::text("hi"));
        assert_eq!(Reply::from(String::from("hi")), Reply::text("hi"));
    }

    #[test]
    fn json_shape_is_tagged() {
        let json = serde_json::to_value(Reply::text("x")).unwrap();
        assert_eq!(json, serde_json::json!({"type": "text", "content": "x"}));
        let back: Reply = serde_json::from_value(
            serde_json::json!({"type": "news", "articles": [{"title": "t", "url": "u"}]}),
        )
        .unwrap();
        assert!(matches!(back, Reply::News { ref articles } if articles[0].url == "u"));
    }

    #[test]
    fn unknown_reply_type_is_invalid() {
        let bad = "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime><MsgType>json</MsgType></xml>";
        assert_eq!(Reply::parse(bad), Err(XmlError::Invalid("MsgType")));
    }
}
