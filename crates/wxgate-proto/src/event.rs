//! Typed events (`MsgType` = `event`).
//!
//! See [WeChat Docs/接收事件推送](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_event_pushes.html)
//! and [WeChat Docs/自定义菜单事件推送](https://developers.weixin.qq.com/doc/offiaccount/Custom_Menus/Custom_Menu_Push_Events.html).

mod job;
mod kf;
mod location;
mod menu;
mod subscribe;
mod subscribe_msg;

use serde::{Deserialize, Serialize};

pub use job::{MassSendJobFinish, PublishJobFinish, TemplateSendJobFinish};
pub use kf::{KfSession, KfSwitchSession};
pub use location::ReportLocation;
pub use menu::{Click, LocationSelect, ScanCode, SendPics, View};
pub use subscribe::{QR_SCENE_PREFIX, Scan, Subscribe};
pub use subscribe_msg::{SubscribeMsgItem, SubscribeMsgSentItem};

use crate::xml::{Element, Fields, XmlError};

/// An event, by its `Event` value (case-sensitive, as WeChat sends it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// `subscribe`: a follow, possibly through a parametric QR code.
    Subscribe(Subscribe),
    /// `unsubscribe`.
    Unsubscribe,
    /// `SCAN`: a follower scanned a parametric QR code.
    Scan(Scan),
    /// `LOCATION`: location reported on entering the chat.
    Location(ReportLocation),
    /// `CLICK`: a menu click.
    Click(Click),
    /// `VIEW`: a menu link opened.
    View(View),
    /// `view_miniprogram`: a menu Mini Program opened.
    ViewMiniprogram(View),
    /// `scancode_push`.
    ScancodePush(ScanCode),
    /// `scancode_waitmsg`.
    ScancodeWaitmsg(ScanCode),
    /// `pic_sysphoto`.
    PicSysphoto(SendPics),
    /// `pic_photo_or_album`.
    PicPhotoOrAlbum(SendPics),
    /// `pic_weixin`.
    PicWeixin(SendPics),
    /// `location_select`.
    LocationSelect(LocationSelect),
    /// `TEMPLATESENDJOBFINISH`.
    TemplateSendJobFinish(TemplateSendJobFinish),
    /// `MASSSENDJOBFINISH`.
    MassSendJobFinish(MassSendJobFinish),
    /// `PUBLISHJOBFINISH`.
    PublishJobFinish(PublishJobFinish),
    /// `subscribe_msg_popup_event`.
    SubscribeMsgPopup(Vec<SubscribeMsgItem>),
    /// `subscribe_msg_change_event`.
    SubscribeMsgChange(Vec<SubscribeMsgItem>),
    /// `subscribe_msg_sent_event`.
    SubscribeMsgSent(Vec<SubscribeMsgSentItem>),
    /// `kf_create_session`.
    KfCreateSession(KfSession),
    /// `kf_close_session`.
    KfCloseSession(KfSession),
    /// `kf_switch_session`.
    KfSwitchSession(KfSwitchSession),
    /// Any other event; its fields are in the raw document.
    Other {
        /// The `Event` value.
        name: String,
    },
}

impl Event {
    pub(crate) fn from_element(raw: &Element) -> Result<Self, XmlError> {
        let name = raw.required("Event")?.trim();
        if let Some(simple) = Self::simple(name, raw) {
            return simple;
        }
        Ok(match name {
            "scancode_push" => Self::ScancodePush(ScanCode::from_element(raw)),
            "scancode_waitmsg" => Self::ScancodeWaitmsg(ScanCode::from_element(raw)),
            "pic_sysphoto" => Self::PicSysphoto(SendPics::from_element(raw)?),
            "pic_photo_or_album" => Self::PicPhotoOrAlbum(SendPics::from_element(raw)?),
            "pic_weixin" => Self::PicWeixin(SendPics::from_element(raw)?),
            "location_select" => Self::LocationSelect(LocationSelect::from_element(raw)?),
            "TEMPLATESENDJOBFINISH" => {
                Self::TemplateSendJobFinish(TemplateSendJobFinish::from_element(raw))
            }
            "MASSSENDJOBFINISH" => Self::MassSendJobFinish(MassSendJobFinish::from_element(raw)?),
            "PUBLISHJOBFINISH" => Self::PublishJobFinish(PublishJobFinish::from_element(raw)),
            "subscribe_msg_popup_event" => {
                Self::SubscribeMsgPopup(SubscribeMsgItem::list(raw, "SubscribeMsgPopupEvent"))
            }
            "subscribe_msg_change_event" => {
                // The official example mistakenly uses the popup tag; accept both.
                let mut list = SubscribeMsgItem::list(raw, "SubscribeMsgChangeEvent");
                if list.is_empty() {
                    list = SubscribeMsgItem::list(raw, "SubscribeMsgPopupEvent");
                }
                Self::SubscribeMsgChange(list)
            }
            "subscribe_msg_sent_event" => Self::SubscribeMsgSent(SubscribeMsgSentItem::list(raw)),
            other => Self::Other {
                name: other.to_owned(),
            },
        })
    }

