//! Integration tests of the gateway, driven through its axum router without a socket.

mod bad_input;
mod callback;
mod common;
mod component;
mod component_gateway;
mod dedup;
mod faults_callback;
mod faults_tokens;
mod funnel;
mod json_body;
mod openapi;
mod outbound;
mod proxy;
mod redis;
mod sandboxed;
mod web;
mod webhooks;
mod world;
