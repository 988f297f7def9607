//! `cgi-bin/openapi/quota/*`: one API's quota.

pub mod clear;
pub mod get;
