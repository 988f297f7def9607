//! Turning one action into its push: the preconditions, the state it changes and the XML that
//! WeChat's message and event pushes carry.

use serde_json::Value;
use wxgate_proto::xml::Writer;

use super::Answer;
use super::kind::{Action, action_name, summary};
use crate::error::ControlError;
use crate::push::deliver::Prepared;
use crate::state::{ALNUM, App, Media, Menu, QrCode, State, User, WindowKind};
use crate::wechat::menu::{effective_menu, find_button};

/// A push ready to deliver, and what `act` needs to record its result.
pub(super) struct Built {
    pub(super) prepared: Prepared,
    pub(super) answer: Answer,
    pub(super) sent_seq: usize,
    pub(super) summary: String,
}

/// The random values one push may use, drawn before the app is borrowed.
struct Ids {
    msg_id: u64,
    media_id: String,
    thumb_id: String,
    md5: String,
}

/// Media a message action uploads: (id, kind, file name, content type, bytes).
type NewMedia = (String, &'static str, &'static str, &'static str, Vec<u8>);

/// What writing one action collects besides its answer kind.
struct Push {
    w: Writer,
    window: Option<WindowKind>,
    new_media: Vec<NewMedia>,
    /// The button's name, for the conversation record of menu actions.
    button_name: Option<String>,
}

/// The app and user an action happens to, as they were before it.
struct Target<'a> {
    app: &'a mut App,
    app_id: &'a str,
    openid: &'a str,
    user: User,
    menu: Option<Menu>,
    qr: Option<QrCode>,
    now: u64,
}

/// Checks the preconditions of `action`, applies its state effects and builds its push.
pub(super) fn build(
    s: &mut State,
    news_reply_limit: usize,
    app_id: &str,
    openid: &str,
    action: &Action,
) -> Result<Built, ControlError> {
    let name = action_name(action);
    let now = s.now();
    let ids = Ids {
        msg_id: s.random_u63(),
        media_id: s.random_string(ALNUM, 64),
        thumb_id: s.random_string(ALNUM, 64),
        md5: s.random_string(b"0123456789abcdef", 32),
    };
    let random16 = s.random16();
    let component = s.message_component(app_id).map(|c| c.spec.clone());
    let qr = match action {
        Action::Scan { ticket } => Some(live_qr(s, app_id, ticket, now)?),
        _ => None,
    };
    let mut target = target(s, app_id, openid, qr, now)?;
    let mut push = Push {
        w: Writer::new(),
        window: None,
        new_media: Vec::new(),
        button_name: None,
    };
    push.w
        .text("ToUserName", &target.app.spec.original_id())
        .text("FromUserName", openid)
        .number("CreateTime", now);
    let needs_follow = !matches!(
        action,
        Action::Follow { .. } | Action::Scan { .. } | Action::Unfollow
    );
    if needs_follow && !target.user.subscribed {
        return Err(ControlError::conflict(format!(
            "user {openid} is not following {app_id}"
        )));
    }
    let answer = write(&mut target, &mut push, action, &ids)?;
    let app = target.app;
    store_media(app, push.new_media, now);
    let user = app
        .user_mut(openid)
        .map_err(|_| ControlError::not_found(openid))?;
    if let Some(kind) = push.window {
        user.open_window(kind, now);
    }
    let summary = summary(action, push.button_name);
    let sent_seq = user.record_sent(now, name, summary.clone());
    let news_limit = answer.news_limit(news_reply_limit);
    let prepared = Prepared::new(
        app,
        component.as_ref(),
        openid,
        push.w.finish(),
        news_limit,
        random16,
    );
    Ok(Built {
        prepared,
        answer,
        sent_seq,
        summary,
    })
}

/// The QR code behind `ticket`, if it is this app's and not expired.
fn live_qr(s: &State, app_id: &str, ticket: &str, now: u64) -> Result<QrCode, ControlError> {
    s.qrcodes
        .get(ticket)
        .filter(|q| q.app_id == app_id && q.expires_at.is_none_or(|e| e > now))
        .cloned()
        .ok_or_else(|| ControlError::not_found("QR ticket unknown, expired or of another app"))
}

