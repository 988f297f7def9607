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

mod build;
mod kind;

use serde_json::{Value, json};

use super::deliver::{self, Delivery, DeliveryOutcome};
use crate::Sandbox;
use crate::error::ControlError;

pub(crate) use kind::Action;

/// The notice a user sees when the account answers nothing valid in time ("该公众号暂时无法提供服务").
pub(crate) const UNAVAILABLE: &str = "该公众号暂时无法提供服务，请稍后再试";

/// How the platform treats the answer to a push.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answer {
    /// A user message: news replies limited to `news_reply_limit`.
    Message,
    /// A user-triggered event: up to 8 news articles.
    Event,
    /// Replies are ignored.
    Ignored,
}

impl Answer {
    /// How many news articles a reply may carry (`None`: replies are ignored).
    fn news_limit(self, news_reply_limit: usize) -> Option<usize> {
        match self {
            Self::Message => Some(news_reply_limit),
            Self::Event => Some(8),
            Self::Ignored => None,
        }
    }
}

/// Perform `action` for `openid` of `app_id` and deliver the resulting push.
pub(crate) async fn act(
    sb: &Sandbox,
    app_id: &str,
    openid: &str,
    action: Action,
) -> Result<Value, ControlError> {
    let name = kind::action_name(&action);
    let news_reply_limit = sb.config().news_reply_limit;
    let built = sb.with_state(|s| build::build(s, news_reply_limit, app_id, openid, &action))?;
    let xml = built.prepared.xml.clone();
    let delivery = deliver::deliver(sb, built.prepared).await;
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
    let sent = Sent {
        app_id,
        openid,
        name,
        summary: &built.summary,
        seq: built.sent_seq,
        answer: built.answer,
    };
    sb.with_state(|s| record(s, &sent, &delivery));
    Ok(result)
}

/// One delivered action, as `record` files it.
struct Sent<'a> {
    app_id: &'a str,
    openid: &'a str,
    name: &'static str,
    summary: &'a str,
    seq: usize,
    answer: Answer,
}

/// Files the delivery of `sent`: in the app's deliveries, on the user's sent action, and as what
/// the user now sees.
fn record(s: &mut crate::state::State, sent: &Sent<'_>, delivery: &Delivery) {
    let now = s.now();
    let Ok(app) = s.app_mut(sent.app_id) else {
        return;
    };
    let openid = sent.openid;
    let nickname = app.user(openid).map(|u| u.nickname.clone());
    app.record_delivery(json!({
        "openid": openid,
        "nickname": nickname,
        "action": sent.name,
        "summary": sent.summary,
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
    if let Some(entry) = user.sent.iter_mut().find(|e| e["seq"] == sent.seq) {
        entry["outcome"] = json!(delivery.outcome.as_str());
        entry["attempts"] = json!(delivery.attempts);
        entry["error"] = json!(delivery.error);
    }
    if let Some((source, message)) = shown(
        sent.answer,
        user.subscribed,
        delivery.outcome,
        delivery.reply.as_ref(),
    ) {
        user.push_inbox(now, source, message);
    }
}

/// What the user's chat shows after a delivery, as (inbox source, message): the passive reply
/// (not a transfer to customer service), the "unavailable" notice after an invalid answer or a
/// timeout, or nothing (replies ignored, user gone, `success` or an empty answer).
fn shown(
    answer: Answer,
    subscribed: bool,
    outcome: DeliveryOutcome,
    reply: Option<&Value>,
) -> Option<(&'static str, Value)> {
    if answer == Answer::Ignored || !subscribed {
        return None;
    }
    match outcome {
        DeliveryOutcome::Reply => reply
            .filter(|reply| reply["msgtype"] != "transfer_customer_service")
            .map(|reply| ("reply", reply.clone())),
        DeliveryOutcome::Invalid | DeliveryOutcome::Timeout => Some((
            "system",
            json!({"msgtype": "system", "system": {"content": UNAVAILABLE}}),
        )),
        DeliveryOutcome::Success | DeliveryOutcome::Empty => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn news_limits_follow_the_kind_of_answer() {
        assert_eq!(Answer::Message.news_limit(1), Some(1));
        assert_eq!(Answer::Message.news_limit(8), Some(8));
        assert_eq!(Answer::Event.news_limit(1), Some(8));
        assert_eq!(Answer::Ignored.news_limit(1), None);
    }

    #[test]
    fn a_reply_is_shown_unless_it_transfers_to_customer_service() {
        let text = json!({"msgtype": "text", "text": {"content": "hi"}});
        assert_eq!(
            shown(Answer::Message, true, DeliveryOutcome::Reply, Some(&text)),
            Some(("reply", text.clone()))
        );
        let transfer = json!({"msgtype": "transfer_customer_service"});
        assert_eq!(
            shown(Answer::Event, true, DeliveryOutcome::Reply, Some(&transfer)),
            None
        );
        assert_eq!(
            shown(Answer::Message, true, DeliveryOutcome::Reply, None),
            None
        );
    }

    #[test]
    fn invalid_answers_and_timeouts_show_the_unavailable_notice() {
        for outcome in [DeliveryOutcome::Invalid, DeliveryOutcome::Timeout] {
            let (source, message) = shown(Answer::Message, true, outcome, None).unwrap();
            assert_eq!(source, "system");
            assert_eq!(message["system"]["content"], UNAVAILABLE);
        }
        for outcome in [DeliveryOutcome::Success, DeliveryOutcome::Empty] {
            assert_eq!(shown(Answer::Event, true, outcome, None), None);
        }
    }

    #[test]
    fn ignored_answers_and_gone_users_see_nothing() {
        let text = json!({"msgtype": "text"});
        assert_eq!(
            shown(Answer::Ignored, true, DeliveryOutcome::Reply, Some(&text)),
            None
        );
        assert_eq!(
            shown(Answer::Ignored, true, DeliveryOutcome::Timeout, None),
            None
        );
        assert_eq!(
            shown(Answer::Message, false, DeliveryOutcome::Reply, Some(&text)),
            None
        );
        assert_eq!(
            shown(Answer::Message, false, DeliveryOutcome::Timeout, None),
            None
        );
    }
}
