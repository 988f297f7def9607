//! The values callers get: [`AccessToken`] and [`Ticket`], with redacting `Debug`.

use std::fmt;

/// An access token and when it expires.
///
/// Serializes as the gateway's answer, `{"access_token": "...", "expires_at": <unix s>}`.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct AccessToken {
    /// The token, for `?access_token=`.
    #[serde(rename = "access_token")]
    pub token: String,
    /// When it expires, in Unix seconds.
    pub expires_at: i64,
}

impl AccessToken {
    /// The token.
    pub fn as_str(&self) -> &str {
        &self.token
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A `jsapi_ticket` or card `api_ticket` and when it expires.
///
/// Serializes as `{"ticket": "...", "expires_at": <unix s>}`.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct Ticket {
    /// The ticket.
    pub ticket: String,
    /// When it expires, in Unix seconds.
    pub expires_at: i64,
}

impl fmt::Debug for Ticket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ticket")
            .field("ticket", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}
