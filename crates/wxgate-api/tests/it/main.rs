//! Integration tests of wxgate-api against the sandbox and real stores.

mod client;
mod common;
mod component;
mod coverage;
mod credential;
mod draft;
mod errcode;
mod freepublish;
mod mass;
mod material;
mod media;
mod menu;
mod message;
mod misc;
mod oauth;
mod qrcode;
mod redaction;
mod redis;
mod stale;
mod tags;
mod template;
mod users;
