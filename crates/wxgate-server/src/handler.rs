//! What a message handler is: an async function from an [`Incoming`] message to a reply.

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::Arc;

use wxgate_proto::message::Inbound;
use wxgate_proto::reply::{Article, Reply};

/// A boxed, sendable future.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A verified, decrypted, parsed push, with the account it came to.
///
/// Derefs to [`Inbound`], so `incoming.from_user_name` and `incoming.body` work directly.
#[derive(Clone, Debug)]
pub struct Incoming {
    account: Arc<str>,
    message: Arc<Inbound>,
}

impl Incoming {
    /// Wraps a parsed message for `account`.
    #[must_use]
    pub fn new(account: impl Into<Arc<str>>, message: Inbound) -> Self {
        Self {
            account: account.into(),
            message: Arc::new(message),
        }
    }

    /// The id of the account (from the config) the push came to.
    #[must_use]
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The message.
    #[must_use]
    pub fn message(&self) -> &Inbound {
        &self.message
    }

    /// The text of a text message.
    #[must_use]
    pub fn text(&self) -> Option<&str> {
        match &self.message.body {
            wxgate_proto::message::Body::Text(text) => Some(&text.content),
            _ => None,
        }
    }
}

impl Deref for Incoming {
    type Target = Inbound;

    fn deref(&self) -> &Inbound {
        &self.message
    }
}

/// Values a handler may return: a reply, or nothing (answered with `success`).
pub trait IntoReply {
    /// Converts into a reply, or `None` for no reply.
    fn into_reply(self) -> Option<Reply>;
}

impl IntoReply for Reply {
    fn into_reply(self) -> Option<Reply> {
        Some(self)
    }
}

impl IntoReply for Option<Reply> {
    fn into_reply(self) -> Option<Reply> {
        self
    }
}

impl IntoReply for () {
    fn into_reply(self) -> Option<Reply> {
        None
    }
}

impl IntoReply for &'static str {
    fn into_reply(self) -> Option<Reply> {
        Some(Reply::from(self))
    }
}

impl IntoReply for String {
    fn into_reply(self) -> Option<Reply> {
        Some(Reply::from(self))
    }
}

impl IntoReply for Option<String> {
    fn into_reply(self) -> Option<Reply> {
        self.map(Reply::from)
    }
}

impl IntoReply for Article {
    fn into_reply(self) -> Option<Reply> {
        Some(Reply::from(self))
    }
}

/// An async message handler. Implemented for every `Fn(Incoming) -> impl Future<Output = impl
/// IntoReply>`, so plain async closures and functions are handlers.
///
/// # Examples
///
/// ```
/// use wxgate_server::{Incoming, MessageRouter};
/// let router = MessageRouter::new()
///     .keyword("ping", |_msg: Incoming| async { "pong" })
///     .fallback(|msg: Incoming| async move { format!("you said: {}", msg.text().unwrap_or("something")) });
/// ```
pub trait Handler: Send + Sync + 'static {
    /// Handles one message.
    fn call(&self, incoming: Incoming) -> BoxFuture<Option<Reply>>;

    /// The reply this handler gives to every message, if it always gives the same one (the
    /// configured replies do). The gateway then answers with it without calling
    /// [`Handler::call`], remembers only when it answered a push, and writes the reply again
    /// for WeChat's retries instead of keeping every push's reply.
    #[doc(hidden)]
    fn fixed_reply(&self) -> Option<&Reply> {
        None
    }
}

impl<F, Fut, R> Handler for F
where
    F: Fn(Incoming) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    R: IntoReply,
{
    fn call(&self, incoming: Incoming) -> BoxFuture<Option<Reply>> {
        let fut = self(incoming);
        Box::pin(async move { fut.await.into_reply() })
    }
}

/// A handler that always answers with the same reply (configured replies).
#[derive(Clone, Debug)]
pub(crate) struct Fixed(pub(crate) Reply);

impl Handler for Fixed {
    fn call(&self, _incoming: Incoming) -> BoxFuture<Option<Reply>> {
        let reply = self.0.clone();
        Box::pin(async move { Some(reply) })
    }

    fn fixed_reply(&self) -> Option<&Reply> {
        Some(&self.0)
    }
}
