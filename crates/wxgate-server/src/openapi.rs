//! The OpenAPI document of the `/v1` routes, generated from the handlers' `#[utoipa::path]`
//! annotations and the types they take and return, and served at `/v1/openapi.json`.
//!
//! The reusable error answers (`Error401` …) and the path parameters live here; the operations
//! live next to their handlers in [`crate::token_api`], [`crate::proxy`], [`crate::outbound`],
//! [`crate::funnel_api`] and `crate::web::oauth`.

use std::sync::LazyLock;

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{IntoParams, IntoResponses, Modify, OpenApi, ToResponse, ToSchema};

use crate::outbound::Error409;
use crate::token_api::ErrorBody;

/// The generated document as JSON, built on first use.
pub(crate) fn json() -> &'static str {
    static JSON: LazyLock<String> = LazyLock::new(|| {
        // Serialising a tree of strings, maps and numbers cannot fail; should it ever, the
        // document says so rather than the server panicking.
        ApiDoc::openapi().to_json().unwrap_or_else(|error| {
            serde_json::json!({"error": "internal", "message": error.to_string()}).to_string()
        })
    });
    &JSON
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "wxgate central token API",
        version = "1",
        description = "The account's central token server (中控服务器): business services get access_token, tickets and JS-SDK signatures here; nothing else calls cgi-bin/token.",
    ),
    paths(
        crate::token_api::access_token,
        crate::token_api::refresh,
        crate::token_api::jsapi_ticket,
        crate::token_api::wx_card_ticket,
        crate::token_api::jssdk_config,
        crate::proxy::forward,
        crate::proxy::forward_post,
        crate::web::oauth::redeem,
        crate::web::oauth::login_user,
        crate::outbound::send_message,
        crate::outbound::send_template_message,
        crate::funnel_api::create_qrcode,
        crate::funnel_api::scene,
        crate::funnel_api::followers,
        crate::funnel_api::follower,
        crate::token_api::openapi_json,
        crate::webhook::api::dead,
        crate::webhook::api::redrive_route,
    ),
    components(
        // Referenced only from the reusable responses, which do not register it themselves.
        schemas(ErrorBody),
        responses(
            Error400,
            Error401,
            Error403,
            Error404,
            Error409,
            Error413,
            Error429,
            Error502,
            Error503
        ),
    ),
    security(("bearer" = [])),
    modifiers(&BearerScheme),
)]
struct ApiDoc;

/// Adds the `bearer` security scheme every operation but `/v1/openapi.json` requires.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The `{account}` of every `/v1/accounts/…` route.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code, reason = "only its schema is used")]
pub(crate) struct AccountPath {
    /// The account's id in wxgate.toml
    account: String,
}

/// The parameters of the WeChat API proxy.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code, reason = "only its schema is used")]
pub(crate) struct ProxyPath {
    /// The account's id in wxgate.toml
    account: String,
    /// A WeChat API path such as cgi-bin/user/get (slashes kept, nothing percent-encoded):
    /// segments of letters, digits, _, - and ., no . or .. segment, the first one of cgi-bin,
    /// sns, wxa, datacube, card, customservice, merchant, semantic, wxaapi, shop, channels
    path: String,
}

/// The object a page passes to `wx.config`, signed.
// The schema of `wxgate_proto::jssdk::Config`, which stays free of OpenAPI; a test checks that
// both have the same fields.
#[derive(ToSchema)]
#[schema(as = JsSdkConfig, rename_all = "camelCase")]
#[allow(dead_code, reason = "only its schema is used")]
pub(crate) struct JsSdkConfigSchema {
    app_id: String,
    timestamp: u64,
    nonce_str: String,
    signature: String,
    js_api_list: Vec<String>,
}

/// A multipart media upload, as `cgi-bin/media/upload` takes it.
#[derive(ToSchema)]
#[allow(dead_code, reason = "only its schema is used")]
pub(crate) struct MediaUpload {
    #[schema(value_type = Option<String>, format = Binary, nullable = false)]
    media: Vec<u8>,
}

/// Bad body: not JSON, a missing or mistyped field, or an unknown field (the message names it)
#[derive(ToResponse)]
#[allow(dead_code, reason = "only its schema is used")]
pub(crate) struct Error400(ErrorBody);

/// Missing or unknown API key
#[derive(ToResponse)]
#[allow(dead_code, reason = "only its schema is used")]
pub(crate) struct Error401(ErrorBody);

/// forbidden: a scoped key (server.api_keys table with accounts, components or paths) used for
/// an account it is not granted (not in its accounts, nor an authorizer of its components), or
/// for a proxied WeChat API path outside its paths
#[derive(ToResponse)]
#[allow(dead_code, reason = "only its schema is used")]
pub(crate) struct Error403(ErrorBody);