/// The app (which must have a callback URL, or a component that receives its messages) and the
/// user the action happens to.
fn target<'a>(
    s: &'a mut State,
    app_id: &'a str,
    openid: &'a str,
    qr: Option<QrCode>,
    now: u64,
) -> Result<Target<'a>, ControlError> {
    let routed = s.message_component(app_id).is_some();
    let app = s
        .apps
        .get_mut(app_id)
        .ok_or_else(|| ControlError::not_found(format!("no app {app_id}")))?;
    if app.spec.callback_url.is_empty() && !routed {
        return Err(ControlError::conflict(format!(
            "{app_id} has no callback_url"
        )));
    }
    let user = app
        .users
        .get(openid)
        .ok_or_else(|| ControlError::not_found(format!("no user {openid} in app {app_id}")))?
        .clone();
    let menu = effective_menu(app, &user).cloned();
    Ok(Target {
        app,
        app_id,
        openid,
        user,
        menu,
        qr,
        now,
    })
}

/// Writes the message or event of `action` and applies its state effects.
fn write(
    t: &mut Target<'_>,
    push: &mut Push,
    action: &Action,
    ids: &Ids,
) -> Result<Answer, ControlError> {
    let name = action_name(action);
    let msg_id = ids.msg_id;
    Ok(match action {
        Action::Follow { scene } => follow(t, push, scene.as_deref())?,
        Action::Unfollow => unfollow(t, push)?,
        Action::Text { content } => {
            push.w.text("MsgType", "text").text("Content", content);
            message(push, msg_id)
        }
        Action::Image { pic_url } => image(push, pic_url.as_deref(), ids),
        Action::Voice {
            format,
            recognition,
        } => voice(push, format.as_deref(), recognition.as_deref(), ids),
        Action::Video => video(push, "video", ids),
        Action::Shortvideo => video(push, "shortvideo", ids),
        Action::Location {
            location_x,
            location_y,
            scale,
            label,
        } => {
            push.w
                .text("MsgType", "location")
                .number("Location_X", location_x)
                .number("Location_Y", location_y)
                .number("Scale", scale.unwrap_or(15))
                .text("Label", label);
            message(push, msg_id)
        }
        Action::Link {
            title,
            description,
            url,
        } => {
            push.w
                .text("MsgType", "link")
                .text("Title", title)
                .text("Description", description)
                .text("Url", url);
            message(push, msg_id)
        }
        Action::Click { key } => click(t, push, key)?,
        Action::View { url } => view(t, push, url)?,
        Action::Scan { ticket } => scan(t, push, ticket)?,
        Action::ReportLocation {
            latitude,
            longitude,
            precision,
        } => {
            push.w
                .text("MsgType", "event")
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
        } => scancode(t, push, name, key, scan_result, scan_type.as_deref())?,
        Action::PicSysphoto { key, count }
        | Action::PicPhotoOrAlbum { key, count }
        | Action::PicWeixin { key, count } => pics(t, push, name, key, *count, &ids.md5)?,
        Action::LocationSelect {
            key,
            location_x,
            location_y,
            scale,
            label,
            poiname,
        } => location_select(
            t,
            push,
            key,
            (*location_x, *location_y, *scale),
            label,
            poiname,
        )?,
    })
}

