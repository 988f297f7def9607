//! `cgi-bin/message/custom/*`: customer-service messages (客服消息).

pub mod send;
pub mod typing;
