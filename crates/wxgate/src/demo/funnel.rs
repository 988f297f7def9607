//! `GET /demo/funnel`: the follow funnel of the demo account, as a page that polls
//! `GET /demo/funnel.json`: the campaigns' QR codes, each scene's figures and the follower
//! registry, read straight from the gateway's registry (the demo needs no API key for it; a
//! real deployment reads the same figures through the `/v1` API).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value, json};
use wxgate_store::registry::{FollowerFilter, Registry};

/// The page.
pub(super) const PAGE_PATH: &str = "/demo/funnel";
/// Its data.
pub(super) const DATA_PATH: &str = "/demo/funnel.json";

const PAGE: &str = include_str!("funnel.html");
/// Followers shown on the page at most.
const SHOWN: u32 = 200;

/// What the page shows: the demo account's registry and the QR codes the demo created.
#[derive(Debug)]
pub(super) struct Funnel {
    pub(super) account: &'static str,
    pub(super) registry: Arc<dyn Registry>,
    /// (scene, showqrcode URL) of each campaign code, once created.
    pub(super) codes: std::sync::OnceLock<Vec<(String, String)>>,
}

pub(super) fn routes(funnel: Arc<Funnel>) -> axum::Router {
    axum::Router::new()
        .route(PAGE_PATH, axum::routing::get(|| async { Html(PAGE) }))
        .route(DATA_PATH, axum::routing::get(data))
        .with_state(funnel)
}

async fn data(State(funnel): State<Arc<Funnel>>) -> Response {
    match read(&funnel).await {
        Ok(value) => Json(value).into_response(),
        Err(error) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"error": "registry_unavailable", "message": error.to_string()})),
        )
            .into_response(),
    }
}

async fn read(funnel: &Funnel) -> Result<Value, wxgate_store::registry::RegistryError> {
    let registry = funnel.registry.as_ref();
    let mut scenes = Vec::new();
    let codes = funnel.codes.get().map(Vec::as_slice).unwrap_or_default();
    for (scene, _) in codes {
        let counts = registry.scene_counts(funnel.account, scene).await?;
        scenes.push(json!({
            "scene": scene,
            "scans": counts.scans,
            "subscribes": counts.subscribes,
            "unsubscribes": counts.unsubscribes,
        }));
    }
    let all = FollowerFilter::default();
    let total = registry.count_followers(funnel.account, &all).await?;
    let page = registry
        .list_followers(funnel.account, &all, None, SHOWN)
        .await?;
    let followers: Vec<Value> = page
        .followers
        .iter()
        .map(|f| {
            json!({
                "openid": f.openid,
                "remark": f.remark,
                "scene": f.qr_scene,
                "subscribed": f.subscribed,
                "tags": f.tags,
            })
        })
        .collect();
    let codes: Vec<Value> = codes
        .iter()
        .map(|(scene, url)| json!({"scene": scene, "image_url": url}))
        .collect();
    Ok(json!({"codes": codes, "scenes": scenes, "followers": followers, "total": total}))
}