    /// The events whose fields are all top-level (`name` is the `Event` field), read from an
    /// element tree or from a flat document where it lies; `None` for the others, which need
    /// the tree.
    pub(crate) fn simple(name: &str, raw: &impl Fields) -> Option<Result<Self, XmlError>> {
        Some(Ok(match name {
            "subscribe" => Self::Subscribe(Subscribe::from_fields(raw)),
            "unsubscribe" => Self::Unsubscribe,
            "SCAN" => Self::Scan(Scan::from_fields(raw)),
            "LOCATION" => match ReportLocation::from_fields(raw) {
                Ok(location) => Self::Location(location),
                Err(error) => return Some(Err(error)),
            },
            "CLICK" => Self::Click(Click::from_fields(raw)),
            "VIEW" => Self::View(View::from_fields(raw)),
            "view_miniprogram" => Self::ViewMiniprogram(View::from_fields(raw)),
            "kf_create_session" => Self::KfCreateSession(KfSession::from_fields(raw)),
            "kf_close_session" => Self::KfCloseSession(KfSession::from_fields(raw)),
            "kf_switch_session" => Self::KfSwitchSession(KfSwitchSession::from_fields(raw)),
            _ => return None,
        }))
    }

    /// The `Event` value as WeChat sends it, e.g. `subscribe`, `SCAN`, `CLICK`.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Self::Subscribe(_) => "subscribe",
            Self::Unsubscribe => "unsubscribe",
            Self::Scan(_) => "SCAN",
            Self::Location(_) => "LOCATION",
            Self::Click(_) => "CLICK",
            Self::View(_) => "VIEW",
            Self::ViewMiniprogram(_) => "view_miniprogram",
            Self::ScancodePush(_) => "scancode_push",
            Self::ScancodeWaitmsg(_) => "scancode_waitmsg",
            Self::PicSysphoto(_) => "pic_sysphoto",
            Self::PicPhotoOrAlbum(_) => "pic_photo_or_album",
            Self::PicWeixin(_) => "pic_weixin",
            Self::LocationSelect(_) => "location_select",
            Self::TemplateSendJobFinish(_) => "TEMPLATESENDJOBFINISH",
            Self::MassSendJobFinish(_) => "MASSSENDJOBFINISH",
            Self::PublishJobFinish(_) => "PUBLISHJOBFINISH",
            Self::SubscribeMsgPopup(_) => "subscribe_msg_popup_event",
            Self::SubscribeMsgChange(_) => "subscribe_msg_change_event",
            Self::SubscribeMsgSent(_) => "subscribe_msg_sent_event",
            Self::KfCreateSession(_) => "kf_create_session",
            Self::KfCloseSession(_) => "kf_close_session",
            Self::KfSwitchSession(_) => "kf_switch_session",
            Self::Other { name } => name,
        }
    }

    /// `EventKey`, for the events that carry one (menu key, scene value, URL, …).
    #[must_use]
    pub fn event_key(&self) -> Option<&str> {
        match self {
            Self::Subscribe(s) => s.event_key.as_deref(),
            Self::Scan(s) => Some(&s.event_key),
            Self::Click(c) => Some(&c.event_key),
            Self::View(v) | Self::ViewMiniprogram(v) => Some(&v.event_key),
            Self::ScancodePush(s) | Self::ScancodeWaitmsg(s) => Some(&s.event_key),
            Self::PicSysphoto(p) | Self::PicPhotoOrAlbum(p) | Self::PicWeixin(p) => {
                Some(&p.event_key)
            }
            Self::LocationSelect(l) => Some(&l.event_key),
            _ => None,
        }
    }

    /// The QR scene of a `subscribe` through a parametric code (`qrscene_` removed) or a `SCAN`.
    #[must_use]
    pub fn qr_scene(&self) -> Option<&str> {
        match self {
            Self::Subscribe(s) => s.scene(),
            Self::Scan(s) => Some(&s.event_key),
            _ => None,
        }
    }

    /// Whether WeChat shows a passive reply to this event: not to notifications (unfollows, job
    /// results, subscription-message and customer-service session notices), whose replies WeChat
    /// ignores.
    #[must_use]
    pub fn accepts_reply(&self) -> bool {
        !matches!(
            self,
            Self::Unsubscribe
                | Self::TemplateSendJobFinish(_)
                | Self::MassSendJobFinish(_)
                | Self::PublishJobFinish(_)
                | Self::SubscribeMsgSent(_)
                | Self::SubscribeMsgChange(_)
                | Self::KfCreateSession(_)
                | Self::KfCloseSession(_)
                | Self::KfSwitchSession(_)
        )
    }
}
