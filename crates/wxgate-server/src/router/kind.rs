//! The message types and events a route can name, typed so that a misspelt one does not
//! compile. They follow the typed [`Body`] and [`Event`] of wxgate-proto; `Other` names what
//! they do not know by the value WeChat sends.
//!
//! See [WeChat Docs/接收普通消息](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_standard_messages.html)
//! and [WeChat Docs/接收事件推送](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_event_pushes.html).

use wxgate_proto::event::Event;
use wxgate_proto::message::Body;

use crate::handler::Incoming;

/// A `MsgType`, for [`crate::MessageRouter::msg_type`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MsgType {
    /// `text`.
    Text,
    /// `image`.
    Image,
    /// `voice`.
    Voice,
    /// `video`.
    Video,
    /// `shortvideo`.
    ShortVideo,
    /// `location`.
    Location,
    /// `link`.
    Link,
    /// `miniprogrampage`.
    MiniProgramPage,
    /// `event` (any event).
    Event,
    /// Any other `MsgType`, exactly as WeChat sends it.
    Other(String),
}

impl MsgType {
    /// The type of a typed body; `None` for one wxgate-proto does not know.
    #[must_use]
    pub fn of(body: &Body) -> Option<Self> {
        Some(match body {
            Body::Text(_) => Self::Text,
            Body::Image(_) => Self::Image,
            Body::Voice(_) => Self::Voice,
            Body::Video(_) => Self::Video,
            Body::ShortVideo(_) => Self::ShortVideo,
            Body::Location(_) => Self::Location,
            Body::Link(_) => Self::Link,
            Body::MiniProgramPage(_) => Self::MiniProgramPage,
            Body::Event(_) => Self::Event,
            _ => return None,
        })
    }

    /// Whether `incoming` is of this type.
    pub(crate) fn matches(&self, incoming: &Incoming) -> bool {
        match self {
            Self::Other(name) => incoming.msg_type == *name,
            known => Self::of(&incoming.body).as_ref() == Some(known),
        }
    }
}

/// An `Event`, for [`crate::MessageRouter::event`] and [`crate::MessageRouter::event_key`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventKind {
    /// `subscribe`.
    Subscribe,
    /// `unsubscribe`.
    Unsubscribe,
    /// `SCAN`.
    Scan,
    /// `LOCATION`.
    Location,
    /// `CLICK`.
    Click,
    /// `VIEW`.
    View,
    /// `view_miniprogram`.
    ViewMiniprogram,
    /// `scancode_push`.
    ScancodePush,
    /// `scancode_waitmsg`.
    ScancodeWaitmsg,
    /// `pic_sysphoto`.
    PicSysphoto,
    /// `pic_photo_or_album`.
    PicPhotoOrAlbum,
    /// `pic_weixin`.
    PicWeixin,
    /// `location_select`.
    LocationSelect,
    /// `TEMPLATESENDJOBFINISH`.
    TemplateSendJobFinish,
    /// `MASSSENDJOBFINISH`.
    MassSendJobFinish,
    /// `PUBLISHJOBFINISH`.
    PublishJobFinish,
    /// `subscribe_msg_popup_event`.
    SubscribeMsgPopup,
    /// `subscribe_msg_change_event`.
    SubscribeMsgChange,
    /// `subscribe_msg_sent_event`.
    SubscribeMsgSent,
    /// `kf_create_session`.
    KfCreateSession,
    /// `kf_close_session`.
    KfCloseSession,
    /// `kf_switch_session`.
    KfSwitchSession,
    /// Any other event, by its `Event` value exactly as WeChat sends it.
    Other(String),
}

