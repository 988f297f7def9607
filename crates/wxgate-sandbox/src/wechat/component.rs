//! Third-party platform (component) APIs under `/cgi-bin/component/`, component OAuth under
//! `/sns/oauth2/component/`, and the authorization pages (`/cgi-bin/componentloginpage`,
//! `/wxaopen/safe/bindcomponent`, `/safe/bindcomponent`).
//!
//! Component APIs take `?component_access_token=` (41001 missing, 40001 unknown or superseded,
//! 42001 expired) and a `component_appid` in the body that must be the token's (61011
//! otherwise). Verify tickets: 61006 for a ticket never pushed to the component, 61005 after 12
//! hours. Pre-auth codes are single use and expire after 30 minutes; auth codes answer 61009 when
//! unknown (or after `unauthorize`) and 61010 after 10 minutes, and may be exchanged again until
//! then (each exchange answers the authorizer's current tokens). `api_authorizer_token` rotates
//! the refresh token: the old one answers 61023. An account that has not authorized the
//! component answers 61003, also for its authorizer tokens on every API.
//!
//! See [WeChat Docs/第三方平台](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/ThirdParty/token/component_access_token.html).

pub(super) mod api_authorizer_token;
pub(super) mod api_component_token;
pub(super) mod api_create_preauthcode;
pub(super) mod api_get_authorizer_info;
pub(super) mod api_get_authorizer_list;
pub(super) mod api_get_authorizer_option;
pub(super) mod api_query_auth;
pub(super) mod api_set_authorizer_option;
pub(super) mod api_start_push_ticket;
pub(super) mod clear_quota;
pub(super) mod login_page;
pub(super) mod oauth_access_token;
pub(super) mod oauth_refresh_token;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::api::{Api, Routes};
use super::{Params, ok, params, reply, typed_body};
use crate::Sandbox;
use crate::error::WxError;
use crate::state::{COMPONENT_TOKEN_TTL, func_info, not_authorized};

/// This group's APIs and pages.
pub(super) fn routes(routes: Routes) -> Routes {
    routes
        .api(api_start_push_ticket::API, api_start_push_ticket::handler)
        .api(api_component_token::API, api_component_token::handler)
        .api(api_create_preauthcode::API, api_create_preauthcode::handler)
        .api(api_query_auth::API, api_query_auth::handler)
        .api(api_authorizer_token::API, api_authorizer_token::handler)
        .api(
            api_get_authorizer_info::API,
            api_get_authorizer_info::handler,
        )
        .api(
            api_get_authorizer_list::API,
            api_get_authorizer_list::handler,
        )
        .api(
            api_get_authorizer_option::API,
            api_get_authorizer_option::handler,
        )
        .api(
            api_set_authorizer_option::API,
            api_set_authorizer_option::handler,
        )
        .api(clear_quota::API, clear_quota::handler)
        .api(oauth_access_token::API, oauth_access_token::handler)
        .api(oauth_refresh_token::API, oauth_refresh_token::handler)
        .page(
            "/cgi-bin/componentloginpage",
            axum::routing::get(login_page::show).post(login_page::agree),
        )
        .page(
            "/wxaopen/safe/bindcomponent",
            axum::routing::get(login_page::show).post(login_page::agree),
        )
        .page(
            "/safe/bindcomponent",
            axum::routing::get(login_page::show).post(login_page::agree),
        )
}

/// The body every component API carries.
#[derive(Deserialize)]
struct ComponentBody {
    #[serde(default)]
    component_appid: String,
}

impl Sandbox {
    /// The gate of every API authenticated by `component_access_token`: checks the token and the
    /// body's `component_appid`, counts the call and uses the daily quota; returns the component
    /// AppID.
    pub(crate) fn enter_component(
        &self,
        api: &Api,
        q: &Params,
        body_component: Option<&str>,
    ) -> Result<String, WxError> {
        let token = q
            .get("component_access_token")
            .map(String::as_str)
            .unwrap_or_default();
        self.with_state(|s| {
            let id = s.component_token_owner(token)?;
            if body_component.is_some_and(|b| b != id) {
                return Err(WxError::new(61011, "invalid component"));
            }
            let now = s.now();
            let component = s.component_mut(&id)?;
            component.count_call(api.path, now);
            component.consume_quota(api.path, api.daily_limit, now)?;
            Ok(id)
        })
    }
}

/// The component's `component_appid` from a JSON body (47001 when the body is not JSON).
fn component_of(body: &[u8]) -> Result<String, WxError> {
    let body: ComponentBody = typed_body(body)?;
    Ok(body.component_appid)
}

/// `{"authorizer_appid","authorizer_access_token","expires_in","authorizer_refresh_token","func_info"}`
fn authorization_info(
    s: &mut crate::state::State,
    id: &str,
    app_id: &str,
) -> Result<Value, WxError> {
    let now = s.now();
    let current = s
        .component(id)
        .and_then(|c| c.authorizers.get(app_id))
        .ok_or_else(not_authorized)?
        .access_token
        .clone()
        .and_then(|t| s.tokens.get(&t).map(|rec| (t, rec.clone())))
        .filter(|(_, rec)| rec.expires_at > now + 300 && rec.revoked_at.is_none());
    let (token, expires_in) = match current {
        Some((token, rec)) => (token, rec.expires_at - now),
        None => (s.issue_authorizer_token(id, app_id)?, COMPONENT_TOKEN_TTL),
    };
    let authorizer = s
        .component(id)
        .and_then(|c| c.authorizers.get(app_id))
        .ok_or_else(not_authorized)?;
    Ok(json!({
        "authorizer_appid": app_id,
        "authorizer_access_token": token,
        "expires_in": expires_in,
        "authorizer_refresh_token": authorizer.refresh_token,
        "func_info": func_info(&authorizer.func_scopes),
    }))
}
