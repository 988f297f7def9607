//! `GET /connect/oauth2/authorize`: the consent page, then the redirect with `code` and `state`.
//!
//! See [WeChat Docs/网页授权](https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html).

use super::*;

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

fn authorize_inner(sb: &Sandbox, q: &Params) -> Result<Response, (u32, &'static str)> {
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or_default();
    let app_id = get("appid");
    if app_id.is_empty() || sb.with_state_ro(|s| s.app(app_id).is_none()) {
        return Err((10012, "appid missing or unknown"));
    }
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
    let chosen = get("sandbox_openid");
    if chosen.is_empty() {
        return Ok(consent_page(sb, app_id, q).into_response());
    }
    let code = sb
        .with_state(|s| {
            let now = s.now();
            let openid = if chosen == "new" {
                let openid = s.random_openid();
                let app = s.app_mut(app_id).ok()?;
                let nickname = format!("visitor {}", app.users.len() + 1);
                app.users
                    .insert(openid.clone(), User::new(openid.clone(), nickname, now));
                openid
            } else {
                s.app(app_id)?.user(chosen)?.openid.clone()
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
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    let location = format!(
        "{redirect_uri}{separator}code={code}&state={}",
        percent_encoding::utf8_percent_encode(get("state"), percent_encoding::NON_ALPHANUMERIC)
    );
    Ok((StatusCode::FOUND, [(header::LOCATION, location)]).into_response())
}

fn consent_page(sb: &Sandbox, app_id: &str, q: &Params) -> Html<String> {
    let users: Vec<(String, String, bool)> = sb.with_state_ro(|s| {
        s.app(app_id)
            .map(|a| {
                a.users
                    .values()
                    .map(|u| (u.openid.clone(), u.nickname.clone(), u.subscribed))
                    .collect()
            })
            .unwrap_or_default()
    });
    let link = |openid: &str| {
        let mut pairs: Vec<(&str, &str)> = q
            .iter()
            .filter(|(k, _)| k.as_str() != "sandbox_openid")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        pairs.push(("sandbox_openid", openid));
        format!(
            "/connect/oauth2/authorize?{}",
            serde_urlencoded::to_string(pairs).unwrap_or_default()
        )
    };
    let mut items = String::new();
    for (openid, nickname, following) in &users {
        items.push_str(&format!(
            "<li><a href=\"{}\">{}</a> <small>{}{}</small></li>",
            escape(&link(openid)),
            escape(nickname),
            escape(openid),
            if *following { " · following" } else { "" }
        ));
    }
    Html(format!(
        "<!doctype html><html><head><meta charset=utf-8><meta name=viewport content=\"width=device-width\">\
         <title>Authorize · WeChat sandbox</title><style>body{{font-family:sans-serif;max-width:28em;margin:2em auto}}\
         li{{margin:.5em 0}}a{{color:#07c160}}</style></head><body><h1>Authorize {app}</h1>\
         <p>Scope <code>{scope}</code>. Who is signing in?</p><ul>{items}\
         <li><a href=\"{new}\">a new visitor</a></li></ul></body></html>",
        app = escape(app_id),
        scope = escape(q.get("scope").map(String::as_str).unwrap_or_default()),
        new = escape(&link("new")),
    ))
}
