//! The wxgate gateway: WeChat callback endpoints, message routing, de-duplication of WeChat's
//! retries, the callback deadline with deferred replies, and (with the API client) the central
//! token API.
//!
//! ```no_run
//! use wxgate_server::{Config, Gateway, Incoming, MessageRouter};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = Config::load("wxgate.toml".as_ref())?;
//! let gateway = Gateway::builder(config)
//!     .messages(MessageRouter::new().keyword("ping", |_m: Incoming| async { "pong" }))
//!     .build()
//!     .await?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! wxgate_server::serve(&gateway, listener).await?;
//! # Ok(()) }
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod app;
mod callback;
pub mod config;
mod dedup;
pub mod deferred;
mod delivery;
mod handler;
mod health;
mod json_body;
mod metrics;
mod proxy;
mod replay;
mod router;
pub mod token_api;

pub use app::{
    CALLBACK_PATH, Gateway, GatewayBuilder, GatewayError, HEALTH_PATH, METRICS_PATH, serve,
};
pub use config::{Config, ConfigError};
pub use dedup::Outcome;
pub use handler::{BoxFuture, Handler, Incoming, IntoReply};
pub use router::{EventKind, MessageRouter, MsgType};
pub use wxgate_api as api;
pub use wxgate_proto as proto;
