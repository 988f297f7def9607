//! The push engine: virtual users' actions become signed (and encrypted) XML pushes to the app's
//! callback URL, and the answers become what the user sees.
//!
//! One action = one push: build the message XML of WeChat's message and event pushes, sign it, encrypt it per
//! the app's mode (compatible: plaintext fields plus `<Encrypt>`; safe: `<ToUserName>` plus
//! `<Encrypt>`), POST it with `?signature&timestamp&nonce&openid[&encrypt_type=aes&msg_signature]`,
//! wait `push_timeout`, retry up to `push_attempts` deliveries in total with the same XML (same
//! `MsgId`/`CreateTime`; `timestamp`, `nonce` and signatures are fresh per attempt), then classify
//! the answer (WeChat waits 5 s, then retries, three deliveries in all): `reply`, `success`, `empty`, `invalid`, `timeout`.

mod action;
pub(crate) mod component;
mod deliver;
mod reply;

pub(crate) use action::{Action, act};

use serde_json::json;
use wxgate_proto::xml::Writer;

use crate::Sandbox;

/// Push a notification event (`MsgType` `event`) from `from_user`, in the background: the
/// platform does not wait for it and ignores the answer.
pub(crate) fn notify(
    sb: &Sandbox,
    app_id: &str,
    from_user: &str,
    event: &'static str,
    fill: impl FnOnce(&mut Writer),
) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let prepared = sb.with_state(|s| {
        let now = s.now();
        let random16 = s.random16();
        let component = s.message_component(app_id).map(|c| c.spec.clone());
        let app = s.app(app_id)?;
        let mut w = Writer::new();
        w.text("ToUserName", &app.spec.original_id())
            .text("FromUserName", from_user)
            .number("CreateTime", now)
            .text("MsgType", "event")
            .text("Event", event);
        fill(&mut w);
        Some(deliver::Prepared::new(
            app,
            component.as_ref(),
            from_user,
            w.finish(),
            None,
            random16,
        ))
    });
    let Some(prepared) = prepared else { return };
    let sb = sb.clone();
    let app_id = app_id.to_owned();
    runtime.spawn(async move {
        let delivery = deliver::deliver(&sb, prepared).await;
        sb.with_state(|s| {
            let now = s.now();
            if let Ok(app) = s.app_mut(&app_id) {
                app.record_delivery(json!({
                    "action": event,
                    "at": now,
                    "outcome": delivery.outcome.as_str(),
                    "attempts": delivery.attempts,
                    "elapsed_ms": delivery.elapsed_ms,
                    "status": delivery.status,
                    "error": delivery.error,
                }));
            }
        });
    });
}

/// Push `TEMPLATESENDJOBFINISH` for a template message (WeChat's template message documentation).
pub(crate) fn template_finished(sb: &Sandbox, app_id: &str, openid: &str, msgid: u64) {
    notify(sb, app_id, openid, "TEMPLATESENDJOBFINISH", |w| {
        w.number("MsgID", msgid).text("Status", "success");
    });
}
