//! `cgi-bin/message/mass/*`: mass sends (群发) to every follower, a tag or a list of OpenIDs,
//! previews, their status, deletion and the sending speed.
//!
//! One message model ([`Message`]) serves [`sendall`], [`send`] and [`preview`]. Sends are
//! asynchronous: WeChat answers a `msg_id` at once and pushes `MASSSENDJOBFINISH` when done.
//! `clientmsgid` makes a send idempotent for a day (45065 answers the first send's `msg_id`,
//! 45067 when longer than 64 bytes). Daily quota: 100 sends; the per-account-type frequency
//! (1 a day for subscription accounts, 4 a month for service accounts) applies on top.
//!
//! See [WeChat Docs/群发接口和原创校验](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Batch_Sends_and_Originality_Checks.html).

use serde::Serialize;
use serde::ser::SerializeMap;

use crate::MediaId;

pub mod delete;
pub mod get;
pub mod preview;
pub mod send;
pub mod sendall;
pub mod speed;

/// One mass message, by `msgtype`.
///
/// ```
/// use wxgate_api::endpoint::message::mass::Message;
/// assert_eq!(
///     serde_json::to_string(&Message::text("hello")).unwrap(),
///     r#"{"msgtype":"text","text":{"content":"hello"}}"#,
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Message {
    /// `mpnews`: a news material (图文消息) by `media_id`.
    MpNews(Media),
    /// `text`: plain text.
    Text(Text),
    /// `voice`: a voice material.
    Voice(Media),
    /// `image`: one image material.
    Image(Media),
    /// `images`: several images as one image message (图片消息).
    Images(Images),
    /// `mpvideo`: a video material (`media_id` of a converted video).
    MpVideo(Media),
    /// `wxcard`: a card.
    WxCard(WxCard),
}

impl Message {
    /// A `text` message.
    pub fn text(content: impl Into<String>) -> Self {
        Self::Text(Text {
            content: content.into(),
        })
    }

    /// An `mpnews` message.
    pub fn mpnews(media_id: impl Into<MediaId>) -> Self {
        Self::MpNews(Media::new(media_id))
    }

    /// A `voice` message.
    pub fn voice(media_id: impl Into<MediaId>) -> Self {
        Self::Voice(Media::new(media_id))
    }

    /// An `image` message.
    pub fn image(media_id: impl Into<MediaId>) -> Self {
        Self::Image(Media::new(media_id))
    }

    /// An `images` message of several images.
    pub fn images<I, M>(media_ids: I) -> Self
    where
        I: IntoIterator<Item = M>,
        M: Into<MediaId>,
    {
        Self::Images(Images {
            media_ids: media_ids.into_iter().map(Into::into).collect(),
            recommend: None,
            need_open_comment: None,
            only_fans_can_comment: None,
        })
    }

    /// An `mpvideo` message.
    pub fn mpvideo(media_id: impl Into<MediaId>) -> Self {
        Self::MpVideo(Media::new(media_id))
    }

    /// A `wxcard` message.
    pub fn wxcard(card_id: impl Into<String>) -> Self {
        Self::WxCard(WxCard {
            card_id: card_id.into(),
        })
    }

    /// The wire `msgtype`.
    pub fn msgtype(&self) -> &'static str {
        match self {
            Self::MpNews(_) => "mpnews",
            Self::Text(_) => "text",
            Self::Voice(_) => "voice",
            Self::Image(_) => "image",
            Self::Images(_) => "images",
            Self::MpVideo(_) => "mpvideo",
            Self::WxCard(_) => "wxcard",
        }
    }

    /// Writes `"msgtype": …` and the payload entry into a request's map.
    pub(crate) fn serialize_entries<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        let msgtype = self.msgtype();
        map.serialize_entry("msgtype", msgtype)?;
        match self {
            Self::MpNews(m) | Self::Voice(m) | Self::Image(m) | Self::MpVideo(m) => {
                map.serialize_entry(msgtype, m)
            }
            Self::Text(t) => map.serialize_entry(msgtype, t),
            Self::Images(i) => map.serialize_entry(msgtype, i),
            Self::WxCard(c) => map.serialize_entry(msgtype, c),
        }
    }
}

/// `{"msgtype": "text", "text": {...}}`: the message part of a request body.
impl Serialize for Message {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        self.serialize_entries(&mut map)?;
        map.end()
    }
}

/// `{"media_id": "..."}`
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Media {
    /// The material.
    pub media_id: MediaId,
}

impl Media {
    /// The material `media_id`.
    pub fn new(media_id: impl Into<MediaId>) -> Self {
        Self {
            media_id: media_id.into(),
        }
    }
}

/// `{"content": "..."}`
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Text {
    /// The text.
    pub content: String,
}

/// `{"media_ids": [...], "recommend"?, "need_open_comment"?, "only_fans_can_comment"?}`
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Images {
    /// The image materials.
    pub media_ids: Vec<MediaId>,
    /// The recommendation text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommend: Option<String>,
    /// 1 to open comments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub need_open_comment: Option<u8>,
    /// 1 to let only followers comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub only_fans_can_comment: Option<u8>,
}

/// `{"card_id": "..."}`
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct WxCard {
    /// The card.
    pub card_id: String,
}

/// The answer of [`sendall`] and [`send`]:
/// `{"errcode":0,"errmsg":"send job submission success","msg_id":34182,"msg_data_id":206227730}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[non_exhaustive]
pub struct SendResponse {
    /// The send job (for [`get`] and [`delete`], named again in `MASSSENDJOBFINISH`).
    pub msg_id: u64,
    /// The news data id (`mpnews` sends only), for the article statistics.
    #[serde(default)]
    pub msg_data_id: Option<u64>,
}

/// The common optional fields of [`sendall`] and [`send`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Options {
    pub(crate) send_ignore_reprint: Option<bool>,
    pub(crate) clientmsgid: Option<String>,
}

impl Options {
    pub(crate) fn serialize_entries<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        if let Some(ignore) = self.send_ignore_reprint {
            map.serialize_entry("send_ignore_reprint", &u8::from(ignore))?;
        }
        if let Some(id) = &self.clientmsgid {
            map.serialize_entry("clientmsgid", id)?;
        }
        Ok(())
    }
}
