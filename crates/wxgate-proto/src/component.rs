//! Third-party platform notifications: `component_verify_ticket` and the authorization change
//! notices. See [WeChat Docs/验证票据](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/Before_Develop/component_verify_ticket.html)
//! and [WeChat Docs/授权变更通知推送](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/Before_Develop/authorize_event.html).
//!
//! These arrive at the component's authorization-event URL, always encrypted with the
//! component's key and AppID (see [`crate::envelope::RequestEnvelope`]), and are answered
//! with [`crate::reply::SUCCESS`].

use serde::{Deserialize, Serialize};

use crate::message::{opt, text_or_empty};
use crate::xml::{self, Element, XmlError};

/// A decrypted component notification.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    /// `AppId`: the component AppID.
    pub app_id: String,
    /// `CreateTime`.
    pub create_time: u64,
    /// The typed content.
    pub kind: NoticeKind,
    /// The whole document.
    pub raw: Element,
}

/// What a notice says, by `InfoType`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum NoticeKind {
    /// `component_verify_ticket`, pushed every 10 minutes, valid 12 hours.
    ComponentVerifyTicket {
        /// `ComponentVerifyTicket`.
        ticket: String,
    },
    /// `authorized`: an account authorized the component.
    Authorized(Authorization),
    /// `updateauthorized`: an account changed its grants.
    UpdateAuthorized(Authorization),
    /// `unauthorized`: an account revoked the component.
    Unauthorized {
        /// `AuthorizerAppid`.
        authorizer_app_id: String,
    },
    /// Any other `InfoType`; fields are in the raw document.
    Other {
        /// `InfoType`.
        info_type: String,
    },
}

/// The fields of an `authorized` / `updateauthorized` notice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authorization {
    /// `AuthorizerAppid`.
    pub authorizer_app_id: String,
    /// `AuthorizationCode`: exchange with `api_query_auth`.
    pub authorization_code: String,
    /// `AuthorizationCodeExpiredTime`, Unix seconds.
    pub authorization_code_expired_time: Option<u64>,
    /// `PreAuthCode` used.
    pub pre_auth_code: Option<String>,
}

impl Notice {
    /// Parses a decrypted notice.
    ///
    /// # Errors
    ///
    /// [`XmlError`] when the document is malformed or lacks `AppId`, `CreateTime` or `InfoType`.
    ///
    /// # Examples
    ///
    /// ```
    /// use wxgate_proto::component::{Notice, NoticeKind};
    /// let n = Notice::parse("<xml><AppId>wxc</AppId><CreateTime>1</CreateTime><InfoType>unauthorized</InfoType><AuthorizerAppid>wxa</AuthorizerAppid></xml>").unwrap();
    /// assert_eq!(n.kind, NoticeKind::Unauthorized { authorizer_app_id: "wxa".into() });
    /// ```
    pub fn parse(document: &str) -> Result<Self, XmlError> {
        let raw = xml::parse(document)?;
        let kind = match raw.required("InfoType")?.trim() {
            "component_verify_ticket" => NoticeKind::ComponentVerifyTicket {
                ticket: raw.required("ComponentVerifyTicket")?.to_owned(),
            },
            "authorized" => NoticeKind::Authorized(Authorization::from_element(&raw)?),
            "updateauthorized" => NoticeKind::UpdateAuthorized(Authorization::from_element(&raw)?),
            "unauthorized" => NoticeKind::Unauthorized {
                authorizer_app_id: text_or_empty(&raw, "AuthorizerAppid"),
            },
            other => NoticeKind::Other {
                info_type: other.to_owned(),
            },
        };
        Ok(Self {
            app_id: raw.required("AppId")?.to_owned(),
            create_time: raw
                .parse_of("CreateTime")?
                .ok_or(XmlError::Missing("CreateTime"))?,
            kind,
            raw,
        })
    }
}

impl Authorization {
    fn from_element(raw: &Element) -> Result<Self, XmlError> {
        Ok(Self {
            authorizer_app_id: text_or_empty(raw, "AuthorizerAppid"),
            authorization_code: text_or_empty(raw, "AuthorizationCode"),
            authorization_code_expired_time: raw.parse_of("AuthorizationCodeExpiredTime")?,
            pre_auth_code: opt(raw, "PreAuthCode"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::vectors::{F1_MSG, F2_MSG};

    #[test]
    fn f1_unauthorized() {
        let notice = Notice::parse(F1_MSG).unwrap();
        assert_eq!(notice.app_id, "wxbbd3f07e2945cf2a");
        assert_eq!(
            notice.kind,
            NoticeKind::Unauthorized {
                authorizer_app_id: "wx570bc396a51b8ff8".into()
            }
        );
    }

    #[test]
    fn f2_verify_ticket() {
        let notice = Notice::parse(F2_MSG).unwrap();
        assert_eq!(notice.create_time, 1_436_881_222);
        assert!(
            matches!(notice.kind, NoticeKind::ComponentVerifyTicket { ref ticket } if ticket.starts_with("ticket@@@hXh2446N"))
        );
    }
}