impl Target<'_> {
    /// The button of one of `kinds` whose `field` is `value` in the menu the user sees.
    fn menu_button(&self, kinds: &[&str], field: &str, value: &str) -> Result<Value, ControlError> {
        let (app_id, openid) = (self.app_id, self.openid);
        let menu = self.menu.as_ref().ok_or_else(|| {
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
    }

    fn user_mut(&mut self) -> Result<&mut User, ControlError> {
        let openid = self.openid;
        self.app
            .user_mut(openid)
            .map_err(|_| ControlError::not_found(openid))
    }

    /// Gives the user the next follow serial (it orders `user/get`).
    fn next_follow_serial(&mut self) -> Result<(), ControlError> {
        self.app.follow_serial += 1;
        let serial = self.app.follow_serial;
        self.user_mut()?.follow_serial = serial;
        Ok(())
    }
}

fn follow(
    t: &mut Target<'_>,
    push: &mut Push,
    scene: Option<&str>,
) -> Result<Answer, ControlError> {
    if t.user.subscribed {
        return Err(ControlError::conflict(format!(
            "user {} already follows {}",
            t.openid, t.app_id
        )));
    }
    let now = t.now;
    let scene = scene.map_or_else(|| "ADD_SCENE_SEARCH".to_owned(), str::to_owned);
    subscribe(t.user_mut()?, scene, now);
    t.next_follow_serial()?;
    push.w
        .text("MsgType", "event")
        .text("Event", "subscribe")
        .text("EventKey", "");
    push.window = Some(WindowKind::Subscribe);
    Ok(Answer::Event)
}

fn unfollow(t: &mut Target<'_>, push: &mut Push) -> Result<Answer, ControlError> {
    if !t.user.subscribed {
        return Err(ControlError::conflict(format!(
            "user {} does not follow {}",
            t.openid, t.app_id
        )));
    }
    let user = t.user_mut()?;
    user.subscribed = false;
    user.windows.clear();
    push.w
        .text("MsgType", "event")
        .text("Event", "unsubscribe")
        .text("EventKey", "");
    Ok(Answer::Ignored)
}

/// Ends a user message: its `MsgId`, and the 48-hour window it opens.
fn message(push: &mut Push, msg_id: u64) -> Answer {
    push.w.number("MsgId", msg_id);
    push.window = Some(WindowKind::Message);
    Answer::Message
}

fn click(t: &Target<'_>, push: &mut Push, key: &str) -> Result<Answer, ControlError> {
    push.button_name = button_label(&t.menu_button(&["click"], "key", key)?);
    push.w
        .text("MsgType", "event")
        .text("Event", "CLICK")
        .text("EventKey", key);
    push.window = Some(WindowKind::Click);
    Ok(Answer::Event)
}

fn image(push: &mut Push, pic_url: Option<&str>, ids: &Ids) -> Answer {
    let media_id = &ids.media_id;
    let png = crate::wechat::qrcode::render_png("sandbox image").unwrap_or_default();
    push.new_media
        .push((media_id.clone(), "image", "image.png", "image/png", png));
    let url = pic_url.map_or_else(
        || format!("http://mmbiz.qpic.cn/sandbox/{media_id}"),
        str::to_owned,
    );
    push.w
        .text("MsgType", "image")
        .text("PicUrl", &url)
        .text("MediaId", media_id)
        .number("MsgId", ids.msg_id);
    push.window = Some(WindowKind::Message);
    Answer::Message
}

fn voice(push: &mut Push, format: Option<&str>, recognition: Option<&str>, ids: &Ids) -> Answer {
    push.new_media.push((
        ids.media_id.clone(),
        "voice",
        "voice.amr",
        "audio/amr",
        b"#!AMR\n".to_vec(),
    ));
    push.w
        .text("MsgType", "voice")
        .text("MediaId", &ids.media_id)
        .text("Format", format.unwrap_or("amr"))
        .number("MsgId", ids.msg_id)
        .text("Recognition", recognition.unwrap_or(""));
    push.window = Some(WindowKind::Message);
    Answer::Message
}

/// `video` and `shortvideo` messages (`kind` is the `MsgType`).
fn video(push: &mut Push, kind: &str, ids: &Ids) -> Answer {
    push.new_media.push((
        ids.media_id.clone(),
        "video",
        "video.mp4",
        "video/mp4",
        b"sandbox video".to_vec(),
    ));
    let thumb = crate::wechat::qrcode::render_png("sandbox thumb").unwrap_or_default();
    push.new_media.push((
        ids.thumb_id.clone(),
        "thumb",
        "thumb.png",
        "image/png",
        thumb,
    ));
    push.w
        .text("MsgType", kind)
        .text("MediaId", &ids.media_id)
        .text("ThumbMediaId", &ids.thumb_id)
        .number("MsgId", ids.msg_id);
    push.window = Some(WindowKind::Message);
    Answer::Message
}

fn view(t: &Target<'_>, push: &mut Push, url: &str) -> Result<Answer, ControlError> {
    push.button_name = button_label(&t.menu_button(&["view"], "url", url)?);
    push.w
        .text("MsgType", "event")
        .text("Event", "VIEW")
        .text("EventKey", url);
    if let Some(menu) = t.menu.as_ref().filter(|m| m.matchrule.is_some()) {
        push.w.number("MenuId", menu.menuid);
    }
    Ok(Answer::Ignored)
}

/// A QR scan: `SCAN` from a follower, a `subscribe` with `qrscene_` from anyone else.
fn scan(t: &mut Target<'_>, push: &mut Push, ticket: &str) -> Result<Answer, ControlError> {
    let qr =
        t.qr.clone()
            .ok_or_else(|| ControlError::not_found("QR ticket"))?;
    push.w.text("MsgType", "event");
    if t.user.subscribed {
        push.w.text("Event", "SCAN").text("EventKey", &qr.scene());
        push.window = Some(WindowKind::Scan);
    } else {
        let now = t.now;
        let user = t.user_mut()?;
        subscribe(user, "ADD_SCENE_QR_CODE".to_owned(), now);
        user.qr_scene = qr.scene_id.unwrap_or(0);
        user.qr_scene_str = qr.scene_str.clone().unwrap_or_default();
        t.next_follow_serial()?;
        push.w
            .text("Event", "subscribe")
            .text("EventKey", &format!("qrscene_{}", qr.scene()));
        push.window = Some(WindowKind::Subscribe);
    }
    push.w.text("Ticket", ticket);
    Ok(Answer::Event)
}

/// `scancode_push` and `scancode_waitmsg` (`name` is the event).
fn scancode(
    t: &Target<'_>,
    push: &mut Push,
    name: &'static str,
    key: &str,
    scan_result: &str,
    scan_type: Option<&str>,
) -> Result<Answer, ControlError> {
    push.button_name = button_label(&t.menu_button(&[name], "key", key)?);
    push.w
        .text("MsgType", "event")
        .text("Event", name)
        .text("EventKey", key)
        .start("ScanCodeInfo")
        .text("ScanType", scan_type.unwrap_or("qrcode"))
        .text("ScanResult", scan_result)
        .end();
    push.window = Some(WindowKind::Click);
    Ok(Answer::Event)
}

/// `pic_sysphoto`, `pic_photo_or_album` and `pic_weixin` (`name` is the event).
fn pics(
    t: &Target<'_>,
    push: &mut Push,
    name: &'static str,
    key: &str,
    count: Option<u32>,
    md5: &str,
) -> Result<Answer, ControlError> {
    push.button_name = button_label(&t.menu_button(&[name], "key", key)?);
    let count = count.unwrap_or(1).clamp(1, 9);
    push.w
        .text("MsgType", "event")
        .text("Event", name)
        .text("EventKey", key)
        .start("SendPicsInfo")
        .number("Count", count)
        .start("PicList");
    for _ in 0..count {
        push.w.start("item").text("PicMd5Sum", md5).end();
    }
    push.w.end().end();
    Ok(Answer::Event)
}

fn location_select(
    t: &Target<'_>,
    push: &mut Push,
    key: &str,
    (location_x, location_y, scale): (f64, f64, Option<u32>),
    label: &str,
    poiname: &str,
) -> Result<Answer, ControlError> {
    push.button_name = button_label(&t.menu_button(&["location_select"], "key", key)?);
    push.w
        .text("MsgType", "event")
        .text("Event", "location_select")
        .text("EventKey", key)
        .start("SendLocationInfo")
        .text("Location_X", &location_x.to_string())
        .text("Location_Y", &location_y.to_string())
        .text("Scale", &scale.unwrap_or(15).to_string())
        .text("Label", label)
        .text("Poiname", poiname)
        .end();
    Ok(Answer::Event)
}

/// Stores the media a message action uploaded, as temporary media of the app.
fn store_media(app: &mut App, new_media: Vec<NewMedia>, now: u64) {
    use base64::Engine;
    for (id, kind, filename, content_type, bytes) in new_media {
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
}

fn button_label(button: &Value) -> Option<String> {
    button["name"].as_str().map(|name| format!("[menu] {name}"))
}

fn subscribe(user: &mut User, scene: String, now: u64) {
    user.subscribed = true;
    user.subscribe_time = now;
    user.subscribe_scene = scene;
    user.qr_scene = 0;
    user.qr_scene_str = String::new();
}
