//! `cgi-bin/callback/*`: checks of the account's callback server.

pub mod check;
