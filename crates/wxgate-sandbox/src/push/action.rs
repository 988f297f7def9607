//! Virtual users' actions: `POST /sandbox/apps/{app_id}/users/{openid}/actions`.
//!
//! Preconditions fail with HTTP 409 and say what is missing: messages, clicks and menu events need
//! a following user; `follow` needs a non-following one; `click`/`view`/menu events need a button
//! of that type with that key/url in the menu the user sees (conditional menus included); `scan`
//! needs a live QR ticket of this app (404 otherwise).
//!
//! State effects: `follow`/`scan` when not following subscribe the user (`subscribe_scene`
//! `ADD_SCENE_SEARCH`, or `ADD_SCENE_QR_CODE` with `qr_scene`/`qr_scene_str`); `unfollow` ends
//! them and closes CS windows. CS windows: user messages (5 in 48 h); `click`, `scancode_push`,
//! `scancode_waitmsg` (3 in 1 min); subscribe (3 in 1 min); QR scan (3 in 1 min).
//! Replies to `unfollow` and `view` are ignored (neither shown nor noticed); `pic_*` events are
//! pushed alone (send the photos as `image` actions).

use serde::Deserialize;
use serde_json::{Value, json};
use wxgate_proto::xml::Writer;

use super::deliver::{self, DeliveryOutcome, Prepared};
use crate::Sandbox;
use crate::error::ControlError;
use crate::state::{ALNUM, Media, User, WindowKind};
use crate::wechat::menu::{effective_menu, find_button};

/// The notice a user sees when the account answers nothing valid in time ("该公众号暂时无法提供服务").
pub(crate) const UNAVAILABLE: &str = "该公众号暂时无法提供服务，请稍后再试";

/// One action, the body of the actions endpoint (`{"type": …, …}`).
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum Action {
    Follow {
        #[serde(default)]
        scene: Option<String>,
    },
    Unfollow,
    Text {
        content: String,
    },
    Image {
        #[serde(default)]
        pic_url: Option<String>,
    },
    Voice {
        #[serde(default)]
        format: Option<String>,
        #[serde(default)]
        recognition: Option<String>,
    },
    Video,
    Shortvideo,
    Location {
        #[serde(default)]
        location_x: f64,
        #[serde(default)]
        location_y: f64,
        #[serde(default)]
        scale: Option<u32>,
        #[serde(default)]
        label: String,
    },
    Link {
        #[serde(default)]
        title: String,
        #[serde(default)]
        description: String,
        url: String,
    },
    Click {
        key: String,
    },
    View {
        url: String,
    },
    Scan {
        ticket: String,
    },
    ReportLocation {
        #[serde(default)]
        latitude: f64,
        #[serde(default)]
        longitude: f64,
        #[serde(default)]
        precision: f64,
    },
    ScancodePush {
        key: String,
        #[serde(default)]
        scan_result: String,
        #[serde(default)]
        scan_type: Option<String>,
    },
    ScancodeWaitmsg {
        key: String,
        #[serde(default)]
        scan_result: String,
        #[serde(default)]
        scan_type: Option<String>,
    },
    PicSysphoto {
        key: String,
        #[serde(default)]
        count: Option<u32>,
    },
    PicPhotoOrAlbum {
        key: String,
        #[serde(default)]
        count: Option<u32>,
    },
    PicWeixin {
        key: String,
        #[serde(default)]
        count: Option<u32>,
    },
    LocationSelect {
        key: String,
        #[serde(default)]
        location_x: f64,
        #[serde(default)]
        location_y: f64,
        #[serde(default)]
        scale: Option<u32>,
        #[serde(default)]
        label: String,
        #[serde(default)]
        poiname: String,
    },
}

/// How the platform treats the answer to a push.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// A user message: news replies limited to `news_reply_limit`.
    Message,
    /// A user-triggered event: up to 8 news articles.
    Event,
    /// Replies are ignored.
    Ignored,
}

