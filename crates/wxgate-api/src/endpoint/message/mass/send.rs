//! `POST /cgi-bin/message/mass/send`
//!
//! Sends a mass message to a list of 2–10 000 OpenIDs (40130 otherwise); OpenIDs that do not
//! follow are filtered out. Answers the job's `msg_id` at once.
//!
//! Not idempotent: the client never repeats it once it may have reached WeChat.
//!
//! See [WeChat Docs/根据OpenID列表群发](https://developers.weixin.qq.com/doc/service/api/notify/message/api_masssend.html).

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::{Message, Options, SendResponse};
use crate::OpenId;
use crate::endpoint::{AuthKind, Endpoint, Method};

/// The fewest OpenIDs a send takes.
pub const MIN_RECIPIENTS: usize = 2;
/// The most OpenIDs a send takes.
pub const MAX_RECIPIENTS: usize = 10_000;

/// Body of `POST /cgi-bin/message/mass/send` (plus the access token).
///
/// ```
/// use wxgate_api::endpoint::message::mass::{Message, send::Request};
/// let request = Request::new(["o1", "o2"], Message::text("hi"));
/// assert_eq!(
///     serde_json::to_string(&request).unwrap(),
///     r#"{"touser":["o1","o2"],"msgtype":"text","text":{"content":"hi"}}"#,
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Request {
    /// The recipients ([`MIN_RECIPIENTS`]..=[`MAX_RECIPIENTS`]).
    pub to_users: Vec<OpenId>,
    /// What to send.
    pub message: Message,
    options: Options,
}

impl Request {
    /// `message` to `to_users`.
    pub fn new<I, O>(to_users: I, message: Message) -> Self
    where
        I: IntoIterator<Item = O>,
        O: Into<OpenId>,
    {
        Self {
            to_users: to_users.into_iter().map(Into::into).collect(),
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

impl Serialize for Request {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("touser", &self.to_users)?;
        self.message.serialize_entries(&mut map)?;
        self.options.serialize_entries(&mut map)?;
        map.end()
    }
}

/// The submitted job.
pub type Response = SendResponse;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/message/mass/send";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = false;
    type Response = Response;
}
