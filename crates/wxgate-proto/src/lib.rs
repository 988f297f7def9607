//! Sans-IO core of the WeChat Official Account protocol.
//!
//! Everything here is a pure function or a plain type: no sockets, no hidden clocks, no hidden
//! randomness (callers pass timestamps, clocks, random bytes and random generators in). It is tested with the official vectors of
//! WeChat's documentation and of its WXBizMsgCrypt sample code (plus a few from other SDKs' test
//! suites); `src/crypto/vectors.rs` names the origin of each.
//!
//! | module | what |
//! |---|---|
//! | [`signature`] | `signature` / `msg_signature` (SHA-1 over sorted parts), constant-time checks |
//! | [`crypto`] | WXBizMsgCrypt: EncodingAESKey, AES-256-CBC with 32-byte PKCS#7, appid trailer |
//! | [`envelope`] | encrypted request and reply envelopes, third-party envelope |
//! | [`xml`] | safe XML reader (no DTD, bounded) and CDATA writer |
//! | [`message`] | typed inbound messages and events, with a raw fallback |
//! | [`reply`] | every passive reply, and `success` |
//! | [`callback`] | verifying and opening a callback request, sealing its response |
//! | [`component`] | third-party platform notifications |
//! | [`jssdk`] | `wx.config` and card signatures |
//! | [`oauth`] | OAuth2 authorize URLs |
//! | [`nonce`] | callback `nonce` and JS-SDK `noncestr` from the caller's random generator |
//! | [`backoff`] | exponential back-off with full jitter |
//! | [`clock`] | the injectable wall [`clock::Clock`] |
//! | [`id`] | `AppId`, `OpenId`, `MediaId` newtypes |
//! | [`secret`] | the redacting [`secret::Secret`] |
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
