//! The follow funnel under `/v1`: parametric QR codes, the funnel figures of a scene, and the
//! follower registry.
//!
//! Same bearer keys, scopes and JSON errors as the rest of `/v1` ([`crate::token_api`]), plus:
//!
//! | status | `error` | when |
//! |---|---|---|
//! | 400 | `bad_request` | a bad scene, expiry, filter, cursor or limit (the message says which) |
//! | 400 | `wechat` | WeChat refused the QR code's parameters (40097; `errcode`/`errmsg` included) |
//! | 404 | `unknown_follower` | `…/followers/{openid}` for a user the registry does not know |
//! | 409 | `wechat` | WeChat's limit of permanent QR codes is reached (45029) |
//! | 503 + `Retry-After` | `registry_unavailable` | the registry (SQLite, PostgreSQL) failed or did not answer |
//!
//! See [WeChat Docs/生成带参数的二维码](https://developers.weixin.qq.com/doc/offiaccount/Account_Management/Generating_a_Parametric_QR_Code.html).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wxgate_api::endpoint::qrcode::create::{self, MAX_EXPIRE_SECONDS, Scene};
use wxgate_api::endpoint::showqrcode;
use wxgate_store::registry::{Follower, FollowerFilter, MAX_PAGE, RegistryError};

use crate::app::Shared;
use crate::json_body::JsonBody;
use crate::openapi::{AccessErrors, AccountPath, BodyErrors, CredentialErrors};
use crate::token_api::{ApiFailure, Authorized, ErrorCode, credentials};

pub(crate) fn routes(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/accounts/{account}/qrcodes", post(create_qrcode))
        .route("/v1/accounts/{account}/scenes/{scene}", get(scene))
        .route("/v1/accounts/{account}/followers", get(followers))
        .route("/v1/accounts/{account}/followers/{openid}", get(follower))
        .with_state(shared)
}

/// The longest scene, in characters (WeChat counts up to 64).
const MAX_SCENE_CHARS: usize = 64;
/// A page of followers when `limit` is not given.
const DEFAULT_LIMIT: u32 = 100;
/// How long one registry call of these routes may take.
const REGISTRY_CALL: Duration = Duration::from_secs(5);

/// What QR code to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct QrCodeRequest {
    /// 1 to 64 characters. A decimal number (1 to 4294967295; 1 to 100000 for a permanent
    /// code) makes an id scene (QR_SCENE, QR_LIMIT_SCENE), anything else a string scene
    /// (QR_STR_SCENE, QR_LIMIT_STR_SCENE)
    scene: String,
    /// A permanent code (limited in number per account) instead of a temporary one; default false
    #[serde(default)]
    permanent: bool,
    /// How long a temporary code lives, 60 to 2592000 seconds (30 days); default 2592000. Not
    /// with permanent
    #[serde(default)]
    #[schema(minimum = 60, maximum = 2592000)]
    expire_secs: Option<u64>,
}

/// A created QR code.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = QrCode)]
pub(crate) struct QrCodeBody {
    /// WeChat's ticket of the code
    ticket: String,
    /// What the QR code encodes (render it yourself, or use image_url)
    url: String,
    /// WeChat's image of the code (showqrcode)
    image_url: String,
    /// Unix seconds when a temporary code stops working; null for a permanent one
    expires_at: Option<u64>,
}

#[utoipa::path(
    post,
    path = "/v1/accounts/{account}/qrcodes",
    tag = "follow funnel",
    operation_id = "create_qrcode",
    summary = "Create a parametric QR code for a scene (a campaign's code)",
    description = "Scanning it pushes subscribe (EventKey qrscene_<scene>) for a new follower or SCAN for an existing one; [[accounts.campaigns]] answer both, and the scene's figures count them. WeChat's refusals: 40097 (bad parameters) is 400, 45029 (too many permanent codes) is 409, others 502.",
    params(AccountPath),
    request_body(content = QrCodeRequest, description = "A JSON object; unknown fields are refused."),
    responses(
        (status = 200, description = "OK", body = QrCodeBody),
        BodyErrors,
        AccessErrors,
        CredentialErrors,
        (status = 409, description = "WeChat's limit of permanent codes (45029)", body = crate::token_api::ErrorBody),
    ),
)]
pub(crate) async fn create_qrcode(
    _key: Authorized,
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
    JsonBody(body): JsonBody<QrCodeRequest>,
) -> Result<Json<QrCodeBody>, ApiFailure> {
    let credentials = credentials(&shared, &account).await?;
    let request = qr_request(&body)?;
    let created =
        credentials
            .call(&request)
            .await
            .map_err(|error| match ApiFailure::from(error) {
                failure if failure.errcode() == Some(40097) => {
                    failure.with_status(StatusCode::BAD_REQUEST)
                }
                failure if failure.errcode() == Some(45029) => {
                    failure.with_status(StatusCode::CONFLICT)
                }
                failure => failure,
            })?;
    // WeChat serves the images from its own host; a sandbox (or another api_base) from its own.
    let image_base = match credentials.client().base_url() {
        base if base == wxgate_api::DEFAULT_BASE_URL => showqrcode::BASE_URL,
        other => other,
    };
    let expires_at = request.expire_seconds().map(|requested| {
        shared.unix_now() + created.expire_seconds.unwrap_or(u64::from(requested))
    });
    Ok(Json(QrCodeBody {
        image_url: showqrcode::url(image_base, &created.ticket),
        ticket: created.ticket,
        url: created.url,
        expires_at,
    }))
}