/// unknown_account: no such account in wxgate.toml; unknown_follower: the registry knows no
/// such follower (…/followers/{openid})
#[derive(ToResponse)]
#[allow(dead_code, reason = "only its schema is used")]
pub(crate) struct Error404(ErrorBody);

/// Body over 64 KiB
#[derive(ToResponse)]
#[allow(dead_code, reason = "only its schema is used")]
pub(crate) struct Error413(ErrorBody);

/// refresh_rate_limited: the account's refreshes from stale reports reached
/// server.refresh_limit_per_minute
#[derive(ToResponse)]
#[response(headers(("Retry-After" = u64, description = "Seconds to wait before retrying")))]
#[allow(dead_code, reason = "only its schema is used")]
pub(crate) struct Error429(ErrorBody);

/// WeChat refused (errcode in the body)
#[derive(ToResponse)]
#[allow(dead_code, reason = "only its schema is used")]
pub(crate) struct Error502(ErrorBody);

/// upstream_unavailable: WeChat unreachable and no valid token stored, or the caller waited
/// server.token_wait_ms for a fetch still under way; store_unavailable: the store does not answer
#[derive(ToResponse)]
#[response(headers(("Retry-After" = u64, description = "Seconds to wait before retrying")))]
#[allow(dead_code, reason = "only its schema is used")]
pub(crate) struct Error503(ErrorBody);

/// The refusals of every `/v1/accounts/{account}/…` route: the key and the account.
#[derive(IntoResponses)]
#[allow(dead_code, reason = "only its schema is used")]
pub(crate) enum AccessErrors {
    #[response(status = 401)]
    Unauthorized(#[ref_response] Error401),
    #[response(status = 403)]
    Forbidden(#[ref_response] Error403),
    #[response(status = 404)]
    UnknownAccount(#[ref_response] Error404),
}

/// The failures of a credential from WeChat: refused, or not to be had now.
#[derive(IntoResponses)]
#[allow(dead_code, reason = "only its schema is used")]
pub(crate) enum CredentialErrors {
    #[response(status = 502)]
    Refused(#[ref_response] Error502),
    #[response(status = 503)]
    Unavailable(#[ref_response] Error503),
}

/// The refusals of a JSON request body.
#[derive(IntoResponses)]
#[allow(dead_code, reason = "only its schema is used")]
pub(crate) enum BodyErrors {
    #[response(status = 400)]
    BadBody(#[ref_response] Error400),
    #[response(status = 413)]
    TooLarge(#[ref_response] Error413),
}

/// What the proxy's description says of both methods.
pub(crate) const PROXY_DESCRIPTION: &str = "Forwards to the account's api_base + / + path with the caller's query string (without any access_token or component_access_token of its own) plus access_token=<the account's current token>. When WeChat rejects the token (40001, 40014, 42001) it is refreshed if still the stored one and the call made once more; that second answer is returned whatever it is. Nothing else is retried.";

/// The proxy's answers besides [`AccessErrors`], for both methods.
#[derive(IntoResponses)]
#[allow(dead_code, reason = "only its schema is used")]
pub(crate) enum ProxyAnswers {
    /// WeChat's answer unchanged: status, Content-Type, Content-Disposition and body (JSON, or
    /// binary such as cgi-bin/media/get's file). An answer with errcode 45009 (the API's daily
    /// quota is used up) carries X-Wxgate-Quota-Exhausted: <path>.
    #[response(
        status = "default",
        headers((
            "X-Wxgate-Quota-Exhausted" = String,
            description = "The WeChat API path whose daily quota is used up (errcode 45009)"
        ))
    )]
    WeChat,
    /// bad_path: not a WeChat API path
    #[response(status = 400)]
    BadPath(ErrorBody),
    /// upstream_unavailable: WeChat could not be reached or did not answer in 60 s (not
    /// retried: the call may have had its effect); or, with "error": "wechat", WeChat refused
    /// to issue a token
    #[response(status = 502)]
    Unreachable(ErrorBody),
    #[response(status = 503)]
    Unavailable(#[ref_response] Error503),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_jssdk_config_schema_has_the_fields_of_the_config() {
        let config = wxgate_proto::jssdk::Config::sign(
            "wx0",
            "ticket",
            "nonce",
            1,
            "https://example.com/",
            vec!["scanQRCode".to_owned()],
        );
        let value = serde_json::to_value(config).unwrap();
        let mut serialized: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        serialized.sort_unstable();
        let document: serde_json::Value = serde_json::from_str(json()).unwrap();
        let schema = &document["components"]["schemas"]["JsSdkConfig"];
        let mut documented: Vec<&str> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        documented.sort_unstable();
        assert_eq!(serialized, documented);
        let mut required: Vec<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(serde_json::Value::as_str)
            .collect();
        required.sort_unstable();
        assert_eq!(required, documented);
    }
}
