//! `POST /cgi-bin/message/custom/send`
//!
//! Sends a customer-service message to a user inside the window their last interaction opened
//! (45015 outside it, 45047 when its quota is used up).
//!
//! See [WeChat Docs/客服消息](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Service_Center_messages.html).

use serde::de::{self, Deserializer};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::endpoint::{Ack, AuthKind, Endpoint, Method};
use crate::{MediaId, OpenId};

/// Body of `POST /cgi-bin/message/custom/send` (plus the access token):
/// `{"touser": "OPENID", "msgtype": "text", "text": {...}, "customservice": {...}?}`.
///
/// ```
/// use wxgate_api::endpoint::message::custom::send::{Message, Request};
/// let request = Request::new("OPENID", Message::text("你好"));
/// assert_eq!(
///     serde_json::to_string(&request).unwrap(),
///     r#"{"touser":"OPENID","msgtype":"text","text":{"content":"你好"}}"#,
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Request {
    /// The recipient.
    pub to_user: OpenId,
    /// What to send.
    pub message: Message,
    /// Send as this customer-service agent (`customservice.kf_account`).
    pub kf_account: Option<String>,
}

impl Request {
    /// A message to `to_user`.
    pub fn new(to_user: impl Into<OpenId>, message: Message) -> Self {
        Self {
            to_user: to_user.into(),
            message,
            kf_account: None,
        }
    }

    /// Sends as the customer-service agent `kf_account` (e.g. `test1@kftest`).
    pub fn kf_account(mut self, kf_account: impl Into<String>) -> Self {
        self.kf_account = Some(kf_account.into());
        self
    }
}

/// `{"errcode":0,"errmsg":"ok"}`
pub type Response = Ack;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/message/custom/send";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = false;
    type Response = Response;
}

