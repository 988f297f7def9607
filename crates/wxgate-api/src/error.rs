//! The crate's one error type.

use std::error::Error as StdError;
use std::fmt;
use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

use crate::ErrCode;
use crate::redact::redact;

/// Longest raw body kept in an error, in bytes.
const MAX_BODY: usize = 2048;

/// What went wrong calling WeChat or managing credentials.
///
/// Inspect it with [`Error::kind`]; the underlying cause (already stripped of credentials) is
/// [`std::error::Error::source`]. No credential ever appears in its `Display` or `Debug`.
pub struct Error {
    kind: ErrorKind,
    source: Option<Box<dyn StdError + Send + Sync>>,
    /// The WeChat path of an [`ErrorKind::Api`] answer (the other kinds carry their own).
    api_path: Option<Box<str>>,
    /// The request has side effects and may have been carried out.
    maybe_sent: bool,
}

/// The kinds of [`Error`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// WeChat answered with a non-zero `errcode`.
    Api(ApiError),
    /// The request could not be sent or the response not read (connection, TLS, body).
    Transport {
        /// The WeChat path called, without query.
        path: String,
    },
    /// No complete response within the client's timeout.
    Timeout {
        /// The WeChat path called, without query.
        path: String,
    },
    /// An HTTP status other than 2xx with a body that is no WeChat error (a proxy's HTML 502).
    Status {
        /// The WeChat path called, without query.
        path: String,
        /// The HTTP status code.
        status: u16,
        /// The start of the body, credentials redacted.
        body: String,
    },
    /// A 2xx response whose body is not the expected JSON.
    Decode {
        /// The WeChat path called, without query.
        path: String,
        /// The start of the body, credentials redacted.
        body: String,
    },
    /// The request could not be encoded.
    Encode {
        /// The WeChat path.
        path: String,
    },
    /// The client was configured wrongly (for example an unparsable base URL).
    Config {
        /// What is wrong.
        message: String,
    },
    /// The endpoint needs an access token or component token and none was given.
    MissingCredential {
        /// The WeChat path.
        path: String,
    },
    /// The credential store failed; the cause is the source.
    Store,
    /// Another instance holds the refresh lease, and no fresh credential appeared in the
    /// store while waiting for it.
    LeaseTimeout,
    /// The account's refreshes reached
    /// [`CredentialOptions::refresh_limit_per_minute`](crate::CredentialOptions::refresh_limit_per_minute).
    RateLimited {
        /// When the next refresh will be allowed.
        retry_after: std::time::Duration,
    },
    /// A third-party platform's authorizer must authorize the component again: WeChat refused
    /// its refresh token (61023) or says the component is no longer authorized (61003), or the
    /// account revoked the authorization. Not retried until it authorizes again.
    ReauthorizationRequired {
        /// The component's AppID.
        component_app_id: String,
        /// The authorizer's AppID.
        authorizer_app_id: String,
        /// WeChat's `errcode` that revealed it, if one did.
        errcode: Option<i64>,
    },
    /// A third-party platform has no `component_verify_ticket` yet, so no component token can
    /// be fetched (WeChat pushes one every 10 minutes; `api_start_push_ticket` asks for one).
    NoVerifyTicket {
        /// The component's AppID.
        component_app_id: String,
    },
    /// The account never authorized the component (or was forgotten).
    UnknownAuthorizer {
        /// The component's AppID.
        component_app_id: String,
        /// The authorizer's AppID.
        authorizer_app_id: String,
    },
}

/// A WeChat error answer: `{"errcode": N, "errmsg": "... rid: ..."}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    code: ErrCode,
    errmsg: String,
    rid: Option<String>,
}

impl Error {
    /// What kind of error this is.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The kind and the cause.
    pub fn into_parts(self) -> (ErrorKind, Option<Box<dyn StdError + Send + Sync>>) {
        (self.kind, self.source)
    }

    /// The cause, if any.
    pub fn into_source(self) -> Option<Box<dyn StdError + Send + Sync>> {
        self.source
    }

    /// The WeChat error answer, if that is what this is.
    pub fn api_error(&self) -> Option<&ApiError> {
        match &self.kind {
            ErrorKind::Api(api) => Some(api),
            _ => None,
        }
    }

