#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod app;
mod body;
mod callback;
mod component;
pub mod config;
mod dedup;
pub mod deferred;
mod delivery;
mod funnel;
mod funnel_api;
mod handler;
mod health;
mod json_body;
mod metrics;
mod openapi;
mod origin;
mod outbound;
mod proxy;
mod replay;
mod router;
pub mod token_api;
mod web;
pub mod webhook;

pub use app::{
    CALLBACK_PATH, Gateway, GatewayBuilder, GatewayError, HEALTH_PATH, METRICS_PATH, serve,
};
pub use component::authorize::{COMPONENT_AUTHORIZE_PATH, COMPONENT_AUTHORIZED_PATH};
pub use component::{AUTHORIZER_RECHECK, COMPONENT_EVENTS_PATH, COMPONENT_MESSAGE_PATH};
pub use config::{Config, ConfigError};
pub use dedup::Outcome;
pub use handler::{BoxFuture, Handler, Incoming, IntoReply};
pub use router::{EventKind, MessageRouter, MsgType};
pub use web::oauth::{Redeemed, WebLogin};
pub use wxgate_api as api;
pub use wxgate_proto as proto;
