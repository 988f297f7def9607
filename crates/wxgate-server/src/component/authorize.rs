//! The authorization page of a component: `GET /component/{component}/authorize` serves the
//! PC and mobile links to WeChat's authorization page (WeChat refuses a bare redirect: the
//! administrator has to click from a page on the platform's domain), and
//! `GET /component/{component}/authorized` is where WeChat sends the administrator back with
//! the `auth_code`, which is exchanged (`api_query_auth`) and the authorizer stored. See
//! [WeChat Docs/授权流程技术说明](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/operation/thirdparty/Authorization_Process_Technical_Description.html).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use wxgate_api::ErrorKind;
use wxgate_api::endpoint::component::{
    AuthType, AuthorizationUrl, MOBILE_AUTHORIZE_BASE, PC_AUTHORIZE_BASE,
};

use crate::app::Shared;

/// The route of the page with the authorization links.
pub const COMPONENT_AUTHORIZE_PATH: &str = "/component/{component}/authorize";
/// The route WeChat sends the administrator back to.
pub const COMPONENT_AUTHORIZED_PATH: &str = "/component/{component}/authorized";

/// `?redirect=`: where the administrator goes once the account is authorized.
#[derive(Debug, Deserialize)]
pub(crate) struct PageQuery {
    redirect: Option<String>,
}

/// `?auth_code=…&expires_in=…&redirect=…` from WeChat.
#[derive(Debug, Deserialize)]
pub(crate) struct ReturnQuery {
    auth_code: Option<String>,
    redirect: Option<String>,
}

/// `GET /component/{component}/authorize?redirect=/PATH`: the page with the links.
pub(crate) async fn page(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(component) = shared.components.get(&id) else {
        return message(
            StatusCode::NOT_FOUND,
            "Unknown platform",
            "No such platform.",
        );
    };
    let redirect = match checked_redirect(query.redirect.as_deref()) {
        Ok(redirect) => redirect,
        Err(problem) => return message(StatusCode::BAD_REQUEST, "Bad redirect", problem),
    };
    let configured = component.config.public_url.as_deref().or(shared
        .config
        .server
        .public_url
        .as_deref());
    let Some(origin) = crate::origin::origin(configured, &headers) else {
        return message(
            StatusCode::BAD_REQUEST,
            "Bad request",
            "The request has no valid Host header (set the platform's public_url).",
        );
    };
    let code = match component.credentials.pre_auth_code().await {
        Ok(code) => code,
        Err(error) => {
            tracing::warn!(component = %component.id, %error, "no pre-auth code for the authorization page");
            return message(
                StatusCode::SERVICE_UNAVAILABLE,
                "Try again shortly",
                "WeChat cannot be reached now (or no verify ticket has arrived yet).",
            );
        }
    };
    let mut back = format!("{origin}/component/{}/authorized", encode(&id));
    if let Some(redirect) = redirect {
        back.push_str("?redirect=");
        back.push_str(&encode(redirect));
    }
    let config = &component.config;
    let url = AuthorizationUrl::new(config.app_id.as_str(), code.code, back)
        .auth_type(AuthType::OfficialAccount);
    let (pc, mobile) = match config.authorize_base.as_deref() {
        Some(base) => (url.pc(base), url.mobile(base)),
        None => (url.pc(PC_AUTHORIZE_BASE), url.mobile(MOBILE_AUTHORIZE_BASE)),
    };
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width\"><title>Authorize {name}</title></head><body>\
         <h1>Authorize {name}</h1><p>An Official Account's administrator authorizes this \
         platform to act for the account.</p><ul>\
         <li><a id=\"pc\" href=\"{pc}\">On a computer: scan with WeChat</a></li>\
         <li><a id=\"mobile\" href=\"{mobile}\">In WeChat on a phone</a></li></ul></body></html>",
        name = escape(&component.id),
        pc = escape(&pc),
        mobile = escape(&mobile),
    );
    ([(header::CACHE_CONTROL, "no-store")], Html(body)).into_response()
}

/// `GET /component/{component}/authorized?auth_code=…`: exchanges the code and stores the
/// authorizer, then sends the administrator to `redirect` (with `authorizer_appid=`) or shows
/// a page.
pub(crate) async fn authorized(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(query): Query<ReturnQuery>,
) -> Response {
    let Some(component) = shared.components.get(&id) else {
        return message(
            StatusCode::NOT_FOUND,
            "Unknown platform",
            "No such platform.",
        );
    };
    let redirect = match checked_redirect(query.redirect.as_deref()) {
        Ok(redirect) => redirect,
        Err(problem) => return message(StatusCode::BAD_REQUEST, "Bad redirect", problem),
    };
    let Some(code) = query.auth_code.filter(|code| !code.trim().is_empty()) else {
        return message(
            StatusCode::BAD_REQUEST,
            "Not authorized",
            "WeChat sent no authorization code: the authorization was not completed.",
        );
    };
    match component.credentials.query_auth(code.trim()).await {
        Ok(authorizer) => {
            let app_id = authorizer.app_id.to_string();
            match redirect {
                Some(redirect) => {
                    let joiner = if redirect.contains('?') { '&' } else { '?' };
                    Redirect::to(&format!(
                        "{redirect}{joiner}authorizer_appid={}",
                        encode(&app_id)
                    ))
                    .into_response()
                }
                None => message(
                    StatusCode::OK,
                    "Authorized",
                    &format!("The account {app_id} authorized the platform."),
                ),
            }
        }
        Err(error) if matches!(error.kind(), ErrorKind::Api(_)) => {
            tracing::info!(component = %component.id, %error, "authorization code refused");
            message(
                StatusCode::BAD_REQUEST,
                "Not authorized",
                "WeChat refused the authorization code (used or expired): authorize again.",
            )
        }
        Err(error) => {
            tracing::warn!(component = %component.id, %error, "authorization code not exchanged");
            message(
                StatusCode::SERVICE_UNAVAILABLE,
                "Try again shortly",
                "The authorization could not be completed now: reload this page.",
            )
        }
    }
}

/// A redirect must be a path on this site (`/…`, not `//host`), without control characters
/// or spaces: the page must not send administrators elsewhere.
fn checked_redirect(redirect: Option<&str>) -> Result<Option<&str>, &'static str> {
    match redirect {
        None | Some("") => Ok(None),
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && path.len() <= 2048
                && !path.chars().any(|c| c.is_control() || c.is_whitespace()) =>
        {
            Ok(Some(path))
        }
        Some(_) => Err("redirect must be a path on this site, such as /done."),
    }
}

fn encode(value: &str) -> String {
    utf8_percent_encode(value, NON_ALPHANUMERIC).to_string()
}

/// `text` escaped for HTML text and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A small page with a title and one sentence.
fn message(status: StatusCode, title: &str, text: &str) -> Response {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1><p>{text}</p></body></html>",
        title = escape(title),
        text = escape(text),
    );
    (status, Html(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_stay_on_this_site() {
        assert_eq!(checked_redirect(None), Ok(None));
        assert_eq!(checked_redirect(Some("/done?x=1")), Ok(Some("/done?x=1")));
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil",
            "/a b",
            "/a\nb",
            "done",
        ] {
            assert!(checked_redirect(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
