//! Integration tests of wxgate-api against the sandbox and real stores.

mod client;
mod common;
mod coverage;
mod credential;
mod errcode;
mod mass;
mod message;
mod misc;
mod redaction;
mod redis;
mod stale;
mod template;