/// The `qrcode/create` request of `body`, or a 400 that says what is wrong.
fn qr_request(body: &QrCodeRequest) -> Result<create::Request, ApiFailure> {
    check_scene(&body.scene)?;
    let scene = Scene::parse(&body.scene);
    let request = if body.permanent {
        if body.expire_secs.is_some() {
            return Err(bad_request(
                "\"expire_secs\" is for temporary codes; a permanent code does not expire",
            ));
        }
        create::Request::permanent(scene)
    } else {
        let seconds = body.expire_secs.unwrap_or(u64::from(MAX_EXPIRE_SECONDS));
        if !(60..=u64::from(MAX_EXPIRE_SECONDS)).contains(&seconds) {
            return Err(bad_request(format!(
                "\"expire_secs\" must be 60..={MAX_EXPIRE_SECONDS} (30 days), not {seconds}"
            )));
        }
        create::Request::temporary(scene, seconds)
    };
    request.map_err(|invalid| bad_request(invalid.to_string()))
}

fn check_scene(scene: &str) -> Result<(), ApiFailure> {
    let chars = scene.chars().count();
    if chars == 0 || chars > MAX_SCENE_CHARS {
        return Err(bad_request(format!(
            "a scene must be 1..={MAX_SCENE_CHARS} characters, not {chars}"
        )));
    }
    Ok(())
}

fn bad_request(message: impl Into<String>) -> ApiFailure {
    ApiFailure::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, message)
}

/// The registry's answer, or 503 `registry_unavailable` (400 for an argument it refused).
async fn registry<T>(
    call: impl Future<Output = Result<T, RegistryError>>,
) -> Result<T, ApiFailure> {
    match tokio::time::timeout(REGISTRY_CALL, call).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(RegistryError::InvalidArgument(message))) => Err(bad_request(message)),
        Ok(Err(error)) => Err(ApiFailure::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::RegistryUnavailable,
            error.to_string(),
        )
        .retry_after(1)),
        Err(_) => Err(ApiFailure::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::RegistryUnavailable,
            format!(
                "the registry did not answer within {} s",
                REGISTRY_CALL.as_secs()
            ),
        )
        .retry_after(1)),
    }
}

/// 404 `unknown_account` unless `account` is configured.
async fn known_account(shared: &Shared, account: &str) -> Result<(), ApiFailure> {
    credentials(shared, account).await.map(drop)
}

/// The funnel figures of one scene.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = SceneFigures)]
pub(crate) struct SceneBody {
    scene: String,
    /// SCAN pushes: scans of the code by users who already followed
    scans: u64,
    /// Follows through the code (subscribe with qrscene_<scene>)
    subscribes: u64,
    /// Later unfollows of users whose latest follow was through the code
    unsubscribes: u64,
}

/// The path of `…/scenes/{scene}`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code, reason = "only its schema is used")]
pub(crate) struct ScenePath {
    /// The account's id in wxgate.toml
    account: String,
    /// The scene, as given to …/qrcodes (1 to 64 characters)
    scene: String,
}

#[utoipa::path(
    get,
    path = "/v1/accounts/{account}/scenes/{scene}",
    tag = "follow funnel",
    operation_id = "scene_figures",
    summary = "The follow funnel of one QR scene (all zero for a scene never scanned)",
    params(ScenePath),
    responses(
        (status = 200, description = "OK", body = SceneBody),
        (status = 400, response = crate::openapi::Error400),
        AccessErrors,
        (status = 503, response = crate::openapi::Error503),
    ),
)]
pub(crate) async fn scene(
    _key: Authorized,
    State(shared): State<Arc<Shared>>,
    Path((account, scene)): Path<(String, String)>,
) -> Result<Json<SceneBody>, ApiFailure> {
    known_account(&shared, &account).await?;
    check_scene(&scene)?;
    let counts = registry(shared.registry.scene_counts(&account, &scene)).await?;
    Ok(Json(SceneBody {
        scene,
        scans: counts.scans,
        subscribes: counts.subscribes,
        unsubscribes: counts.unsubscribes,
    }))
}

