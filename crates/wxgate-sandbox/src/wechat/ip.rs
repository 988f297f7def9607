//! `GET /cgi-bin/getcallbackip` and `GET /cgi-bin/get_api_domain_ip` (spec §11.6): the sandbox
//! pushes from and serves on loopback, so both lists are `["127.0.0.1"]`.

pub(super) mod get_api_domain_ip;
pub(super) mod getcallbackip;

use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde_json::json;

use super::{params, reply};
use crate::Sandbox;
