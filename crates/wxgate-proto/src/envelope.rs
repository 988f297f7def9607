//! The encrypted envelopes around messages.
//!
//! See [WeChat Docs/消息加解密说明](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Message_encryption_and_decryption_instructions.html).

use crate::crypto::CryptoError;
use crate::xml::{self, Element, Writer};

/// An inbound push body in compatible or safe mode, before decryption.
///
/// Safe mode sends `<ToUserName>` + `<Encrypt>`; third-party notifications send `<AppId>` +
/// `<Encrypt>`; compatible mode sends every plaintext field plus `<Encrypt>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestEnvelope {
    /// The `Encrypt` value, base64.
    pub encrypt: String,
    /// `ToUserName` (the account's original id), when present.
    pub to_user_name: Option<String>,
    /// `AppId` (the component AppID on third-party notifications), when present.
    pub app_id: Option<String>,
}

impl RequestEnvelope {
    /// Reads the envelope fields from a parsed body.
    ///
    /// # Errors
    ///
    /// [`CryptoError::ParseXml`] when there is no `Encrypt` element.
    pub fn from_element(root: &Element) -> Result<Self, CryptoError> {
        let encrypt = root.text_of("Encrypt").ok_or(CryptoError::ParseXml)?;
        Ok(Self {
            encrypt: encrypt.trim().to_owned(),
            to_user_name: root.text_of("ToUserName").map(str::to_owned),
            app_id: root.text_of("AppId").map(str::to_owned),
        })
    }

    /// Parses a body and reads the envelope.
    ///
    /// # Errors
    ///
    /// [`CryptoError::ParseXml`] when the body is not XML or has no `Encrypt`.
    pub fn parse(body: &str) -> Result<Self, CryptoError> {
        let root = xml::parse(body).map_err(|_| CryptoError::ParseXml)?;
        Self::from_element(&root)
    }

    /// Builds a safe-mode body (`ToUserName` + `Encrypt`), as WeChat sends it.
    #[must_use]
    pub fn safe_body(to_user_name: &str, encrypt: &str) -> String {
        let mut w = Writer::new();
        w.text("ToUserName", to_user_name).text("Encrypt", encrypt);
        w.finish()
    }

    /// Builds a third-party notification body (`AppId` + `Encrypt`).
    #[must_use]
    pub fn component_body(component_app_id: &str, encrypt: &str) -> String {
        let mut w = Writer::new();
        w.text("AppId", component_app_id).text("Encrypt", encrypt);
        w.finish()
    }
}

/// An encrypted passive reply: `Encrypt`, `MsgSignature`, `TimeStamp`, `Nonce`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplyEnvelope {
    /// `Encrypt`, base64.
    pub encrypt: String,
    /// `MsgSignature` over token, `TimeStamp`, `Nonce` and `Encrypt`.
    pub msg_signature: String,
    /// `TimeStamp` as sent.
    pub timestamp: String,
    /// `Nonce` as sent.
    pub nonce: String,
}

impl ReplyEnvelope {
    /// Parses an encrypted reply.
    ///
    /// # Errors
    ///
    /// [`CryptoError::ParseXml`] when it is not XML or lacks one of the four elements.
    pub fn parse(body: &str) -> Result<Self, CryptoError> {
        let root = xml::parse(body).map_err(|_| CryptoError::ParseXml)?;
        let field = |name| {
            root.text_of(name)
                .map(|t| t.trim().to_owned())
                .ok_or(CryptoError::ParseXml)
        };
        Ok(Self {
            encrypt: field("Encrypt")?,
            msg_signature: field("MsgSignature")?,
            timestamp: field("TimeStamp")?,
            nonce: field("Nonce")?,
        })
    }
}

/// Writes the rest of an encrypted reply after its `Encrypt` text, which `out` already holds
/// behind `<xml><Encrypt><![CDATA[` (base64 needs no CDATA splitting).
///
/// The result is what [`Writer`] makes of `Encrypt`, `MsgSignature`, `TimeStamp`, `Nonce`.
pub(crate) fn finish_reply_envelope(
    out: &mut Vec<u8>,
    signature: &str,
    timestamp: &str,
    nonce: &str,
) {
    out.extend_from_slice(b"]]></Encrypt><MsgSignature>");
    push_cdata(out, signature);
    out.extend_from_slice(b"</MsgSignature><TimeStamp>");
    // TimeStamp is a bare number in WeChat's own envelopes; keep digits bare, anything else CDATA.
    if !timestamp.is_empty() && timestamp.bytes().all(|b| b.is_ascii_digit()) {
        out.extend_from_slice(timestamp.as_bytes());
    } else {
        push_cdata(out, timestamp);
    }
    out.extend_from_slice(b"</TimeStamp><Nonce>");
    push_cdata(out, nonce);
    out.extend_from_slice(b"</Nonce></xml>");
}

/// [`xml::push_cdata`] for a byte buffer.
fn push_cdata(out: &mut Vec<u8>, text: &str) {
    let mut cdata = String::new();
    // Signatures, timestamps and nonces have no ']': skip the substring search for them.
    if text.bytes().any(|b| b == b']') && text.contains("]]>") {
        xml::push_cdata(&mut cdata, text);
        out.extend_from_slice(cdata.as_bytes());
    } else {
        out.extend_from_slice(b"<![CDATA[");
        out.extend_from_slice(text.as_bytes());
        out.extend_from_slice(b"]]>");
    }
}