macro_rules! messages {
    ($($(#[$meta:meta])* $variant:ident($ty:ty) = $wire:literal,)*) => {
        /// One customer-service message, by `msgtype` (see
        /// [WeChat Docs/客服消息](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Service_Center_messages.html)).
        #[derive(Clone, Debug, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum Message {
            $($(#[$meta])* $variant($ty),)*
        }

        impl Message {
            /// The wire `msgtype`.
            pub fn msgtype(&self) -> &'static str {
                match self {
                    $(Self::$variant(_) => $wire,)*
                }
            }

            fn serialize_entries<M>(&self, map: &mut M) -> Result<(), M::Error>
            where
                M: SerializeMap,
            {
                match self {
                    $(Self::$variant(inner) => {
                        map.serialize_entry("msgtype", $wire)?;
                        map.serialize_entry($wire, inner)
                    })*
                }
            }

            fn from_entries(
                msgtype: &str,
                object: &mut serde_json::Map<String, serde_json::Value>,
            ) -> Result<Self, String> {
                let payload = object
                    .remove(msgtype)
                    .ok_or_else(|| format!("missing field `{msgtype}`"))?;
                match msgtype {
                    $($wire => serde_json::from_value(payload)
                        .map(Self::$variant)
                        .map_err(|e| format!("{}: {e}", $wire)),)*
                    other => Err(format!("unknown msgtype `{other}`")),
                }
            }
        }
    };
}

messages! {
    /// `text`: text, may contain `<a href>` links (also to mini programs).
    Text(Text) = "text",
    /// `image`: an uploaded image.
    Image(Media) = "image",
    /// `voice`: an uploaded voice clip.
    Voice(Media) = "voice",
    /// `video`: an uploaded video.
    Video(Video) = "video",
    /// `music`: a music link.
    Music(Music) = "music",
    /// `news`: an outbound link card (1 article).
    News(News) = "news",
    /// `mpnews`: a news material by `media_id`.
    MpNews(Media) = "mpnews",
    /// `mpnewsarticle`: a published article by `article_id`.
    MpNewsArticle(MpNewsArticle) = "mpnewsarticle",
    /// `msgmenu`: a menu message whose choices the user taps.
    MsgMenu(MsgMenu) = "msgmenu",
    /// `wxcard`: a card.
    WxCard(WxCard) = "wxcard",
    /// `miniprogrampage`: a mini-program card.
    MiniProgramPage(MiniProgramPage) = "miniprogrampage",
}

/// `{"msgtype": "text", "text": {...}}`: the message part of the wire body, without `touser`
/// (handy to queue a message for later delivery).
impl Serialize for Message {
    fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error>
    where
        S: Serializer,
    {
        let mut map = serializer.serialize_map(Some(2))?;
        self.serialize_entries(&mut map)?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for Message {
    fn deserialize<D>(deserializer: D) -> Result<Self, D::Error>
    where
        D: Deserializer<'de>,
    {
        let mut object = serde_json::Map::deserialize(deserializer)?;
        let msgtype = match object.remove("msgtype") {
            Some(serde_json::Value::String(s)) => s,
            _ => return Err(de::Error::missing_field("msgtype")),
        };
        Self::from_entries(&msgtype, &mut object).map_err(de::Error::custom)
    }
}

impl Message {
    /// A `text` message.
    pub fn text(content: impl Into<String>) -> Self {
        Self::Text(Text {
            content: content.into(),
        })
    }

    /// An `image` message.
    pub fn image(media_id: impl Into<MediaId>) -> Self {
        Self::Image(Media::new(media_id))
    }

    /// A `voice` message.
    pub fn voice(media_id: impl Into<MediaId>) -> Self {
        Self::Voice(Media::new(media_id))
    }

    /// An `mpnews` message.
    pub fn mpnews(media_id: impl Into<MediaId>) -> Self {
        Self::MpNews(Media::new(media_id))
    }
}

/// `{"content": "..."}`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    /// The text.
    pub content: String,
}

/// `{"media_id": "..."}` (image, voice, mpnews).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    /// The media.
    pub media_id: MediaId,
}

impl Media {
    /// The media `media_id`.
    pub fn new(media_id: impl Into<MediaId>) -> Self {
        Self {
            media_id: media_id.into(),
        }
    }
}

/// `{"media_id","thumb_media_id","title"?,"description"?}`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Video {
    /// The video.
    pub media_id: MediaId,
    /// Its thumbnail.
    pub thumb_media_id: MediaId,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `{"title"?,"description"?,"musicurl","hqmusicurl","thumb_media_id"}`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Music {
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Link to the music.
    #[serde(rename = "musicurl")]
    pub music_url: String,
    /// High-quality link, used on Wi-Fi.
    #[serde(rename = "hqmusicurl")]
    pub hq_music_url: String,
    /// The thumbnail.
    pub thumb_media_id: MediaId,
}

/// `{"articles": [...]}`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct News {
    /// The articles (WeChat shows one).
    #[serde(with = "wire_articles")]
    pub articles: Vec<Article>,
}

/// One article of a `news` message: the same type as a passive news reply's card. On this wire
/// its picture is `picurl` (see `wire_articles`).
pub use wxgate_proto::reply::Article;

/// The customer-service JSON of an [`Article`]: `title`, `description`, `url`, `picurl`, built
/// from and into the one article type.
mod wire_articles {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::Article;

    #[derive(Serialize)]
    struct Out<'a> {
        title: &'a str,
        description: &'a str,
        url: &'a str,
        picurl: &'a str,
    }

    #[derive(Deserialize)]
    struct In {
        title: String,
        #[serde(default)]
        description: String,
        #[serde(default)]
        url: String,
        #[serde(default)]
        picurl: String,
    }

    pub(super) fn serialize<S: Serializer>(articles: &[Article], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(articles.iter().map(|a| Out {
            title: &a.title,
            description: &a.description,
            url: &a.url,
            picurl: &a.pic_url,
        }))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Article>, D::Error> {
        let wire = Vec::<In>::deserialize(d)?;
        Ok(wire
            .into_iter()
            .map(|a| Article {
                title: a.title,
                description: a.description,
                pic_url: a.picurl,
                url: a.url,
            })
            .collect())
    }
}

/// `{"article_id": "..."}`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MpNewsArticle {
    /// The published article.
    pub article_id: String,
}

/// `{"head_content","list":[{"id","content"}],"tail_content"}`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MsgMenu {
    /// Text above the choices.
    pub head_content: String,
    /// The choices.
    pub list: Vec<MenuItem>,
    /// Text below the choices.
    pub tail_content: String,
}

