//! OAuth 2.0 web authorization: `GET /connect/oauth2/authorize`,
//! `GET /sns/oauth2/access_token`, `GET /sns/oauth2/refresh_token`, `GET /sns/userinfo`,
//! `GET /sns/auth`.
//!
//! `authorize` checks its parameters, with WeChat's page codes (HTML, status 400): 10012 appid
//! missing or unknown, 10011 redirect_uri missing, 10010 scope missing, 10005 scope not
//! `snsapi_base`/`snsapi_userinfo`, 10003 redirect_uri not an `http(s)` URL or, when the app has
//! `oauth_domains`, not on one of them ("redirect_uri域名与后台配置不一致"). Then:
//! - `snsapi_userinfo` answers a consent page: the app, a choice of its virtual users (the
//!   device's owner preselected) or a new one with a nickname, Agree and Refuse. Agree redirects
//!   (302) to `redirect_uri?code=CODE&state=STATE`; Refuse, as WeChat does when the user declines,
//!   to `redirect_uri?state=STATE` without a code;
//! - `snsapi_base` is silent: it redirects at once for the device's owner (`POST
//!   /sandbox/apps/{app_id}/device` `{"openid"}`, which the console sets to the user it shows),
//!   else the app's oldest user, else a new visitor;
//! - `&sandbox_openid=OPENID` (or `=new`, with an optional `&sandbox_nickname=`) consents at once
//!   for either scope: the way tests skip the page.
//!
//! Codes are single-use and live 5 minutes: 40029 unknown, expired or of another app, 40163 used,
//! 41008 missing. OAuth access tokens live 7200 s, refresh tokens 30 days (refresh keeps the
//! refresh token and issues a new access token; 40030 unknown, 42002 expired). `sns/userinfo`
//! needs `snsapi_userinfo` (48001) and the token's OpenID (40003); it returns the post-2021 privacy
//! shape (sex 0, empty places). Invalid OAuth tokens answer 40001, expired ones 42001.
//!
//! See [WeChat Docs/网页授权](https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html).

pub(super) mod access_token;
pub(super) mod auth;
pub(super) mod authorize;
pub(super) mod refresh_token;
pub(super) mod userinfo;

use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value, json};

use super::api::{Api, Routes};
use super::{Params, params, reply};
use crate::Sandbox;
use crate::error::WxError;
use crate::state::{OAuthCode, OAuthToken, URL_SAFE, User};

/// This group's APIs.
pub(super) fn routes(routes: Routes) -> Routes {
    routes
        .page(
            "/connect/oauth2/authorize",
            axum::routing::get(authorize::handler),
        )
        .api(access_token::API, access_token::handler)
        .api(refresh_token::API, refresh_token::handler)
        .api(userinfo::API, userinfo::handler)
        .api(auth::API, auth::handler)
}

const CODE_TTL: u64 = 300;
const TOKEN_TTL: u64 = 7200;
pub(super) const REFRESH_TTL: u64 = 30 * 86_400;

pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Exchanges the web-authorization `code` of `app_id` (from `q`, with
/// `grant_type=authorization_code`): the body of `sns/oauth2/access_token` and of its component
/// form. A code is good once, for its app, until it expires (40029, 40163).
pub(super) fn exchange_code(sb: &Sandbox, app_id: &str, q: &Params) -> Result<Value, WxError> {
    let code = q.get("code").cloned().unwrap_or_default();
    if code.is_empty() {
        return Err(WxError::new(41008, "missing code"));
    }
    if q.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return Err(WxError::new(40002, "invalid grant_type"));
    }
    sb.with_state(|s| {
        let now = s.now();
        let invalid = || WxError::new(40029, "invalid code");
        let record = s.oauth_codes.get_mut(&code).ok_or_else(invalid)?;
        if record.app_id != app_id || record.expires_at <= now {
            return Err(invalid());
        }
        if record.used {
            return Err(WxError::new(40163, "code been used"));
        }
        record.used = true;
        let grant = OAuthToken {
            app_id: record.app_id.clone(),
            openid: record.openid.clone(),
            scope: record.scope.clone(),
            expires_at: now + REFRESH_TTL,
        };
        let refresh = s.random_token();
        s.refresh_tokens.insert(refresh.clone(), grant.clone());
        Ok(token_body(s, &grant, refresh))
    })
}

pub(super) fn token_body(
    s: &mut crate::state::State,
    grant: &OAuthToken,
    refresh: String,
) -> Value {
    let now = s.now();
    let access = s.random_token();
    s.oauth_tokens.insert(
        access.clone(),
        OAuthToken {
            expires_at: now + TOKEN_TTL,
            ..grant.clone()
        },
    );
    let mut body = json!({
        "access_token": access,
        "expires_in": TOKEN_TTL,
        "refresh_token": refresh,
        "openid": grant.openid,
        "scope": grant.scope,
    });
    let user = s.app(&grant.app_id).and_then(|a| a.user(&grant.openid));
    if user.is_some_and(|u| u.snapshot) {
        body["is_snapshotuser"] = json!(1);
    }
    if grant.scope == "snsapi_userinfo"
        && let Some(unionid) = user.and_then(|u| u.unionid.clone())
    {
        body["unionid"] = json!(unionid);
    }
    body
}

/// Check an OAuth access token; returns its grant.
async fn enter_oauth(sb: &Sandbox, api: &Api, q: &Params) -> Result<OAuthToken, WxError> {
    let token = q
        .get("access_token")
        .filter(|t| !t.is_empty())
        .cloned()
        .ok_or_else(|| WxError::new(41001, "access_token missing"))?;
    let grant = sb
        .with_state_ro(|s| s.oauth_tokens.get(&token).cloned())
        .ok_or_else(WxError::invalid_credential)?;
    sb.enter_app(api, &grant.app_id).await?;
    if grant.expires_at <= sb.now() {
        return Err(WxError::new(42001, "access_token expired"));
    }
    if q.get("openid").map(String::as_str) != Some(grant.openid.as_str()) {
        return Err(WxError::invalid_openid());
    }
    Ok(grant)
}
