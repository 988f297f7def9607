//! Integration tests of wxgate-api against the sandbox and real stores.

mod client;
mod common;
mod coverage;
mod credential;
mod draft;
mod errcode;
mod freepublish;
mod material;
mod media;
mod menu;
mod oauth;
mod qrcode;
mod redaction;
mod redis;
mod stale;
mod tags;
mod users;