    /// The WeChat `errcode`, if WeChat answered with one.
    pub fn errcode(&self) -> Option<ErrCode> {
        self.api_error().map(ApiError::code)
    }

    /// Whether WeChat rejected the access token (40001, 40014, 42001).
    pub fn is_token_invalid(&self) -> bool {
        self.errcode().is_some_and(ErrCode::is_token_invalid)
    }

    /// Whether a retry may help: `errcode` -1, a transport failure or a timeout.
    pub fn is_transient(&self) -> bool {
        match &self.kind {
            ErrorKind::Api(api) => api.code.is_retryable(),
            ErrorKind::Transport { .. } | ErrorKind::Timeout { .. } => true,
            ErrorKind::Status { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// The WeChat path the failed call was made to, without query, if it was a call.
    pub fn path(&self) -> Option<&str> {
        match &self.kind {
            ErrorKind::Api(_) => self.api_path.as_deref(),
            ErrorKind::Transport { path }
            | ErrorKind::Timeout { path }
            | ErrorKind::Status { path, .. }
            | ErrorKind::Decode { path, .. }
            | ErrorKind::Encode { path }
            | ErrorKind::MissingCredential { path } => Some(path),
            _ => None,
        }
    }

    /// Whether the failed request has side effects (a message send, a mass send, a
    /// publication) and may nevertheless have been carried out: it reached WeChat, or may
    /// have, and no answer said it failed (a timeout, a lost connection, `errcode` -1, an
    /// unreadable answer). Such requests are never retried; check before sending again.
    pub fn may_have_been_sent(&self) -> bool {
        self.maybe_sent
    }

    pub(crate) fn new(kind: ErrorKind) -> Self {
        Self {
            kind,
            source: None,
            api_path: None,
            maybe_sent: false,
        }
    }

    /// WeChat's error answer to a call of `path`.
    pub(crate) fn api(path: &str, api: ApiError) -> Self {
        let mut error = Self::new(ErrorKind::Api(api));
        error.api_path = Some(path.into());
        error
    }

    /// Marks the error as one after which a request with side effects may have been carried
    /// out, when `side_effects` and the kind leaves it open.
    pub(crate) fn sent_if(mut self, side_effects: bool) -> Self {
        if side_effects && self.may_have_reached(false) {
            self.maybe_sent = true;
        }
        self
    }

    /// Whether a request that failed this way may have been carried out (for a request that
    /// is not `idempotent`; repeating an idempotent one is harmless, so it never counts).
    pub(crate) fn may_have_reached(&self, idempotent: bool) -> bool {
        !idempotent
            && match &self.kind {
                ErrorKind::Api(api) => api.code().is_retryable(),
                ErrorKind::Transport { .. }
                | ErrorKind::Timeout { .. }
                | ErrorKind::Status { .. }
                | ErrorKind::Decode { .. } => true,
                _ => false,
            }
    }

    pub(crate) fn with_source(
        kind: ErrorKind,
        source: impl StdError + Send + Sync + 'static,
    ) -> Self {
        Self {
            source: Some(Box::new(Redacted::from_error(&source))),
            ..Self::new(kind)
        }
    }

    /// The same kind, without its cause: what is cached and handed to callers while a failed
    /// refresh backs off.
    #[cfg(feature = "credentials")]
    pub(crate) fn clone_kind(&self) -> Self {
        let source = self
            .source
            .as_deref()
            .map(|s| Box::new(Redacted::from_error(s)) as Box<dyn StdError + Send + Sync>);
        Self {
            kind: self.kind.clone(),
            source,
            api_path: self.api_path.clone(),
            maybe_sent: self.maybe_sent,
        }
    }

    pub(crate) fn status(path: &str, status: u16, body: &[u8]) -> Self {
        Self::new(ErrorKind::Status {
            path: path.to_owned(),
            status,
            body: body_excerpt(body),
        })
    }

    pub(crate) fn decode(path: &str, body: &[u8], source: serde_json::Error) -> Self {
        // serde quotes offending values ("invalid type: string \"…\""), which may be tokens:
        // keep the field names (in backticks) and positions, drop quoted values.
        static QUOTED: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r#""(?:[^"\\]|\\.)*""#).expect("static regex"));
        let message = QUOTED
            .replace_all(&source.to_string(), "\"…\"")
            .into_owned();
        Self {
            source: Some(Box::new(Redacted(redact(&message)))),
            ..Self::new(ErrorKind::Decode {
                path: path.to_owned(),
                body: body_excerpt(body),
            })
        }
    }

    #[cfg(feature = "credentials")]
    pub(crate) fn store(source: impl StdError + Send + Sync + 'static) -> Self {
        Self::with_source(ErrorKind::Store, source)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_kind(f)?;
        if self.maybe_sent {
            f.write_str(" (the request may have reached WeChat: it may have been sent)")?;
        }
        Ok(())
    }
}

impl Error {
    fn fmt_kind(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Api(api) => match (&self.api_path, api.code()) {
                (Some(path), ErrCode::DailyQuotaExceeded) => {
                    write!(
                        f,
                        "the daily quota of {path} is used up: wechat answered {api}"
                    )
                }
                (Some(path), _) => write!(f, "wechat answered {api} to {path}"),
                (None, _) => write!(f, "wechat answered {api}"),
            },
            ErrorKind::Transport { path } => write!(f, "request to {path} failed"),
            ErrorKind::Timeout { path } => write!(f, "request to {path} timed out"),
            ErrorKind::Status { path, status, .. } => {
                write!(
                    f,
                    "request to {path} got http status {status} without a wechat answer"
                )
            }
            ErrorKind::Decode { path, .. } => {
                write!(f, "response of {path} is not the expected json")
            }
            ErrorKind::Encode { path } => write!(f, "request to {path} could not be encoded"),
            ErrorKind::Config { message } => write!(f, "invalid client configuration: {message}"),
            ErrorKind::MissingCredential { path } => {
                write!(f, "request to {path} needs a credential and none was given")
            }
            ErrorKind::Store => f.write_str("credential store failed"),
            ErrorKind::LeaseTimeout => f.write_str(
                "another instance is refreshing the credential and no fresh value appeared in time",
            ),
            ErrorKind::RateLimited { retry_after } => write!(
                f,
                "too many refreshes of the credential; the next is allowed in {} s",
                retry_after.as_secs_f64().ceil()
            ),
            ErrorKind::ReauthorizationRequired {
                component_app_id,
                authorizer_app_id,
                errcode,
            } => {
                write!(
                    f,
                    "account {authorizer_app_id} must authorize component {component_app_id} again"
                )?;
                match errcode {
                    Some(code) => write!(f, " (wechat refused its refresh token: {code})"),
                    None => Ok(()),
                }
            }
            ErrorKind::NoVerifyTicket { component_app_id } => write!(
                f,
                "component {component_app_id} has no component_verify_ticket yet (wechat pushes one every 10 minutes)"
            ),
            ErrorKind::UnknownAuthorizer {
                component_app_id,
                authorizer_app_id,
            } => write!(
                f,
                "account {authorizer_app_id} has not authorized component {component_app_id}"
            ),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind);
        if let Some(path) = &self.api_path {
            d.field("path", path);
        }
        if self.maybe_sent {
            d.field("may_have_been_sent", &true);
        }
        if let Some(source) = &self.source {
            d.field("source", &source.to_string());
        }
        d.finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn StdError + 'static))
    }
}

impl From<ApiError> for Error {
    fn from(api: ApiError) -> Self {
        Self::new(ErrorKind::Api(api))
    }
}

impl ApiError {
    /// Parses a WeChat answer; `Some` only if it carries a non-zero `errcode`.
    ///
    /// ```
    /// use wxgate_api::{ApiError, ErrCode};
    /// let body = br#"{"errcode":40163,"errmsg":"code been used, rid: 613033ae-4a5a9224-3a2b9999"}"#;
    /// let error = ApiError::parse(body).unwrap();
    /// assert_eq!(error.code(), ErrCode::CodeBeenUsed);
    /// assert_eq!(error.rid(), Some("613033ae-4a5a9224-3a2b9999"));
    /// assert!(ApiError::parse(br#"{"errcode":0,"errmsg":"ok"}"#).is_none());
    /// ```
    pub fn parse(body: &[u8]) -> Option<Self> {
        #[derive(Deserialize)]
        struct Envelope {
            errcode: Option<i64>,
            errmsg: Option<String>,
        }
        let envelope: Envelope = serde_json::from_slice(body).ok()?;
        match envelope.errcode {
            None | Some(0) => None,
            Some(code) => Some(Self::new(code, envelope.errmsg.unwrap_or_default())),
        }
    }

    /// An error answer from its parts; the `rid` is parsed out of `errmsg`.
    pub fn new(errcode: i64, errmsg: impl Into<String>) -> Self {
        let errmsg = errmsg.into();
        Self {
            code: ErrCode::from_code(errcode),
            rid: parse_rid(&errmsg),
            errmsg,
        }
    }

    /// The `errcode`.
    pub fn code(&self) -> ErrCode {
        self.code
    }

    /// The `errmsg` exactly as WeChat sent it (with its request id suffix).
    pub fn errmsg(&self) -> &str {
        &self.errmsg
    }

    /// The request id WeChat appended to `errmsg` (`rid: …`, `hint: [...]` or
    /// `hints: [ req_id: ... ]`), to quote to WeChat support or `cgi-bin/openapi/rid/get`.
    pub fn rid(&self) -> Option<&str> {
        self.rid.as_deref()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "errcode {}: {}", self.code.code(), self.errmsg)
    }
}

/// The request id in an `errmsg`, in any of the formats WeChat has used: `rid: …` today,
/// `hint: [...]` and `hints: [ req_id: ... ]` before.
fn parse_rid(errmsg: &str) -> Option<String> {
    static RID: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"rid:\s*([0-9A-Za-z]+-[0-9A-Za-z]+-[0-9A-Za-z]+)").expect("static regex")
    });
    static HINT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"hints?:\s*\[\s*(?:req_id:\s*)?([^\]\s]+)\s*\]").expect("static regex")
    });
    RID.captures(errmsg)
        .or_else(|| HINT.captures(errmsg))
        .map(|c| c[1].to_owned())
}

