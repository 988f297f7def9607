//! `cgi-bin/message/template/*`: template messages (模板消息). The templates themselves are
//! managed under [`crate::endpoint::template`].

pub mod send;