/// A follower as the registry keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = Follower)]
pub(crate) struct FollowerBody {
    openid: String,
    /// Across the accounts bound to one Open Platform account; null when unknown
    unionid: Option<String>,
    /// Whether the user follows the account now
    subscribed: bool,
    /// When the user last followed, unix seconds (WeChat's figure); null until the profile is known
    subscribe_time: Option<i64>,
    /// How the user followed (ADD_SCENE_QR_CODE, ADD_SCENE_SEARCH, …); null until the profile is known
    subscribe_scene: Option<String>,
    /// The QR scene of the user's latest follow through a parametric code
    scene: Option<String>,
    /// The user's tag ids
    tags: Vec<u32>,
    /// The operator's note on the user ("" for none)
    remark: String,
    /// When the registry first heard of the user, unix milliseconds
    first_seen_ms: i64,
    /// When the registry last changed the record, unix milliseconds
    updated_at_ms: i64,
    /// When the user unfollowed, unix milliseconds; null while following
    unsubscribed_at_ms: Option<i64>,
}

impl From<Follower> for FollowerBody {
    fn from(follower: Follower) -> Self {
        Self {
            openid: follower.openid,
            unionid: follower.unionid,
            subscribed: follower.subscribed,
            subscribe_time: follower.subscribe_time,
            subscribe_scene: follower.subscribe_scene,
            scene: follower.qr_scene,
            tags: follower.tags,
            remark: follower.remark,
            first_seen_ms: follower.first_seen_ms,
            updated_at_ms: follower.updated_at_ms,
            unsubscribed_at_ms: follower.unsubscribed_at_ms,
        }
    }
}

/// The filters and paging of `…/followers`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct FollowersQuery {
    /// Followers with this tag id
    tag: Option<String>,
    /// Followers whose latest follow was through this QR scene
    scene: Option<String>,
    /// true: followers who follow now; false: those who unfollowed
    subscribed: Option<String>,
    /// The next_cursor of the previous page
    cursor: Option<String>,
    /// Followers per page, 1 to 1000; default 100
    limit: Option<String>,
}

impl FollowersQuery {
    fn filter(&self) -> Result<FollowerFilter, ApiFailure> {
        let tag = match self.tag.as_deref() {
            None => None,
            Some(tag) => Some(tag.parse::<u32>().map_err(|_| {
                bad_request(format!("\"tag\" must be a tag id (a number), not {tag:?}"))
            })?),
        };
        if let Some(scene) = &self.scene {
            check_scene(scene)?;
        }
        let subscribed = match self.subscribed.as_deref() {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(other) => {
                return Err(bad_request(format!(
                    "\"subscribed\" must be true or false, not {other:?}"
                )));
            }
        };
        Ok(FollowerFilter {
            tag,
            scene: self.scene.clone(),
            subscribed,
        })
    }

    fn limit(&self) -> Result<u32, ApiFailure> {
        let Some(limit) = self.limit.as_deref() else {
            return Ok(DEFAULT_LIMIT);
        };
        limit
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| {
                bad_request(format!(
                    "\"limit\" must be a number 1..={MAX_PAGE}, not {limit:?}"
                ))
            })
    }
}

/// One page of followers.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FollowerPage)]
pub(crate) struct FollowerPageBody {
    /// In the order the registry first saw them
    followers: Vec<FollowerBody>,
    /// Pass as cursor for the next page; null on the last page
    next_cursor: Option<String>,
    /// How many followers match the filters in all
    total: u64,
}

#[utoipa::path(
    get,
    path = "/v1/accounts/{account}/followers",
    tag = "follow funnel",
    operation_id = "list_followers",
    summary = "The account's followers from the registry, filtered and paged",
    description = "Paging by cursor never returns a follower twice nor misses one that existed when paging started; followers added meanwhile come on later pages. An unknown query parameter, a bad filter, cursor or limit is 400.",
    params(AccountPath, FollowersQuery),
    responses(
        (status = 200, description = "OK", body = FollowerPageBody),
        (status = 400, response = crate::openapi::Error400),
        AccessErrors,
        (status = 503, response = crate::openapi::Error503),
    ),
)]
pub(crate) async fn followers(
    _key: Authorized,
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
    query: Result<Query<FollowersQuery>, QueryRejection>,
) -> Result<Json<FollowerPageBody>, ApiFailure> {
    known_account(&shared, &account).await?;
    let Query(query) = query.map_err(|rejection| bad_request(rejection.body_text()))?;
    let filter = query.filter()?;
    let limit = query.limit()?;
    let page = registry(shared.registry.list_followers(
        &account,
        &filter,
        query.cursor.as_deref(),
        limit,
    ))
    .await?;
    let total = registry(shared.registry.count_followers(&account, &filter)).await?;
    Ok(Json(FollowerPageBody {
        followers: page.followers.into_iter().map(FollowerBody::from).collect(),
        next_cursor: page.next_cursor,
        total,
    }))
}

