//! `cgi-bin/qrcode/*`: parametric QR codes (their images: [`crate::endpoint::showqrcode`]).

pub mod create;
