//! `GET /connect/oauth2/authorize`: the consent page, then the redirect with `code` and `state`
//! (or with `state` alone when the user refuses).
//!
//! See [WeChat Docs/网页授权](https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html).

use super::*;
use crate::config::domain_allowed;

pub(crate) async fn handler(State(sb): State<Sandbox>, query: RawQuery) -> Response {
    let q = params(query);
    match authorize_inner(&sb, &q) {
        Ok(response) => response,
        Err((code, text)) => (
            StatusCode::BAD_REQUEST,
            Html(format!(
                "<!doctype html><meta charset=utf-8><title>WeChat sandbox</title>\
                 <h1>{code}</h1><p>{}</p>",
                escape(text)
            )),
        )
            .into_response(),
    }
}

/// Who signs in when nobody is chosen (`snsapi_base` is silent): the device's owner (set with
/// `POST /sandbox/apps/{app_id}/device` `{"openid"}`, as the console does when a user is picked),
/// else the app's oldest user (by creation time, then OpenID), else a new visitor.
const SILENT_USER: &str = "";

fn authorize_inner(sb: &Sandbox, q: &Params) -> Result<Response, (u32, &'static str)> {
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or_default();
    let app_id = get("appid");
    let Some(oauth_domains) =
        sb.with_state_ro(|s| s.app(app_id).map(|a| a.spec.oauth_domains.clone()))
    else {
        return Err((10012, "appid missing or unknown"));
    };
    let redirect_uri = get("redirect_uri");
    if redirect_uri.is_empty() {
        return Err((10011, "redirect_uri missing"));
    }
    let scope = get("scope");
    if scope.is_empty() {
        return Err((10010, "scope missing"));
    }
    if scope != "snsapi_base" && scope != "snsapi_userinfo" {
        return Err((10005, "no permission for this scope"));
    }
    let redirect_ok = reqwest::Url::parse(redirect_uri).is_ok_and(|url| {
        matches!(url.scheme(), "http" | "https")
            && (oauth_domains.is_empty() || domain_allowed(&oauth_domains, &url))
    });
    if !redirect_ok {
        return Err((10003, "redirect_uri域名与后台配置不一致"));
    }
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    let state =
        percent_encoding::utf8_percent_encode(get("state"), percent_encoding::NON_ALPHANUMERIC);
    if get("sandbox_decision") == "refuse" {
        // The user declined: WeChat redirects with `state` only, no `code`.
        let location = format!("{redirect_uri}{separator}state={state}");
        return Ok((StatusCode::FOUND, [(header::LOCATION, location)]).into_response());
    }
    let chosen = match get("sandbox_openid") {
        "" if scope == "snsapi_base" => SILENT_USER,
        "" => return Ok(consent_page(sb, app_id, q).into_response()),
        chosen => chosen,
    };
    let nickname = get("sandbox_nickname").trim();
    let code = sb
        .with_state(|s| {
            let now = s.now();
            let openid = match chosen {
                "new" => new_visitor(s, app_id, nickname, now)?,
                SILENT_USER => {
                    let app = s.app(app_id)?;
                    let owner = app.device.openid.as_deref().and_then(|o| app.user(o));
                    let oldest = app.users.values().min_by_key(|u| (u.created_at, &u.openid));
                    match owner.or(oldest) {
                        Some(user) => user.openid.clone(),
                        None => new_visitor(s, app_id, "", now)?,
                    }
                }
                chosen => s.app(app_id)?.user(chosen)?.openid.clone(),
            };
            let code = s.random_string(URL_SAFE, 32);
            s.oauth_codes.insert(
                code.clone(),
                OAuthCode {
                    app_id: app_id.to_owned(),
                    openid,
                    scope: scope.to_owned(),
                    expires_at: now + CODE_TTL,
                    used: false,
                },
            );
            Some(code)
        })
        .ok_or((10012, "sandbox_openid is not a user of this app"))?;
    let location = format!("{redirect_uri}{separator}code={code}&state={state}");
    Ok((StatusCode::FOUND, [(header::LOCATION, location)]).into_response())
}

