//! One virtual user: profile, subscription, customer-service windows, inbox and sent actions.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::WxError;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct User {
    pub(crate) openid: String,
    pub(crate) nickname: String,
    #[serde(default)]
    pub(crate) unionid: Option<String>,
    pub(crate) created_at: u64,
    pub(crate) subscribed: bool,
    #[serde(default)]
    pub(crate) subscribe_time: u64,
    #[serde(default)]
    pub(crate) follow_serial: u64,
    #[serde(default)]
    pub(crate) subscribe_scene: String,
    #[serde(default)]
    pub(crate) qr_scene: u64,
    #[serde(default)]
    pub(crate) qr_scene_str: String,
    #[serde(default)]
    pub(crate) remark: String,
    /// Tag ids in the order they were applied (the last one drives conditional menus).
    #[serde(default)]
    pub(crate) tags: Vec<u32>,
    /// 1 iOS, 2 Android, 3 others (conditional-menu matching).
    #[serde(default = "default_platform")]
    pub(crate) client_platform_type: u8,
    /// A snapshot-mode virtual user (WeChat's OAuth documentation, 快照页模式): OAuth token answers carry `is_snapshotuser: 1`.
    #[serde(default)]
    pub(crate) snapshot: bool,
    #[serde(default)]
    pub(crate) blacklisted: bool,
    #[serde(default)]
    pub(crate) blacklisted_at: u64,
    #[serde(default)]
    pub(crate) windows: Vec<CsWindow>,
    /// Until when the "typing" indicator shows (`message/custom/typing`).
    #[serde(default)]
    pub(crate) typing_until: u64,
    #[serde(default)]
    pub(crate) inbox: Vec<Value>,
    /// What the user did, in order: `{"seq", "at", "type", "summary", "after_inbox", "outcome",
    /// "attempts", "error"}`; `after_inbox` is the inbox's length when it was sent, which places
    /// it in the conversation.
    #[serde(default)]
    pub(crate) sent: Vec<Value>,
}

fn default_platform() -> u8 {
    2
}

impl User {
    pub(crate) fn new(openid: String, nickname: String, now: u64) -> Self {
        Self {
            openid,
            nickname,
            unionid: None,
            created_at: now,
            subscribed: false,
            subscribe_time: 0,
            follow_serial: 0,
            subscribe_scene: String::new(),
            qr_scene: 0,
            qr_scene_str: String::new(),
            remark: String::new(),
            tags: Vec::new(),
            client_platform_type: default_platform(),
            snapshot: false,
            blacklisted: false,
            blacklisted_at: 0,
            windows: Vec::new(),
            typing_until: 0,
            inbox: Vec::new(),
            sent: Vec::new(),
        }
    }

    /// Records an action the user takes (before its push is delivered); returns its `seq`.
    pub(crate) fn record_sent(&mut self, now: u64, kind: &str, summary: String) -> usize {
        let seq = self.sent.len() + 1;
        self.sent.push(serde_json::json!({
            "seq": seq,
            "at": now,
            "type": kind,
            "summary": summary,
            "after_inbox": self.inbox.len(),
            "outcome": null,
            "attempts": 0,
            "error": null,
        }));
        seq
    }

    /// The conversation as the user's phone shows it: sent actions and received messages,
    /// interleaved in the order they happened.
    pub(crate) fn conversation(&self) -> Vec<Value> {
        let mut out = Vec::with_capacity(self.inbox.len() + self.sent.len());
        let mut received = self.inbox.iter().peekable();
        let mut shown = 0usize;
        for sent in &self.sent {
            let before = sent["after_inbox"]
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(shown);
            while shown < before
                && let Some(item) = received.next()
            {
                out.push(received_item(item));
                shown += 1;
            }
            let mut item = sent.clone();
            if let Some(object) = item.as_object_mut() {
                object.remove("after_inbox");
                object.insert("direction".to_owned(), Value::from("sent"));
            }
            out.push(item);
        }
        out.extend(received.map(received_item));
        out
    }

