//! Typed inbound messages and events, with a raw fallback.
//!
//! See [WeChat Docs/接收普通消息](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_standard_messages.html) and
//! [WeChat Docs/接收事件推送](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_event_pushes.html).
//!
//! [`Inbound::parse`] never fails on a message or event type it does not know: it yields
//! [`Body::Unknown`] (or [`crate::event::Event::Other`]) and the whole document stays
//! available in [`Inbound::raw`], so no field is ever lost.

mod image;
mod link;
mod location;
mod miniprogram_page;
mod text;
mod video;
mod voice;

use serde::{Deserialize, Serialize};

pub use image::Image;
pub use link::Link;
pub use location::Location;
pub use miniprogram_page::MiniProgramPage;
pub use text::Text;
pub use video::Video;
pub use voice::Voice;

use crate::event::Event;
use crate::id::OpenId;
use crate::xml::{self, Element, Fields, Raw, XmlError};

/// One parsed push: the common header, the typed body and the raw document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Inbound {
    /// `ToUserName`: the account's original id (`gh_…`).
    pub to_user_name: String,
    /// `FromUserName`: the sender's OpenID.
    pub from_user_name: OpenId,
    /// `CreateTime`, Unix seconds.
    pub create_time: u64,
    /// `MsgType` as sent.
    pub msg_type: String,
    /// The typed body.
    pub body: Body,
    /// The whole document, every field included: an [`Element`] tree (which it dereferences
    /// to), built when first read for the common pushes, whose fields are all top-level.
    pub raw: Raw,
}

/// The typed body of a push, by `MsgType`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Body {
    /// `text`.
    Text(Text),
    /// `image`.
    Image(Image),
    /// `voice`.
    Voice(Voice),
    /// `video`.
    Video(Video),
    /// `shortvideo` (same fields as video).
    ShortVideo(Video),
    /// `location`.
    Location(Location),
    /// `link`.
    Link(Link),
    /// `miniprogrampage`.
    MiniProgramPage(MiniProgramPage),
    /// `event`.
    Event(Event),
    /// A `MsgType` this version does not know; every field is in [`Inbound::raw`].
    Unknown,
}

impl Inbound {
    /// Parses a plaintext push document.
    ///
    /// # Errors
    ///
    /// [`XmlError`] when the document is not XML, lacks a header field, or a known field has
    /// an invalid value (e.g. a non-numeric `CreateTime`).
    ///
    /// # Examples
    ///
    /// ```
    /// use wxgate_proto::message::{Body, Inbound};
    /// let msg = Inbound::parse("<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content><MsgId>42</MsgId></xml>").unwrap();
    /// assert!(matches!(&msg.body, Body::Text(t) if t.content == "hi"));
    /// assert_eq!(msg.msg_id(), Some("42"));
    /// ```
    pub fn parse(document: &str) -> Result<Self, XmlError> {
        // Every common push is flat (top-level fields only) and is read where it lies, its
        // element tree left until something reads it; anything else, and every error, comes
        // from the tree.
        if let Some(inbound) = Self::parse_flat(document) {
            // Every test in this crate that parses a push checks the two ways agree on it (on a
            // second reading: comparing builds the tree, which `inbound` leaves unbuilt).
            #[cfg(test)]
            assert_eq!(
                Self::from_element(xml::parse(document).expect("a flat push parses")),
                Ok(Self::parse_flat(document).expect("read once, read again")),
                "the flat reader and the tree disagree on {document:?}"
            );
            return Ok(inbound);
        }
        Self::from_element(xml::parse(document)?)
    }

    /// Reads a push from an already parsed document.
    ///
    /// # Errors
    ///
    /// As [`Inbound::parse`].
    pub fn from_element(raw: Element) -> Result<Self, XmlError> {
        let (to_user_name, from_user_name, create_time, msg_type) = header(&raw)?;
        let body = match simple_body(&msg_type, &raw) {
            Some(body) => body?,
            None => Body::Event(Event::from_element(&raw)?),
        };
        Ok(Self {
            to_user_name,
            from_user_name,
            create_time,
            msg_type,
            body,
            raw: Raw::from(raw),
        })
    }

    /// A flat push read where it lies, when it is one and has no error; `None` sends it to the
    /// tree, which decides.
    fn parse_flat(document: &str) -> Option<Self> {
        let fields = xml::flat_fields(document)?;
        let (to_user_name, from_user_name, create_time, msg_type) = header(&fields).ok()?;
        let body = simple_body(&msg_type, &fields)?.ok()?;
        Some(Self {
            to_user_name,
            from_user_name,
            create_time,
            msg_type,
            body,
            raw: Raw::flat(document, &fields),
        })
    }

    /// `MsgId` of a message (or `MsgID` of a job-finish event), as sent.
    #[must_use]
    pub fn msg_id(&self) -> Option<&str> {
        self.raw
            .text_of("MsgId")
            .or_else(|| self.raw.text_of("MsgID"))
            .map(str::trim)
            .filter(|id| !id.is_empty())
    }

    /// The event, if this push is one.
    #[must_use]
    pub fn event(&self) -> Option<&Event> {
        match &self.body {
            Body::Event(event) => Some(event),
            _ => None,
        }
    }