/// Perform `action` for `openid` of `app_id` and deliver the resulting push.
pub(crate) async fn act(
    sb: &Sandbox,
    app_id: &str,
    openid: &str,
    action: Action,
) -> Result<Value, ControlError> {
    let name = action_name(&action);
    let news_reply_limit = sb.config().news_reply_limit;
    let (prepared, answer, sent_seq, summary) = sb.with_state(|s| {
        let now = s.now();
        let msg_id = s.random_u63();
        let media_id = s.random_string(ALNUM, 64);
        let thumb_id = s.random_string(ALNUM, 64);
        let md5 = s.random_string(b"0123456789abcdef", 32);
        let random16 = s.random16();
        let qr = match &action {
            Action::Scan { ticket } => Some(
                s.qrcodes
                    .get(ticket)
                    .filter(|q| q.app_id == app_id && q.expires_at.is_none_or(|e| e > now))
                    .cloned()
                    .ok_or_else(|| {
                        ControlError::not_found("QR ticket unknown, expired or of another app")
                    })?,
            ),
            _ => None,
        };
        let app = s
            .apps
            .get_mut(app_id)
            .ok_or_else(|| ControlError::not_found(format!("no app {app_id}")))?;
        if app.spec.callback_url.is_empty() {
            return Err(ControlError::conflict(format!(
                "{app_id} has no callback_url"
            )));
        }
        let original_id = app.spec.original_id();
        let user = app
            .users
            .get(openid)
            .ok_or_else(|| ControlError::not_found(format!("no user {openid} in app {app_id}")))?
            .clone();
        let menu = effective_menu(app, &user).cloned();
        let mut w = Writer::new();
        w.text("ToUserName", &original_id)
            .text("FromUserName", openid)
            .number("CreateTime", now);
        let mut window = None;
        let mut new_media = Vec::new();
        // The button's name, for the conversation record of menu actions.
        let mut button_name = None;
        let needs_follow = !matches!(
            action,
            Action::Follow { .. } | Action::Scan { .. } | Action::Unfollow
        );
        if needs_follow && !user.subscribed {
            return Err(ControlError::conflict(format!(
                "user {openid} is not following {app_id}"
            )));
        }
        let menu_button = |kinds: &[&str], field: &str, value: &str| {
            let menu = menu.as_ref().ok_or_else(|| {
                ControlError::conflict(format!(
                    "{app_id} has no menu (create one with cgi-bin/menu/create)"
                ))
            })?;
            find_button(menu, kinds, field, value)
                .cloned()
                .ok_or_else(|| {
                    ControlError::conflict(format!(
                        "the menu user {openid} sees has no {} button with {field} {value:?}",
                        kinds.join("/")
                    ))
                })
        };
        let answer = match &action {
            Action::Follow { scene } => {
                if user.subscribed {
                    return Err(ControlError::conflict(format!(
                        "user {openid} already follows {app_id}"
                    )));
                }
                let user = app
                    .user_mut(openid)
                    .map_err(|_| ControlError::not_found(openid))?;
                subscribe(
                    user,
                    scene
                        .clone()
                        .unwrap_or_else(|| "ADD_SCENE_SEARCH".to_owned()),
                    now,
                );
                app.follow_serial += 1;
                let serial = app.follow_serial;
                app.user_mut(openid)
                    .map_err(|_| ControlError::not_found(openid))?
                    .follow_serial = serial;
                w.text("MsgType", "event")
                    .text("Event", "subscribe")
                    .text("EventKey", "");
                window = Some(WindowKind::Subscribe);
                Answer::Event
            }
            Action::Unfollow => {
                if !user.subscribed {
                    return Err(ControlError::conflict(format!(
                        "user {openid} does not follow {app_id}"
                    )));
                }
                let user = app
                    .user_mut(openid)
                    .map_err(|_| ControlError::not_found(openid))?;
                user.subscribed = false;
                user.windows.clear();
                w.text("MsgType", "event")
                    .text("Event", "unsubscribe")
                    .text("EventKey", "");
                Answer::Ignored
            }
            Action::Text { content } => {
                w.text("MsgType", "text")
                    .text("Content", content)
                    .number("MsgId", msg_id);
                window = Some(WindowKind::Message);
                Answer::Message
            }
            Action::Image { pic_url } => {
                let png = crate::wechat::qrcode::render_png("sandbox image").unwrap_or_default();
                new_media.push((media_id.clone(), "image", "image.png", "image/png", png));
                let url = pic_url
                    .clone()
                    .unwrap_or_else(|| format!("http://mmbiz.qpic.cn/sandbox/{media_id}"));
                w.text("MsgType", "image")
                    .text("PicUrl", &url)
                    .text("MediaId", &media_id)
                    .number("MsgId", msg_id);
                window = Some(WindowKind::Message);
                Answer::Message
            }
            Action::Voice {
                format,
                recognition,
            } => {
                new_media.push((
                    media_id.clone(),
                    "voice",
                    "voice.amr",
                    "audio/amr",
                    b"#!AMR\n".to_vec(),
                ));
                w.text("MsgType", "voice")
                    .text("MediaId", &media_id)
                    .text("Format", format.as_deref().unwrap_or("amr"))
                    .number("MsgId", msg_id)
                    .text("Recognition", recognition.as_deref().unwrap_or(""));
                window = Some(WindowKind::Message);
                Answer::Message
            }
            Action::Video | Action::Shortvideo => {
                let kind = if matches!(action, Action::Video) {
                    "video"
                } else {
                    "shortvideo"
                };
                new_media.push((
                    media_id.clone(),
                    "video",
                    "video.mp4",
                    "video/mp4",
                    b"sandbox video".to_vec(),
                ));
                let thumb = crate::wechat::qrcode::render_png("sandbox thumb").unwrap_or_default();
                new_media.push((thumb_id.clone(), "thumb", "thumb.png", "image/png", thumb));
                w.text("MsgType", kind)
                    .text("MediaId", &media_id)
                    .text("ThumbMediaId", &thumb_id)
                    .number("MsgId", msg_id);
                window = Some(WindowKind::Message);
                Answer::Message
            }
            Action::Location {
                location_x,
                location_y,
                scale,
                label,
            } => {
                w.text("MsgType", "location")
                    .number("Location_X", location_x)
                    .number("Location_Y", location_y)
                    .number("Scale", scale.unwrap_or(15))
                    .text("Label", label)
                    .number("MsgId", msg_id);
                window = Some(WindowKind::Message);
                Answer::Message
            }
            Action::Link {
                title,
                description,
                url,
            } => {
                w.text("MsgType", "link")
                    .text("Title", title)
                    .text("Description", description)
                    .text("Url", url)
                    .number("MsgId", msg_id);
                window = Some(WindowKind::Message);
                Answer::Message
            }
            Action::Click { key } => {
                button_name = button_label(&menu_button(&["click"], "key", key)?);
                w.text("MsgType", "event")
                    .text("Event", "CLICK")
                    .text("EventKey", key);
                window = Some(WindowKind::Click);
                Answer::Event
            }
            Action::View { url } => {
                button_name = button_label(&menu_button(&["view"], "url", url)?);
                w.text("MsgType", "event")
                    .text("Event", "VIEW")
                    .text("EventKey", url);
                if let Some(menu) = menu.as_ref().filter(|m| m.matchrule.is_some()) {
                    w.number("MenuId", menu.menuid);
                }
                Answer::Ignored
            }
            Action::Scan { ticket } => {
                let qr = qr
                    .as_ref()
                    .ok_or_else(|| ControlError::not_found("QR ticket"))?;
                w.text("MsgType", "event");
                if user.subscribed {
                    w.text("Event", "SCAN").text("EventKey", &qr.scene());
                    window = Some(WindowKind::Scan);
                } else {
                    let user = app
                        .user_mut(openid)
                        .map_err(|_| ControlError::not_found(openid))?;
                    subscribe(user, "ADD_SCENE_QR_CODE".to_owned(), now);
                    user.qr_scene = qr.scene_id.unwrap_or(0);
                    user.qr_scene_str = qr.scene_str.clone().unwrap_or_default();
                    app.follow_serial += 1;
                    let serial = app.follow_serial;
                    app.user_mut(openid)
                        .map_err(|_| ControlError::not_found(openid))?
                        .follow_serial = serial;
                    w.text("Event", "subscribe")
                        .text("EventKey", &format!("qrscene_{}", qr.scene()));
                    window = Some(WindowKind::Subscribe);
                }
                w.text("Ticket", ticket);
                Answer::Event
            }
            Action::ReportLocation {
                latitude,
                longitude,
                precision,
            } => {
                w.text("MsgType", "event")
                    .text("Event", "LOCATION")
                    .number("Latitude", format!("{latitude:.6}"))
                    .number("Longitude", format!("{longitude:.6}"))
                    .number("Precision", format!("{precision:.6}"));
                Answer::Event
            }
            Action::ScancodePush {
                key,
                scan_result,
                scan_type,
            }
            | Action::ScancodeWaitmsg {
                key,
                scan_result,
                scan_type,
            } => {
                button_name = button_label(&menu_button(&[name], "key", key)?);
                w.text("MsgType", "event")
                    .text("Event", name)
                    .text("EventKey", key)
                    .start("ScanCodeInfo")
                    .text("ScanType", scan_type.as_deref().unwrap_or("qrcode"))
                    .text("ScanResult", scan_result)
                    .end();
                window = Some(WindowKind::Click);
                Answer::Event
            }
            Action::PicSysphoto { key, count }
            | Action::PicPhotoOrAlbum { key, count }
            | Action::PicWeixin { key, count } => {
                button_name = button_label(&menu_button(&[name], "key", key)?);
                let count = count.unwrap_or(1).clamp(1, 9);
                w.text("MsgType", "event")
                    .text("Event", name)
                    .text("EventKey", key)
                    .start("SendPicsInfo")
                    .number("Count", count)
                    .start("PicList");
                for _ in 0..count {
                    w.start("item").text("PicMd5Sum", &md5).end();
                }
                w.end().end();
                Answer::Event
            }
            Action::LocationSelect {
                key,
                location_x,
                location_y,
                scale,
                label,
                poiname,
            } => {
                button_name = button_label(&menu_button(&["location_select"], "key", key)?);
                w.text("MsgType", "event")
                    .text("Event", "location_select")
                    .text("EventKey", key)
                    .start("SendLocationInfo")
                    .text("Location_X", &location_x.to_string())
                    .text("Location_Y", &location_y.to_string())
                    .text("Scale", &scale.unwrap_or(15).to_string())
                    .text("Label", label)
                    .text("Poiname", poiname)
                    .end();
                Answer::Event
            }
        };
        for (id, kind, filename, content_type, bytes) in new_media {
            use base64::Engine;
            app.media.insert(
                id,
                Media {
                    kind: kind.to_owned(),
                    filename: filename.to_owned(),
                    content_type: content_type.to_owned(),
                    data: base64::engine::general_purpose::STANDARD.encode(bytes),
                    created_at: now,
                    title: None,
                    introduction: None,
                },
            );
        }
        let user = app
            .user_mut(openid)
            .map_err(|_| ControlError::not_found(openid))?;
        if let Some(kind) = window {
            user.open_window(kind, now);
        }
        let summary = summary(&action, button_name);
        let sent_seq = user.record_sent(now, name, summary.clone());
        let news_limit = match answer {
            Answer::Message => Some(news_reply_limit),
            Answer::Event => Some(8),
            Answer::Ignored => None,
        };
        let prepared = Prepared::new(app, openid, w.finish(), news_limit, random16);
        Ok((prepared, answer, sent_seq, summary))
    })?;
    let xml = prepared.xml.clone();
    let delivery = deliver::deliver(sb, prepared).await;
    tracing::debug!(
        app_id,
        openid,
        action = name,
        outcome = delivery.outcome.as_str(),
        attempts = delivery.attempts,
        elapsed_ms = delivery.elapsed_ms,
        "sandbox push delivered"
    );
    let mut result = delivery.to_json();
    result["request"] = json!({"xml": xml, "body": delivery.body});
    sb.with_state(|s| {
        let now = s.now();
        let Ok(app) = s.app_mut(app_id) else { return };
        let nickname = app.user(openid).map(|u| u.nickname.clone());
        app.record_delivery(json!({
            "openid": openid,
            "nickname": nickname,
            "action": name,
            "summary": summary,
            "at": now,
            "outcome": delivery.outcome.as_str(),
            "attempts": delivery.attempts,
            "elapsed_ms": delivery.elapsed_ms,
            "status": delivery.status,
            "error": delivery.error,
        }));
        let Ok(user) = app.user_mut(openid) else {
            return;
        };
        if let Some(sent) = user.sent.iter_mut().find(|e| e["seq"] == sent_seq) {
            sent["outcome"] = json!(delivery.outcome.as_str());
            sent["attempts"] = json!(delivery.attempts);
            sent["error"] = json!(delivery.error);
        }
        if answer == Answer::Ignored || !user.subscribed {
            return;
        }
        match delivery.outcome {
            DeliveryOutcome::Reply => {
                if let Some(reply) = &delivery.reply
                    && reply["msgtype"] != "transfer_customer_service"
                {
                    user.push_inbox(now, "reply", reply.clone());
                }
            }
            DeliveryOutcome::Invalid | DeliveryOutcome::Timeout => user.push_inbox(
                now,
                "system",
                json!({"msgtype": "system", "system": {"content": UNAVAILABLE}}),
            ),
            DeliveryOutcome::Success | DeliveryOutcome::Empty => {}
        }
    });
    Ok(result)
}

