//! `cgi-bin/user/tag/*`: the followers of a tag.

pub mod get;