    /// The key that identifies this push across WeChat's retries (WeChat sends a push again,
    /// with the same content, when it gets no answer within 5 s).
    ///
    /// Messages: `MsgId`. Events: `FromUserName` + `CreateTime` + `Event` + `EventKey`, so two
    /// different events in the same second are not collapsed.
    #[must_use]
    pub fn dedup_key(&self) -> String {
        let mut key = String::with_capacity(96);
        self.write_dedup_key(&mut key);
        key
    }

    /// Appends [`Inbound::dedup_key`] to `out` (lets callers prefix it without another copy).
    pub fn write_dedup_key(&self, out: &mut String) {
        use std::fmt::Write as _;
        match (self.event(), self.msg_id()) {
            (None, Some(id)) => {
                out.push_str("msg:");
                out.push_str(id);
            }
            (event, _) => {
                let _ = write!(
                    out,
                    "evt:{}:{}:{}:{}",
                    self.from_user_name,
                    self.create_time,
                    event.map_or(self.msg_type.as_str(), Event::name),
                    self.raw.text_of("EventKey").unwrap_or_default()
                );
            }
        }
    }

    /// Whether WeChat shows a passive reply to this push: user messages and user-triggered
    /// events, not notifications such as `unsubscribe` or job results (WeChat ignores a reply to
    /// those). See
    /// [WeChat Docs/被动回复用户消息](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Passive_user_reply_message.html).
    #[must_use]
    pub fn accepts_reply(&self) -> bool {
        self.event().is_none_or(Event::accepts_reply)
    }
}

/// The longest `ToUserName` / `FromUserName` accepted. WeChat's ids are far shorter (an OpenID
/// is 28 characters, an original id `gh_` + 12 hex digits, an AppID 18); anything longer cannot
/// be real, and echoing it into a reply (and the de-dup record holding that reply) would let
/// one push cost the gateway a megabyte of memory.
pub const MAX_ID_CHARS: usize = 64;

/// Checks a `ToUserName` / `FromUserName`: 1 to [`MAX_ID_CHARS`] characters of the alphabet
/// WeChat's ids use (letters, digits, `_`, `-`).
fn account_id<'a>(value: &'a str, name: &'static str) -> Result<&'a str, XmlError> {
    let value = value.trim();
    if value.is_empty()
        || value.len() > MAX_ID_CHARS
        || !value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(XmlError::Invalid(name));
    }
    Ok(value)
}

/// Checks a `MsgId` / `MsgID`: a 64-bit unsigned number, as WeChat sends (an empty one is
/// treated as absent).
fn check_msg_id(value: &str, name: &'static str) -> Result<(), XmlError> {
    let value = value.trim();
    if value.is_empty()
        || (value.bytes().all(|b| b.is_ascii_digit()) && value.parse::<u64>().is_ok())
    {
        Ok(())
    } else {
        Err(XmlError::Invalid(name))
    }
}

/// The header every push has: `ToUserName`, `FromUserName`, `CreateTime` (with `MsgId` /
/// `MsgID` checked when present) and `MsgType`.
fn header(raw: &impl Fields) -> Result<(String, OpenId, u64, String), XmlError> {
    let to_user_name = account_id(raw.required("ToUserName")?, "ToUserName")?.to_owned();
    let from_user_name = OpenId::from(account_id(raw.required("FromUserName")?, "FromUserName")?);
    let create_time: u64 = raw
        .parse_of("CreateTime")?
        .ok_or(XmlError::Missing("CreateTime"))?;
    for name in ["MsgId", "MsgID"] {
        if let Some(id) = raw.text_of(name) {
            check_msg_id(id, name)?;
        }
    }
    let msg_type = raw.required("MsgType")?.trim().to_owned();
    Ok((to_user_name, from_user_name, create_time, msg_type))
}

/// The typed body of every push whose fields are all top-level (the messages and the simple
/// events); `None` for the events that need the element tree.
fn simple_body(msg_type: &str, raw: &impl Fields) -> Option<Result<Body, XmlError>> {
    let body = match msg_type {
        "text" => Text::from_fields(raw).map(Body::Text),
        "image" => Image::from_fields(raw).map(Body::Image),
        "voice" => Voice::from_fields(raw).map(Body::Voice),
        "video" => Video::from_fields(raw).map(Body::Video),
        "shortvideo" => Video::from_fields(raw).map(Body::ShortVideo),
        "location" => Location::from_fields(raw).map(Body::Location),
        "link" => Link::from_fields(raw).map(Body::Link),
        "miniprogrampage" => MiniProgramPage::from_fields(raw).map(Body::MiniProgramPage),
        "event" => {
            let name = match raw.required("Event") {
                Ok(name) => name.trim(),
                Err(error) => return Some(Err(error)),
            };
            Event::simple(name, raw)?.map(Body::Event)
        }
        _ => Ok(Body::Unknown),
    };
    Some(body)
}

/// The `MsgId` field of a message, when present.
pub(crate) fn msg_id(raw: &impl Fields) -> Option<String> {
    raw.text_of("MsgId").map(|s| s.trim().to_owned())
}

pub(crate) fn opt(raw: &impl Fields, name: &str) -> Option<String> {
    raw.text_of(name).map(str::to_owned)
}

pub(crate) fn text_or_empty(raw: &impl Fields, name: &str) -> String {
    raw.text_of(name).unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests;
