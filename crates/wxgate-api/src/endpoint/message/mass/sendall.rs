//! `POST /cgi-bin/message/mass/sendall`
//!
//! Sends a mass message to every follower or to the followers with a tag (45159 unknown tag).
//! Answers the job's `msg_id` at once; WeChat pushes `MASSSENDJOBFINISH` when it is done.
//!
//! Not idempotent: the client never repeats it once it may have reached WeChat (use
//! [`Request::clientmsgid`] to make a deliberate repeat safe).
//!
//! See [WeChat Docs/根据标签进行群发](https://developers.weixin.qq.com/doc/service/api/notify/message/api_sendall.html).

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::{Message, Options, SendResponse};
use crate::endpoint::{AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/message/mass/sendall` (plus the access token).
///
/// ```
/// use wxgate_api::endpoint::message::mass::{Message, sendall::Request};
/// let request = Request::to_tag(2, Message::mpnews("MEDIA_ID")).send_ignore_reprint(false);
/// assert_eq!(
///     serde_json::to_string(&request).unwrap(),
///     r#"{"filter":{"is_to_all":false,"tag_id":2},"msgtype":"mpnews","mpnews":{"media_id":"MEDIA_ID"},"send_ignore_reprint":0}"#,
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Request {
    /// The tag, `None` for every follower (`is_to_all`).
    pub tag_id: Option<u32>,
    /// What to send.
    pub message: Message,
    options: Options,
}

impl Request {
    /// `message` to every follower.
    pub fn to_all(message: Message) -> Self {
        Self {
            tag_id: None,
            message,
            options: Options::default(),
        }
    }

    /// `message` to the followers tagged `tag_id`.
    pub fn to_tag(tag_id: u32, message: Message) -> Self {
        Self {
            tag_id: Some(tag_id),
            message,
            options: Options::default(),
        }
    }

    /// Whether to go on when the news turns out to be a reprint (`send_ignore_reprint`).
    pub fn send_ignore_reprint(mut self, ignore: bool) -> Self {
        self.options.send_ignore_reprint = Some(ignore);
        self
    }

    /// Idempotency key (≤ 64 bytes): a second send with it within a day answers 45065 with
    /// the first `msg_id`.
    pub fn clientmsgid(mut self, id: impl Into<String>) -> Self {
        self.options.clientmsgid = Some(id.into());
        self
    }
}

#[derive(serde::Serialize)]
struct Filter {
    is_to_all: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    tag_id: Option<u32>,
}

impl Serialize for Request {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry(
            "filter",
            &Filter {
                is_to_all: self.tag_id.is_none(),
                tag_id: self.tag_id,
            },
        )?;
        self.message.serialize_entries(&mut map)?;
        self.options.serialize_entries(&mut map)?;
        map.end()
    }
}

/// The submitted job.
pub type Response = SendResponse;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/message/mass/sendall";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = false;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn to_all_with_clientmsgid() {
        let request = Request::to_all(Message::images(["a", "b"])).clientmsgid("job-1");
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            json!({"filter":{"is_to_all":true},"msgtype":"images","images":{"media_ids":["a","b"]},"clientmsgid":"job-1"})
        );
    }
}