fn button_label(button: &Value) -> Option<String> {
    button["name"].as_str().map(|name| format!("[menu] {name}"))
}

/// What the user did, in a few words: the text they sent, or a bracketed description.
fn summary(action: &Action, button: Option<String>) -> String {
    if let Some(button) = button {
        return button;
    }
    match action {
        Action::Follow { .. } => "[follows the account]".to_owned(),
        Action::Unfollow => "[unfollows the account]".to_owned(),
        Action::Text { content } => content.clone(),
        Action::Image { .. } => "[image]".to_owned(),
        Action::Voice { recognition, .. } => match recognition.as_deref() {
            Some(text) if !text.is_empty() => format!("[voice] {text}"),
            _ => "[voice]".to_owned(),
        },
        Action::Video => "[video]".to_owned(),
        Action::Shortvideo => "[short video]".to_owned(),
        Action::Location { label, .. } => format!("[location] {label}"),
        Action::Link { url, .. } => format!("[link] {url}"),
        Action::Click { key } => format!("[menu] {key}"),
        Action::View { url } => format!("[opens] {url}"),
        Action::Scan { .. } => "[scans a QR code]".to_owned(),
        Action::ReportLocation { .. } => "[reports location]".to_owned(),
        Action::ScancodePush { scan_result, .. } | Action::ScancodeWaitmsg { scan_result, .. } => {
            format!("[scan] {scan_result}")
        }
        Action::PicSysphoto { .. } | Action::PicPhotoOrAlbum { .. } | Action::PicWeixin { .. } => {
            "[photo]".to_owned()
        }
        Action::LocationSelect { label, .. } => format!("[location] {label}"),
    }
}

fn subscribe(user: &mut User, scene: String, now: u64) {
    user.subscribed = true;
    user.subscribe_time = now;
    user.subscribe_scene = scene;
    user.qr_scene = 0;
    user.qr_scene_str = String::new();
}

fn action_name(action: &Action) -> &'static str {
    match action {
        Action::Follow { .. } => "follow",
        Action::Unfollow => "unfollow",
        Action::Text { .. } => "text",
        Action::Image { .. } => "image",
        Action::Voice { .. } => "voice",
        Action::Video => "video",
        Action::Shortvideo => "shortvideo",
        Action::Location { .. } => "location",
        Action::Link { .. } => "link",
        Action::Click { .. } => "click",
        Action::View { .. } => "view",
        Action::Scan { .. } => "scan",
        Action::ReportLocation { .. } => "report_location",
        Action::ScancodePush { .. } => "scancode_push",
        Action::ScancodeWaitmsg { .. } => "scancode_waitmsg",
        Action::PicSysphoto { .. } => "pic_sysphoto",
        Action::PicPhotoOrAlbum { .. } => "pic_photo_or_album",
        Action::PicWeixin { .. } => "pic_weixin",
        Action::LocationSelect { .. } => "location_select",
    }
}
