//! `cgi-bin/message/*`: messages sent by the account.

pub mod custom;
pub mod mass;
pub mod template;
