//! Removes credentials from text before it reaches an error or a log line.
//!
//! WeChat puts credentials in the query string (`?access_token=`, `secret=` on `cgi-bin/token`,
//! `component_access_token=`) and in JSON bodies (`"access_token"`, `"ticket"`, `"secret"`).
//! Everything this crate puts into an [`Error`](crate::Error) or a tracing event goes through
//! [`redact`] first.

use std::sync::LazyLock;

use regex::Regex;

/// Query parameters whose values are secret; the suffix match also covers `appsecret`,
/// `component_access_token`, `authorizer_access_token`, `jsapi_ticket` and the like.
static QUERY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)((?:secret|access_token|refresh_token|ticket)=)[^&\s#'`)]*")
        .expect("static regex")
});

/// JSON string members whose values are secret.
static JSON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)("[a-z_]*(?:secret|access_token|refresh_token|ticket)"\s*:\s*)"(?:[^"\\]|\\.)*""#,
    )
    .expect("static regex")
});

/// The text with every credential value replaced by `[redacted]`.
pub(crate) fn redact(text: &str) -> String {
    let text = QUERY.replace_all(text, "${1}[redacted]");
    JSON.replace_all(&text, "${1}\"[redacted]\"").into_owned()
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn query_credentials_are_redacted() {
        let url = "https://api.weixin.qq.com/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=S3CR3T";
        let out = redact(url);
        assert!(!out.contains("S3CR3T"), "{out}");
        assert!(out.contains("appid=wx1"), "{out}");
        assert!(out.ends_with("secret=[redacted]"), "{out}");

        let out = redact(
            "error sending request for url (http://h/cgi-bin/x?access_token=TOK&type=jsapi)",
        );
        assert_eq!(
            out,
            "error sending request for url (http://h/cgi-bin/x?access_token=[redacted]&type=jsapi)"
        );
        for text in [
            "?component_access_token=XYZ",
            "?authorizer_access_token=XYZ",
            "&appsecret=XYZ",
            "&ACCESS_TOKEN=XYZ",
        ] {
            assert!(!redact(text).contains("XYZ"), "{text}");
        }
    }

    #[test]
    fn json_credentials_are_redacted() {
        let body = r#"{"access_token":"TOK","expires_in":7200,"secret" : "S\"X","ticket":"T1","appid":"wx1"}"#;
        let out = redact(body);
        for secret in ["TOK", "S\\\"X", "T1"] {
            assert!(!out.contains(secret), "{out}");
        }
        assert!(out.contains(r#""appid":"wx1""#), "{out}");
        assert!(out.contains(r#""expires_in":7200"#), "{out}");
    }
}
