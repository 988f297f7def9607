//! The authorization page an account's administrator sees: `GET /cgi-bin/componentloginpage`
//! (PC, normally a QR code) and `GET /wxaopen/safe/bindcomponent` / `GET /safe/bindcomponent`
//! (mobile), with `component_appid`, `pre_auth_code`, `redirect_uri`, `auth_type` and
//! `biz_appid`. The administrator picks an account and agrees; the form POSTs back to the same
//! path, which uses up the pre-auth code, records the authorization, pushes the `authorized`
//! notice and redirects (303) to `redirect_uri?auth_code=…&expires_in=600`.
//!
//! An unknown component, an unknown, used or expired pre-auth code, or a `redirect_uri` that is
//! not an http(s) URL answer an error page (HTTP 400). Every value shown is escaped.
//!
//! See [WeChat Docs/授权流程技术说明](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/Before_Develop/Authorization_Process_Technical_Description.html).

use axum::Form;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse};

use super::*;
use crate::wechat::oauth::escape;

/// The page's query (and the form's fields, with `app_id` added).
#[derive(Default, Deserialize)]
pub(crate) struct PageQuery {
    #[serde(default)]
    component_appid: String,
    #[serde(default)]
    pre_auth_code: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    auth_type: Option<String>,
    #[serde(default)]
    biz_appid: Option<String>,
    #[serde(default)]
    app_id: Option<String>,
}

fn error_page(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Html(format!(
            "<!doctype html><html><head><meta charset=utf-8><title>Authorization failed · WeChat sandbox</title></head>\
             <body><h1>Authorization failed</h1><p id=error>{}</p></body></html>",
            escape(message)
        )),
    )
        .into_response()
}

/// Checks the component, the pre-auth code and the redirect URI.
fn check(sb: &Sandbox, q: &PageQuery) -> Result<(), &'static str> {
    if !(q.redirect_uri.starts_with("http://") || q.redirect_uri.starts_with("https://")) {
        return Err("redirect_uri must be an http(s) URL");
    }
    sb.with_state_ro(|s| {
        let now = s.now();
        let component = s
            .component(&q.component_appid)
            .ok_or("unknown component_appid")?;
        match component.pre_auth_codes.get(&q.pre_auth_code) {
            Some(expires_at) if *expires_at > now => Ok(()),
            Some(_) => Err("pre_auth_code has expired"),
            None => Err("pre_auth_code is invalid or was already used"),
        }
    })
}

pub(crate) async fn show(State(sb): State<Sandbox>, query: RawQuery) -> Response {
    let q: PageQuery = query
        .0
        .and_then(|raw| serde_urlencoded::from_str(&raw).ok())
        .unwrap_or_default();
    if let Err(message) = check(&sb, &q) {
        return error_page(message);
    }
    let apps: Vec<(String, String)> = sb.with_state_ro(|s| {
        s.apps
            .values()
            .filter(|a| {
                q.biz_appid
                    .as_ref()
                    .is_none_or(|b| b.is_empty() || *b == a.spec.app_id)
            })
            .map(|a| (a.spec.app_id.clone(), a.spec.original_id()))
            .collect()
    });
    if apps.is_empty() {
        return error_page("no account can authorize this platform");
    }
    let mut items = String::new();
    for (i, (app_id, original_id)) in apps.iter().enumerate() {
        items.push_str(&format!(
            "<li><label><input type=radio name=app_id id=a{i} value=\"{id}\"{checked}> \
             <span class=app>{id}</span> <small>{original}</small></label></li>",
            id = escape(app_id),
            original = escape(original_id),
            checked = if i == 0 { " checked" } else { "" },
        ));
    }
    let mut hidden = String::new();
    for (name, value) in [
        ("component_appid", Some(&q.component_appid)),
        ("pre_auth_code", Some(&q.pre_auth_code)),
        ("redirect_uri", Some(&q.redirect_uri)),
        ("auth_type", q.auth_type.as_ref()),
        ("biz_appid", q.biz_appid.as_ref()),
    ] {
        if let Some(value) = value {
            hidden.push_str(&format!(
                "<input type=hidden name={name} value=\"{}\">",
                escape(value)
            ));
        }
    }
    Html(format!(
        "<!doctype html><html><head><meta charset=utf-8><meta name=viewport content=\"width=device-width\">\
         <title>Authorize a platform · WeChat sandbox</title><style>body{{font-family:sans-serif;max-width:30em;margin:2em auto;padding:0 1em}}\
         ul{{list-style:none;padding:0}}li{{margin:.6em 0}}small{{color:#888}}\
         button{{width:100%;padding:.7em;border:0;border-radius:4px;font-size:1em;background:#07c160;color:#fff}}</style></head><body>\
         <h1>Authorize <span id=component>{component}</span></h1>\
         <p>The third-party platform asks to manage an account for you. Which account authorizes it?</p>\
         <p><small>redirects to <span id=redirect>{redirect}</span></small></p>\
         <form method=post>{hidden}<ul>{items}</ul>\
         <button id=agree>Agree and authorize</button></form></body></html>",
        component = escape(&q.component_appid),
        redirect = escape(&q.redirect_uri),
    ))
    .into_response()
}

pub(crate) async fn agree(State(sb): State<Sandbox>, Form(q): Form<PageQuery>) -> Response {
    if let Err(message) = check(&sb, &q) {
        return error_page(message);
    }
    let Some(app_id) = q.app_id.clone().filter(|a| !a.is_empty()) else {
        return error_page("choose an account");
    };
    if q.biz_appid
        .as_ref()
        .is_some_and(|b| !b.is_empty() && *b != app_id)
    {
        return error_page("this authorization is restricted to another account");
    }
    // Use the pre-auth code up before anything else, so a second submission fails.
    let used = sb.with_state(|s| {
        s.components
            .get_mut(&q.component_appid)
            .and_then(|c| c.pre_auth_codes.remove(&q.pre_auth_code))
            .is_some()
    });
    if !used {
        return error_page("pre_auth_code is invalid or was already used");
    }
    let result = crate::control::authorize_app(
        &sb,
        &q.component_appid,
        &app_id,
        None,
        Some(&q.pre_auth_code),
    )
    .await;
    let auth_code = match result {
        Ok(body) => body["auth_code"].as_str().unwrap_or_default().to_owned(),
        Err(error) => return error_page(&error.message),
    };
    let separator = if q.redirect_uri.contains('?') {
        '&'
    } else {
        '?'
    };
    let location = format!(
        "{}{separator}{}",
        q.redirect_uri,
        serde_urlencoded::to_string([
            ("auth_code", auth_code.as_str()),
            ("expires_in", &crate::state::AUTH_CODE_TTL.to_string()),
        ])
        .unwrap_or_default()
    );
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}