/// The path of `…/followers/{openid}`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code, reason = "only its schema is used")]
pub(crate) struct FollowerPath {
    /// The account's id in wxgate.toml
    account: String,
    /// The user's OpenID in this account
    openid: String,
}

#[utoipa::path(
    get,
    path = "/v1/accounts/{account}/followers/{openid}",
    tag = "follow funnel",
    operation_id = "get_follower",
    summary = "One follower from the registry",
    params(FollowerPath),
    responses(
        (status = 200, description = "OK", body = FollowerBody),
        AccessErrors,
        (status = 503, response = crate::openapi::Error503),
    ),
)]
pub(crate) async fn follower(
    _key: Authorized,
    State(shared): State<Arc<Shared>>,
    Path((account, openid)): Path<(String, String)>,
) -> Result<Json<FollowerBody>, ApiFailure> {
    known_account(&shared, &account).await?;
    registry(shared.registry.follower(&account, &openid))
        .await?
        .map(|follower| Json(FollowerBody::from(follower)))
        .ok_or_else(|| {
            ApiFailure::new(
                StatusCode::NOT_FOUND,
                ErrorCode::UnknownFollower,
                "the registry knows no such follower of this account",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(scene: &str, permanent: bool, expire_secs: Option<u64>) -> QrCodeRequest {
        QrCodeRequest {
            scene: scene.to_owned(),
            permanent,
            expire_secs,
        }
    }

    #[test]
    fn numeric_scenes_are_id_scenes_and_the_rest_string_scenes() {
        let kind = |r: QrCodeRequest| qr_request(&r).map(|q| q.action_name());
        assert_eq!(kind(request("42", false, None)).unwrap(), "QR_SCENE");
        assert_eq!(
            kind(request("table-7", false, None)).unwrap(),
            "QR_STR_SCENE"
        );
        assert_eq!(
            kind(request("100000", true, None)).unwrap(),
            "QR_LIMIT_SCENE"
        );
        assert_eq!(
            kind(request("poster", true, None)).unwrap(),
            "QR_LIMIT_STR_SCENE"
        );
        let temporary = qr_request(&request("x", false, None)).unwrap();
        assert_eq!(temporary.expire_seconds(), Some(MAX_EXPIRE_SECONDS));
        assert_eq!(
            qr_request(&request("x", false, Some(60)))
                .unwrap()
                .expire_seconds(),
            Some(60)
        );
    }

    #[test]
    fn bad_codes_are_refused_before_wechat() {
        for bad in [
            request("", false, None),
            request(&"x".repeat(65), false, None),
            request("100001", true, None),
            request("0", false, None),
            request("x", false, Some(59)),
            request("x", false, Some(2_592_001)),
            request("x", true, Some(60)),
        ] {
            let failure = qr_request(&bad).unwrap_err();
            assert_eq!(failure.errcode(), None);
            assert_eq!(
                axum::response::IntoResponse::into_response(failure).status(),
                StatusCode::BAD_REQUEST,
                "{bad:?}"
            );
        }
        // 64 characters pass the count of characters; WeChat's limit is also 64 bytes.
        assert!(qr_request(&request(&"码".repeat(64), false, None)).is_err());
        assert!(qr_request(&request(&"x".repeat(64), false, None)).is_ok());
    }

    #[test]
    fn filters_and_limits_are_checked() {
        let query =
            |tag: Option<&str>, subscribed: Option<&str>, limit: Option<&str>| FollowersQuery {
                tag: tag.map(str::to_owned),
                subscribed: subscribed.map(str::to_owned),
                limit: limit.map(str::to_owned),
                ..FollowersQuery::default()
            };
        let ok = query(Some("2"), Some("false"), Some("1000"));
        let filter = ok.filter().unwrap();
        assert_eq!((filter.tag, filter.subscribed), (Some(2), Some(false)));
        assert_eq!(ok.limit().unwrap(), 1000);
        assert_eq!(query(None, None, None).limit().unwrap(), DEFAULT_LIMIT);
        assert!(query(Some("x"), None, None).filter().is_err());
        assert!(query(None, Some("yes"), None).filter().is_err());
        for limit in ["0", "1001", "-1", "ten"] {
            assert!(query(None, None, Some(limit)).limit().is_err(), "{limit}");
        }
    }
}