impl EventKind {
    /// The kind of a typed event; `None` for one wxgate-proto does not know.
    #[must_use]
    pub fn of(event: &Event) -> Option<Self> {
        Some(match event {
            Event::Subscribe(_) => Self::Subscribe,
            Event::Unsubscribe => Self::Unsubscribe,
            Event::Scan(_) => Self::Scan,
            Event::Location(_) => Self::Location,
            Event::Click(_) => Self::Click,
            Event::View(_) => Self::View,
            Event::ViewMiniprogram(_) => Self::ViewMiniprogram,
            Event::ScancodePush(_) => Self::ScancodePush,
            Event::ScancodeWaitmsg(_) => Self::ScancodeWaitmsg,
            Event::PicSysphoto(_) => Self::PicSysphoto,
            Event::PicPhotoOrAlbum(_) => Self::PicPhotoOrAlbum,
            Event::PicWeixin(_) => Self::PicWeixin,
            Event::LocationSelect(_) => Self::LocationSelect,
            Event::TemplateSendJobFinish(_) => Self::TemplateSendJobFinish,
            Event::MassSendJobFinish(_) => Self::MassSendJobFinish,
            Event::PublishJobFinish(_) => Self::PublishJobFinish,
            Event::SubscribeMsgPopup(_) => Self::SubscribeMsgPopup,
            Event::SubscribeMsgChange(_) => Self::SubscribeMsgChange,
            Event::SubscribeMsgSent(_) => Self::SubscribeMsgSent,
            Event::KfCreateSession(_) => Self::KfCreateSession,
            Event::KfCloseSession(_) => Self::KfCloseSession,
            Event::KfSwitchSession(_) => Self::KfSwitchSession,
            _ => return None,
        })
    }

    /// Whether `event` is of this kind.
    pub(crate) fn matches(&self, event: &Event) -> bool {
        match self {
            Self::Other(name) => event.name() == name,
            known => Self::of(event).as_ref() == Some(known),
        }
    }
}

#[cfg(test)]
mod tests {
    use wxgate_proto::message::Inbound;

    use super::*;

    fn incoming(fields: &str) -> Incoming {
        let xml = format!(
            "<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>{fields}</xml>"
        );
        Incoming::new("main", Inbound::parse(&xml).unwrap())
    }

    fn event(name: &str) -> Incoming {
        incoming(&format!(
            "<MsgType>event</MsgType><Event>{name}</Event><EventKey>k</EventKey>"
        ))
    }

    #[test]
    fn events_match_their_kind_only() {
        let cases = [
            ("subscribe", EventKind::Subscribe),
            ("unsubscribe", EventKind::Unsubscribe),
            ("SCAN", EventKind::Scan),
            ("CLICK", EventKind::Click),
            ("VIEW", EventKind::View),
            ("scancode_push", EventKind::ScancodePush),
            ("TEMPLATESENDJOBFINISH", EventKind::TemplateSendJobFinish),
            ("kf_close_session", EventKind::KfCloseSession),
        ];
        for (name, kind) in &cases {
            let incoming = event(name);
            let event = incoming.event().unwrap();
            assert_eq!(EventKind::of(event).as_ref(), Some(kind), "{name}");
            for (other, other_kind) in &cases {
                assert_eq!(
                    other_kind.matches(event),
                    name == other,
                    "{other} vs {name}"
                );
            }
            assert!(EventKind::Other((*name).to_owned()).matches(event));
        }
        let custom = event("debug_demo");
        let custom = custom.event().unwrap();
        assert_eq!(EventKind::of(custom), None);
        assert!(EventKind::Other("debug_demo".into()).matches(custom));
        assert!(!EventKind::Subscribe.matches(custom));
    }

    #[test]
    fn messages_match_their_type_only() {
        let image = incoming("<MsgType>image</MsgType><PicUrl>p</PicUrl><MediaId>m</MediaId>");
        assert!(MsgType::Image.matches(&image));
        assert!(MsgType::Other("image".into()).matches(&image));
        assert!(!MsgType::Text.matches(&image));
        let text = incoming("<MsgType>text</MsgType><Content>x</Content>");
        assert!(MsgType::Text.matches(&text));
        assert!(!MsgType::Event.matches(&text));
        assert!(MsgType::Event.matches(&event("CLICK")));
        let odd = incoming("<MsgType>hologram</MsgType>");
        assert_eq!(MsgType::of(&odd.body), None);
        assert!(MsgType::Other("hologram".into()).matches(&odd));
        assert!(!MsgType::Text.matches(&odd));
    }
}