/// A new, non-following user of `app_id` named `nickname` (or "visitor N").
fn new_visitor(
    s: &mut crate::state::State,
    app_id: &str,
    nickname: &str,
    now: u64,
) -> Option<String> {
    let openid = s.random_openid();
    let app = s.app_mut(app_id).ok()?;
    let nickname = if nickname.is_empty() {
        format!("visitor {}", app.users.len() + 1)
    } else {
        nickname.chars().take(64).collect()
    };
    app.users
        .insert(openid.clone(), User::new(openid.clone(), nickname, now));
    Some(openid)
}

/// The consent page: the app, the scope, a choice of virtual user (or a new one), Agree and
/// Refuse. A plain GET form back to this route, so it works without JavaScript; every
/// user-supplied string is escaped.
fn consent_page(sb: &Sandbox, app_id: &str, q: &Params) -> Html<String> {
    let (original_id, owner, mut users) = sb.with_state_ro(|s| {
        s.app(app_id)
            .map(|a| {
                let users: Vec<(u64, String, String, bool)> = a
                    .users
                    .values()
                    .map(|u| {
                        (
                            u.created_at,
                            u.openid.clone(),
                            u.nickname.clone(),
                            u.subscribed,
                        )
                    })
                    .collect();
                (a.spec.original_id(), a.device.openid.clone(), users)
            })
            .unwrap_or_default()
    });
    users.sort();
    let preselected = owner
        .filter(|o| users.iter().any(|u| &u.1 == o))
        .or_else(|| users.first().map(|u| u.1.clone()))
        .unwrap_or_else(|| "new".to_owned());
    let mut hidden = String::new();
    for (key, value) in q.iter().filter(|(k, _)| !k.starts_with("sandbox_")) {
        hidden.push_str(&format!(
            "<input type=hidden name=\"{}\" value=\"{}\">",
            escape(key),
            escape(value)
        ));
    }
    let checked = |openid: &str| {
        if openid == preselected {
            " checked"
        } else {
            ""
        }
    };
    let mut items = String::new();
    for (i, (_, openid, nickname, following)) in users.iter().enumerate() {
        items.push_str(&format!(
            "<li><label><input type=radio name=sandbox_openid id=u{i} value=\"{openid}\"{checked}> \
             <span class=nick>{nickname}</span> <small>{openid}{following}</small></label></li>",
            openid = escape(openid),
            checked = checked(openid),
            nickname = escape(nickname),
            following = if *following { " · following" } else { "" },
        ));
    }
    let scope = q.get("scope").map(String::as_str).unwrap_or_default();
    let asks = if scope == "snsapi_userinfo" {
        "your public profile (nickname, avatar)"
    } else {
        "your identity (OpenID)"
    };
    Html(format!(
        "<!doctype html><html><head><meta charset=utf-8><meta name=viewport content=\"width=device-width\">\
         <title>Authorize · WeChat sandbox</title><style>body{{font-family:sans-serif;max-width:28em;margin:2em auto;padding:0 1em}}\
         ul{{list-style:none;padding:0}}li{{margin:.6em 0}}small{{color:#888}}\
         .btns{{display:flex;gap:.5em;margin-top:1.2em}}button{{flex:1;padding:.7em;border:0;border-radius:4px;font-size:1em}}\
         #agree{{background:#07c160;color:#fff}}#refuse{{background:#eee}}</style></head><body>\
         <h1>Authorize <span id=app>{app}</span></h1><p><small>{original}</small></p>\
         <p>This page asks for {asks} (scope <code>{scope}</code>). Who is signing in?</p>\
         <form method=get action=\"/connect/oauth2/authorize\">{hidden}<ul>{items}\
         <li><label><input type=radio name=sandbox_openid id=new value=new{new_checked}> a new user: \
         <input name=sandbox_nickname id=nickname placeholder=nickname maxlength=64></label></li></ul>\
         <div class=btns><button id=agree name=sandbox_decision value=agree>Agree</button>\
         <button id=refuse name=sandbox_decision value=refuse>Refuse</button></div></form></body></html>",
        app = escape(app_id),
        original = escape(&original_id),
        scope = escape(scope),
        new_checked = checked("new"),
    ))
}