/// One choice of a `msgmenu`; a tap sends `content` back with `bizmsgmenuid` = `id`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MenuItem {
    /// The choice's id.
    pub id: String,
    /// The choice's text.
    pub content: String,
}

/// `{"card_id": "..."}`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WxCard {
    /// The card.
    pub card_id: String,
}

/// `{"title","appid","pagepath","thumb_media_id"}`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MiniProgramPage {
    /// Title.
    pub title: String,
    /// The mini program's `appid`.
    #[serde(rename = "appid")]
    pub app_id: String,
    /// The page, e.g. `pages/index/index`.
    #[serde(rename = "pagepath")]
    pub page_path: String,
    /// The card picture.
    pub thumb_media_id: MediaId,
}

#[derive(Serialize, Deserialize)]
struct CustomService {
    kf_account: String,
}

impl Serialize for Request {
    fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error>
    where
        S: Serializer,
    {
        let len = if self.kf_account.is_some() { 4 } else { 3 };
        let mut map = serializer.serialize_map(Some(len))?;
        map.serialize_entry("touser", &self.to_user)?;
        self.message.serialize_entries(&mut map)?;
        if let Some(kf_account) = &self.kf_account {
            map.serialize_entry(
                "customservice",
                &CustomService {
                    kf_account: kf_account.clone(),
                },
            )?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Request {
    fn deserialize<D>(deserializer: D) -> Result<Self, D::Error>
    where
        D: Deserializer<'de>,
    {
        let mut object = serde_json::Map::deserialize(deserializer)?;
        let to_user = match object.remove("touser") {
            Some(serde_json::Value::String(s)) => OpenId::new(s),
            _ => return Err(de::Error::missing_field("touser")),
        };
        let msgtype = match object.remove("msgtype") {
            Some(serde_json::Value::String(s)) => s,
            _ => return Err(de::Error::missing_field("msgtype")),
        };
        let message = Message::from_entries(&msgtype, &mut object).map_err(de::Error::custom)?;
        let kf_account = match object.remove("customservice") {
            Some(value) => Some(
                serde_json::from_value::<CustomService>(value)
                    .map_err(de::Error::custom)?
                    .kf_account,
            ),
            None => None,
        };
        Ok(Self {
            to_user,
            message,
            kf_account,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn sample(message: Message) -> Request {
        Request::new("OPENID", message)
    }

    #[test]
    fn every_msgtype_has_the_wire_form_of_the_spec() {
        let cases = [
            (
                Message::text("Hello World"),
                json!({"touser":"OPENID","msgtype":"text","text":{"content":"Hello World"}}),
            ),
            (
                Message::image("MEDIA_ID"),
                json!({"touser":"OPENID","msgtype":"image","image":{"media_id":"MEDIA_ID"}}),
            ),
            (
                Message::voice("MEDIA_ID"),
                json!({"touser":"OPENID","msgtype":"voice","voice":{"media_id":"MEDIA_ID"}}),
            ),
            (
                Message::Video(Video {
                    media_id: "MEDIA_ID".into(),
                    thumb_media_id: "MEDIA_ID".into(),
                    title: Some("TITLE".to_owned()),
                    description: Some("DESCRIPTION".to_owned()),
                }),
                json!({"touser":"OPENID","msgtype":"video","video":{"media_id":"MEDIA_ID","thumb_media_id":"MEDIA_ID","title":"TITLE","description":"DESCRIPTION"}}),
            ),
            (
                Message::Music(Music {
                    title: Some("T".to_owned()),
                    description: Some("D".to_owned()),
                    music_url: "M".to_owned(),
                    hq_music_url: "H".to_owned(),
                    thumb_media_id: "TH".into(),
                }),
                json!({"touser":"OPENID","msgtype":"music","music":{"title":"T","description":"D","musicurl":"M","hqmusicurl":"H","thumb_media_id":"TH"}}),
            ),
            (
                Message::News(News {
                    articles: vec![Article {
                        title: "Happy Day".to_owned(),
                        description: "Is Really A Happy Day".to_owned(),
                        url: "URL".to_owned(),
                        pic_url: "PIC_URL".to_owned(),
                    }],
                }),
                json!({"touser":"OPENID","msgtype":"news","news":{"articles":[{"title":"Happy Day","description":"Is Really A Happy Day","url":"URL","picurl":"PIC_URL"}]}}),
            ),
            (
                Message::mpnews("MEDIA_ID"),
                json!({"touser":"OPENID","msgtype":"mpnews","mpnews":{"media_id":"MEDIA_ID"}}),
            ),
            (
                Message::MpNewsArticle(MpNewsArticle {
                    article_id: "ARTICLE_ID".to_owned(),
                }),
                json!({"touser":"OPENID","msgtype":"mpnewsarticle","mpnewsarticle":{"article_id":"ARTICLE_ID"}}),
            ),
            (
                Message::MsgMenu(MsgMenu {
                    head_content: "您对本次服务是否满意呢? ".to_owned(),
                    list: vec![
                        MenuItem {
                            id: "101".to_owned(),
                            content: "满意".to_owned(),
                        },
                        MenuItem {
                            id: "102".to_owned(),
                            content: "不满意".to_owned(),
                        },
                    ],
                    tail_content: "欢迎再次光临".to_owned(),
                }),
                json!({"touser":"OPENID","msgtype":"msgmenu","msgmenu":{"head_content":"您对本次服务是否满意呢? ","list":[{"id":"101","content":"满意"},{"id":"102","content":"不满意"}],"tail_content":"欢迎再次光临"}}),
            ),
            (
                Message::WxCard(WxCard {
                    card_id: "123dsdajkasd231jhksad".to_owned(),
                }),
                json!({"touser":"OPENID","msgtype":"wxcard","wxcard":{"card_id":"123dsdajkasd231jhksad"}}),
            ),
            (
                Message::MiniProgramPage(MiniProgramPage {
                    title: "title".to_owned(),
                    app_id: "appid".to_owned(),
                    page_path: "pagepath".to_owned(),
                    thumb_media_id: "thumb_media_id".into(),
                }),
                json!({"touser":"OPENID","msgtype":"miniprogrampage","miniprogrampage":{"title":"title","appid":"appid","pagepath":"pagepath","thumb_media_id":"thumb_media_id"}}),
            ),
        ];
        for (message, expected) in cases {
            let request = sample(message);
            assert_eq!(serde_json::to_value(&request).unwrap(), expected);
            let back: Request = serde_json::from_value(expected).unwrap();
            assert_eq!(back, request);
        }
    }

    #[test]
    fn optional_fields_and_agent() {
        let request = Request::new(
            "O",
            Message::Video(Video {
                media_id: "M".into(),
                thumb_media_id: "T".into(),
                title: None,
                description: None,
            }),
        )
        .kf_account("test1@kftest");
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            json!({"touser":"O","msgtype":"video","video":{"media_id":"M","thumb_media_id":"T"},"customservice":{"kf_account":"test1@kftest"}})
        );
        let back: Request =
            serde_json::from_value(serde_json::to_value(&request).unwrap()).unwrap();
        assert_eq!(back, request);
    }

    #[test]
    fn message_alone_round_trips() {
        let message = Message::text("hi");
        let value = serde_json::to_value(&message).unwrap();
        assert_eq!(value, json!({"msgtype":"text","text":{"content":"hi"}}));
        assert_eq!(serde_json::from_value::<Message>(value).unwrap(), message);
        let news: Message =
            serde_json::from_value(json!({"msgtype":"news","news":{"articles":[{"title":"T"}]}}))
                .unwrap();
        assert!(matches!(news, Message::News(n) if n.articles[0].url.is_empty()));
    }

    #[test]
    fn non_ascii_is_raw_utf8() {
        let body =
            serde_json::to_vec(&sample(Message::text("满意 <a href=\"https://x\">é</a>"))).unwrap();
        let text = String::from_utf8(body).unwrap();
        assert!(text.contains("满意"), "{text}");
        assert!(!text.contains("\\u"), "{text}");
    }

    #[test]
    fn unknown_msgtype_is_an_error_not_a_panic() {
        let result = serde_json::from_value::<Request>(
            json!({"touser":"O","msgtype":"hologram","hologram":{}}),
        );
        assert!(result.unwrap_err().to_string().contains("hologram"));
    }
}
