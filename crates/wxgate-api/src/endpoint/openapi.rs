//! `cgi-bin/openapi/*`: quota and request-id queries.

pub mod quota;
pub mod rid;
