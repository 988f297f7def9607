//! `cgi-bin/ticket/*`: JS-SDK and card tickets.

pub mod getticket;
