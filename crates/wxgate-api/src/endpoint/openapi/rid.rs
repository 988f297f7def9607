//! `cgi-bin/openapi/rid/*`: what WeChat recorded about a failed call.

pub mod get;
