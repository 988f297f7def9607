#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

pub mod backoff;
pub mod callback;
pub mod clock;
pub mod component;
pub mod crypto;
pub mod envelope;
pub mod event;
pub mod id;
pub mod jssdk;
pub mod message;
pub mod nonce;
pub mod oauth;
pub mod reply;
pub mod secret;
pub mod signature;
pub mod xml;
