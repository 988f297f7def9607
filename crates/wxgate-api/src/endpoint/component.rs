//! Third-party platform (开放平台第三方平台, "component") APIs, and the authorization page URLs.
//!
//! A component acts for the accounts that authorize it. Its own calls carry the component
//! access token ([`AuthKind::ComponentAccessToken`](super::AuthKind::ComponentAccessToken));
//! an authorizer's own APIs take its `authorizer_access_token` as an ordinary
//! `?access_token=`. [`ComponentCredentials`](crate::ComponentCredentials) keeps both.
//!
//! See [WeChat Docs/第三方平台](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/getting_started/how_to_read.html).

use serde::{Deserialize, Serialize};

use crate::{AppId, Secret};

pub mod api_authorizer_token;
pub mod api_component_token;
pub mod api_create_preauthcode;
pub mod api_get_authorizer_info;
pub mod api_get_authorizer_list;
pub mod api_get_authorizer_option;
pub mod api_query_auth;
pub mod api_set_authorizer_option;
pub mod api_start_push_ticket;
pub mod clear_quota;

/// What an account granted: `authorization_info` of `api_query_auth` and
/// `api_get_authorizer_info`. `Debug` redacts the tokens.
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct AuthorizationInfo {
    /// The authorizer's AppID.
    #[serde(rename = "authorizer_appid")]
    pub authorizer_app_id: AppId,
    /// Its access token (`api_query_auth` only).
    #[serde(default)]
    pub authorizer_access_token: Option<Secret>,
    /// Seconds the access token stays valid (`api_query_auth` only).
    #[serde(default)]
    pub expires_in: Option<i64>,
    /// The long-lived refresh token (absent when the account granted no API permission).
    #[serde(default)]
    pub authorizer_refresh_token: Option<Secret>,
    /// The permission sets granted.
    #[serde(default)]
    pub func_info: Vec<FuncInfo>,
}

impl AuthorizationInfo {
    /// The ids of the permission sets granted, in WeChat's order.
    pub fn func_scope_ids(&self) -> Vec<i64> {
        self.func_info
            .iter()
            .map(|f| f.funcscope_category.id)
            .collect()
    }
}

/// One granted permission set: `{"funcscope_category": {"id": N}}` (other fields, such as
/// `confirm_info`, are ignored).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FuncInfo {
    /// The permission set.
    pub funcscope_category: FuncScope,
}

/// A permission set id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FuncScope {
    /// The id (1 message management, 2 user management, …).
    pub id: i64,
}

impl FuncInfo {
    /// The grant of permission set `id`.
    pub fn new(id: i64) -> Self {
        Self {
            funcscope_category: FuncScope { id },
        }
    }
}

/// WeChat's host of the PC authorization page (`componentloginpage`, the admin scans a QR code).
pub const PC_AUTHORIZE_BASE: &str = "https://mp.weixin.qq.com";
/// WeChat's host of the mobile authorization page (`bindcomponent`, opened inside WeChat).
pub const MOBILE_AUTHORIZE_BASE: &str = "https://open.weixin.qq.com";

/// Which kinds of account the authorization page offers (`auth_type`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthType {
    /// `1`: Official Accounts only.
    OfficialAccount,
    /// `2`: Mini Programs only.
    MiniProgram,
    /// `3`: both (WeChat's default).
    #[default]
    Both,
}

impl AuthType {
    fn as_str(self) -> &'static str {
        match self {
            Self::OfficialAccount => "1",
            Self::MiniProgram => "2",
            Self::Both => "3",
        }
    }
}

/// The authorization page an account's administrator opens to authorize the component: the PC
/// page (scan a QR code) or the mobile page (inside WeChat). WeChat refuses a bare redirect:
/// the link must be clicked from a page on the component's "登录授权的发起页域名".
///
/// ```
/// use wxgate_api::endpoint::component::{AuthType, AuthorizationUrl, PC_AUTHORIZE_BASE};
/// let url = AuthorizationUrl::new("wxc", "preauthcode@@@X", "https://p.example.com/back?a=1")
///     .auth_type(AuthType::OfficialAccount)
///     .pc(PC_AUTHORIZE_BASE);
/// assert_eq!(
///     url,
///     "https://mp.weixin.qq.com/cgi-bin/componentloginpage?component_appid=wxc&pre_auth_code=preauthcode%40%40%40X&redirect_uri=https%3A%2F%2Fp.example.com%2Fback%3Fa%3D1&auth_type=1"
/// );
/// ```
///
/// See [WeChat Docs/授权流程技术说明](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/operation/thirdparty/Authorization_Process_Technical_Description.html).
#[derive(Clone, Debug)]
#[must_use]
pub struct AuthorizationUrl {
    component_app_id: String,
    pre_auth_code: Secret,
    redirect_uri: String,
    auth_type: Option<AuthType>,
    biz_app_id: Option<String>,
    category_ids: Vec<u32>,
}

