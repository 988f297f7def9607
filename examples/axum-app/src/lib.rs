//! A business's own axum app with the wxgate gateway mounted in it.
//!
//! The shop keeps its orders; its staff set an order's status over HTTP
//! (`PUT /orders/{id}` with `{"status": "shipped"}`), and a customer who writes `order 42` to the
//! Official Account gets the status as a passive reply. Everything else — WeChat's callback,
//! signatures and encryption, the token API under `/v1`, `/healthz`, `/metrics` — is the gateway's,
//! served by the same app on the same port.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;
use wxgate_server::{Config, Gateway, Incoming, MessageRouter};

/// The shop's orders: id → status.
#[derive(Clone, Default)]
pub struct Orders(Arc<Mutex<HashMap<u64, String>>>);

impl Orders {
    fn status(&self, id: u64) -> Option<String> {
        self.0.lock().ok()?.get(&id).cloned()
    }

    fn set(&self, id: u64, status: String) {
        if let Ok(mut orders) = self.0.lock() {
            orders.insert(id, status);
        }
    }
}

#[derive(Deserialize)]
struct StatusBody {
    status: String,
}

/// The app: the shop's routes and the gateway's, one router. Returns the gateway too, whose
/// background workers the caller starts ([`Gateway::spawn_workers`]).
///
/// # Errors
///
/// The gateway's, when its store cannot be opened.
pub async fn app(config: Config, orders: Orders) -> anyhow::Result<(Router, Gateway)> {
    let pattern = regex::Regex::new(r"^order (\d+)$")?;
    let lookup = orders.clone();
    let messages = MessageRouter::new().regex(pattern, move |message: Incoming| {
        let orders = lookup.clone();
        async move {
            let text = message.text().unwrap_or_default();
            let id = text
                .trim_start_matches("order ")
                .parse::<u64>()
                .unwrap_or_default();
            match orders.status(id) {
                Some(status) => format!("Order {id}: {status}"),
                None => format!("No order {id}"),
            }
        }
    });
    let gateway = Gateway::builder(config).messages(messages).build().await?;
    let shop = Router::new()
        .route("/orders/{id}", put(set_status))
        .route("/", get(|| async { "the shop" }))
        .with_state(orders);
    Ok((shop.merge(gateway.router()), gateway))
}

async fn set_status(
    State(orders): State<Orders>,
    Path(id): Path<u64>,
    Json(body): Json<StatusBody>,
) -> StatusCode {
    orders.set(id, body.status);
    StatusCode::NO_CONTENT
}