    /// Open a customer-service window (the send windows of [WeChat Docs/客服消息](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Service_Center_messages.html)).
    pub(crate) fn open_window(&mut self, kind: WindowKind, now: u64) {
        let (quota, secs) = match kind {
            WindowKind::Message => (5, 48 * 3600),
            WindowKind::Click | WindowKind::Subscribe | WindowKind::Scan => (3, 60),
        };
        if kind == WindowKind::Message {
            // A newer user message replaces the previous 48-hour window.
            self.windows.retain(|w| w.kind != WindowKind::Message);
        }
        self.windows.retain(|w| w.expires_at > now);
        self.windows.push(CsWindow {
            kind,
            opened_at: now,
            expires_at: now + secs,
            remaining: quota,
        });
    }

    /// Take one send from the open window that expires first: 45015 when none is open, 45047 when
    /// the open ones are used up.
    pub(crate) fn consume_window(&mut self, now: u64) -> Result<(), WxError> {
        let mut open: Vec<&mut CsWindow> = self
            .windows
            .iter_mut()
            .filter(|w| w.expires_at > now)
            .collect();
        if open.is_empty() {
            return Err(WxError::new(
                45015,
                "response out of time limit or subscription is canceled",
            ));
        }
        open.sort_by_key(|w| w.expires_at);
        match open.into_iter().find(|w| w.remaining > 0) {
            Some(window) => {
                window.remaining -= 1;
                Ok(())
            }
            None => Err(WxError::new(45047, "out of response count limit")),
        }
    }

    pub(crate) fn push_inbox(&mut self, now: u64, source: &str, message: Value) {
        let seq = self.inbox.len() + 1;
        self.inbox.push(serde_json::json!({
            "seq": seq,
            "at": now,
            "source": source,
            "message": message,
        }));
    }
}

fn received_item(item: &Value) -> Value {
    let mut item = item.clone();
    if let Some(object) = item.as_object_mut() {
        object.insert("direction".to_owned(), Value::from("received"));
    }
    item
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum WindowKind {
    Message,
    Click,
    Subscribe,
    Scan,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct CsWindow {
    pub(crate) kind: WindowKind,
    pub(crate) opened_at: u64,
    pub(crate) expires_at: u64,
    pub(crate) remaining: u32,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn user() -> User {
        User::new("o1".to_owned(), "one".to_owned(), 0)
    }

    #[test]
    fn no_open_window_answers_45015() {
        let mut user = user();
        assert_eq!(user.consume_window(10).unwrap_err().code, 45015);
        user.open_window(WindowKind::Click, 10);
        assert_eq!(user.consume_window(70).unwrap_err().code, 45015);
    }

    #[test]
    fn a_click_window_allows_three_sends_in_a_minute() {
        let mut user = user();
        user.open_window(WindowKind::Click, 10);
        for _ in 0..3 {
            assert!(user.consume_window(69).is_ok());
        }
        assert_eq!(user.consume_window(69).unwrap_err().code, 45047);
    }

    #[test]
    fn a_new_message_replaces_the_48_hour_window() {
        let mut user = user();
        user.open_window(WindowKind::Message, 0);
        for _ in 0..5 {
            assert!(user.consume_window(1).is_ok());
        }
        assert_eq!(user.consume_window(1).unwrap_err().code, 45047);
        user.open_window(WindowKind::Message, 2);
        assert_eq!(user.windows.len(), 1);
        assert!(user.consume_window(3).is_ok());
        assert!(user.consume_window(2 + 48 * 3600).is_err());
    }

    #[test]
    fn the_conversation_interleaves_sent_and_received() {
        let mut user = user();
        user.push_inbox(1, "reply", json!("welcome"));
        user.record_sent(2, "text", "hi".to_owned());
        user.push_inbox(3, "reply", json!("hello"));
        let directions: Vec<_> = user
            .conversation()
            .iter()
            .map(|item| item["direction"].clone())
            .collect();
        assert_eq!(
            directions,
            [json!("received"), json!("sent"), json!("received")]
        );
        assert!(user.conversation()[1].get("after_inbox").is_none());
    }
}