/// The start of a body as text, credentials redacted.
fn body_excerpt(body: &[u8]) -> String {
    let mut end = body.len().min(MAX_BODY);
    let text = loop {
        match std::str::from_utf8(&body[..end]) {
            Ok(text) => break text,
            Err(e) if e.valid_up_to() > 0 => end = e.valid_up_to(),
            Err(_) => break "",
        }
    };
    redact(text)
}

/// A cause reduced to its redacted text, so no dependency type and no credential leaks out.
#[derive(Debug)]
struct Redacted(String);

impl Redacted {
    fn from_error(error: &(dyn StdError + 'static)) -> Self {
        let mut text = error.to_string();
        let mut cause = error.source();
        while let Some(c) = cause {
            text.push_str(": ");
            text.push_str(&c.to_string());
            cause = c.source();
        }
        Self(redact(&text))
    }
}

impl fmt::Display for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl StdError for Redacted {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_body_is_kept_as_text() {
        let error = Error::status("/cgi-bin/token", 502, b"<html>502 Bad Gateway</html>");
        match error.kind() {
            ErrorKind::Status { status, body, .. } => {
                assert_eq!(*status, 502);
                assert_eq!(body, "<html>502 Bad Gateway</html>");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn decode_errors_drop_quoted_values() {
        let body = br#"{"access_token":"SECRET1","expires_in":"LEAKY"}"#;
        let source = serde_json::from_slice::<crate::endpoint::token::Response>(body).unwrap_err();
        assert!(source.to_string().contains("LEAKY"));
        let error = Error::decode("/cgi-bin/token", body, source);
        let cause = error.source().unwrap().to_string();
        assert!(!cause.contains("LEAKY"), "{cause}");
        assert!(cause.contains("line 1"), "{cause}");
        assert!(!format!("{error:?}").contains("SECRET1"), "{error:?}");
    }

    #[test]
    fn excerpt_cuts_on_char_boundary() {
        let body = "错".repeat(MAX_BODY);
        let excerpt = body_excerpt(body.as_bytes());
        assert!(excerpt.len() <= MAX_BODY);
        assert!(excerpt.chars().all(|c| c == '错'));
    }
}