impl AuthorizationUrl {
    /// The page for `component_app_id` with a fresh `pre_auth_code`; WeChat sends the admin
    /// back to `redirect_uri?auth_code=…&expires_in=600`.
    pub fn new(
        component_app_id: impl Into<String>,
        pre_auth_code: impl Into<Secret>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        Self {
            component_app_id: component_app_id.into(),
            pre_auth_code: pre_auth_code.into(),
            redirect_uri: redirect_uri.into(),
            auth_type: None,
            biz_app_id: None,
            category_ids: Vec::new(),
        }
    }

    /// Which kinds of account may authorize (`auth_type`; WeChat's default is both).
    pub fn auth_type(mut self, auth_type: AuthType) -> Self {
        self.auth_type = Some(auth_type);
        self
    }

    /// Only this account may authorize (`biz_appid`; it overrides `auth_type`).
    pub fn biz_app_id(mut self, app_id: impl Into<String>) -> Self {
        self.biz_app_id = Some(app_id.into());
        self
    }

    /// Offer only these permission sets (`category_id_list`, default: all released ones).
    pub fn category_ids(mut self, ids: impl IntoIterator<Item = u32>) -> Self {
        self.category_ids = ids.into_iter().collect();
        self
    }

    /// The PC page, `{base}/cgi-bin/componentloginpage?…` (`base`: [`PC_AUTHORIZE_BASE`], or a
    /// sandbox).
    pub fn pc(&self, base: &str) -> String {
        let mut query = self.query();
        if !self.category_ids.is_empty() {
            let list: Vec<String> = self.category_ids.iter().map(u32::to_string).collect();
            query.push(("category_id_list", list.join("|")));
        }
        format!(
            "{}/cgi-bin/componentloginpage?{}",
            base.trim_end_matches('/'),
            encode(&query)
        )
    }

    /// The mobile page, `{base}/wxaopen/safe/bindcomponent?action=bindcomponent&no_scan=1&…#wechat_redirect`
    /// (`base`: [`MOBILE_AUTHORIZE_BASE`], or a sandbox).
    pub fn mobile(&self, base: &str) -> String {
        let mut query = vec![
            ("action", "bindcomponent".to_owned()),
            ("no_scan", "1".to_owned()),
        ];
        query.extend(self.query());
        format!(
            "{}/wxaopen/safe/bindcomponent?{}#wechat_redirect",
            base.trim_end_matches('/'),
            encode(&query)
        )
    }

    fn query(&self) -> Vec<(&'static str, String)> {
        let mut query = vec![
            ("component_appid", self.component_app_id.clone()),
            ("pre_auth_code", self.pre_auth_code.expose().to_owned()),
            ("redirect_uri", self.redirect_uri.clone()),
        ];
        if let Some(auth_type) = self.auth_type {
            query.push(("auth_type", auth_type.as_str().to_owned()));
        }
        if let Some(biz) = &self.biz_app_id {
            query.push(("biz_appid", biz.clone()));
        }
        query
    }
}

/// `application/x-www-form-urlencoded`, which escapes everything a query value needs.
fn encode(query: &[(&str, String)]) -> String {
    serde_urlencoded::to_string(query).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_url_has_the_fixed_parameters_and_the_fragment() {
        let url = AuthorizationUrl::new("wxc", "P", "https://p.example.com/back")
            .biz_app_id("wxa")
            .mobile(MOBILE_AUTHORIZE_BASE);
        assert_eq!(
            url,
            "https://open.weixin.qq.com/wxaopen/safe/bindcomponent?action=bindcomponent&no_scan=1&component_appid=wxc&pre_auth_code=P&redirect_uri=https%3A%2F%2Fp.example.com%2Fback&biz_appid=wxa#wechat_redirect"
        );
    }

    #[test]
    fn pc_url_lists_categories_and_debug_hides_the_code() {
        let builder =
            AuthorizationUrl::new("wxc", "S3CRETCODE", "http://h/x").category_ids([99, 31]);
        assert!(
            builder
                .pc("http://127.0.0.1:1/")
                .ends_with("&category_id_list=99%7C31")
        );
        assert!(
            builder
                .pc("http://127.0.0.1:1/")
                .starts_with("http://127.0.0.1:1/cgi-bin/componentloginpage?")
        );
        assert!(!format!("{builder:?}").contains("S3CRETCODE"));
    }
}
