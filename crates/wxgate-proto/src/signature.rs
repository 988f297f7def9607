//! The SHA-1 signatures WeChat puts on callback URLs: `signature` (see
//! [WeChat Docs/接入概述](https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Access_Overview.html))
//! and `msg_signature` (see
//! [WeChat Docs/消息加解密说明](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Message_encryption_and_decryption_instructions.html)).
//!
//! Both `signature` (token, timestamp, nonce) and `msg_signature` (token, timestamp, nonce,
//! Encrypt) are the lowercase hex SHA-1 of the parts sorted as byte strings and concatenated.

use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

/// Signs `parts` the WeChat way: sort as byte strings, concatenate, SHA-1, lowercase hex.
///
/// # Examples
///
/// ```
/// // The URL-verification example of WeChat's message push documentation.
/// let sig = wxgate_proto::signature::sign(&["AAAAA", "1714036504", "1514711492"]);
/// assert_eq!(sig, "f464b24fc39322e44b38aa78f5edd27bd1441696");
/// ```
#[must_use]
pub fn sign(parts: &[&str]) -> String {
    let mut hex = [0u8; 40];
    // A 20-byte digest always fits 40 hex digits, which are ASCII.
    let _ = hex::encode_to_slice(digest(parts), &mut hex);
    std::str::from_utf8(&hex)
        .map(str::to_owned)
        .unwrap_or_default()
}

/// Checks `expected_hex` against the signature of `parts`, in constant time.
///
/// Only the lowercase hex form WeChat sends is accepted.
///
/// # Examples
///
/// ```
/// use wxgate_proto::signature::verify;
/// assert!(verify(&["AAAAA", "1714037059", "486452656"], "899cf89e464efb63f54ddac96b0a0a235f53aa78"));
/// assert!(!verify(&["AAAAA", "1714037059", "486452657"], "899cf89e464efb63f54ddac96b0a0a235f53aa78"));
/// ```
#[must_use]
pub fn verify(parts: &[&str], expected_hex: &str) -> bool {
    let mut expected = [0u8; 20];
    if expected_hex.len() != 40
        || expected_hex.bytes().any(|b| b.is_ascii_uppercase())
        || hex::decode_to_slice(expected_hex, &mut expected).is_err()
    {
        return false;
    }
    digest(parts).ct_eq(&expected).into()
}

fn digest(parts: &[&str]) -> [u8; 20] {
    let mut sorted: smallvec_lite::Parts<'_> = smallvec_lite::Parts::new(parts);
    sorted.as_mut().sort_unstable();
    let mut hasher = Sha1::new();
    for part in sorted.as_mut().iter() {
        hasher.update(part.as_bytes());
    }
    hasher.finalize().into()
}

/// Up to four parts are sorted on the stack (the callback hot path); more go to the heap.
mod smallvec_lite {
    pub(super) enum Parts<'a> {
        Inline([&'a str; 4], usize),
        Heap(Vec<&'a str>),
    }

    impl<'a> Parts<'a> {
        pub(super) fn new(parts: &[&'a str]) -> Self {
            if parts.len() <= 4 {
                let mut inline = [""; 4];
                inline[..parts.len()].copy_from_slice(parts);
                Self::Inline(inline, parts.len())
            } else {
                Self::Heap(parts.to_vec())
            }
        }

        pub(super) fn as_mut(&mut self) -> &mut [&'a str] {
            match self {
                Self::Inline(inline, len) => &mut inline[..*len],
                Self::Heap(heap) => heap,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_url_verification() {
        assert_eq!(
            sign(&["AAAAA", "1714036504", "1514711492"]),
            "f464b24fc39322e44b38aa78f5edd27bd1441696"
        );
    }

    #[test]
    fn v2_plaintext_post() {
        assert!(verify(
            &["AAAAA", "1714037059", "486452656"],
            "899cf89e464efb63f54ddac96b0a0a235f53aa78"
        ));
    }

    #[test]
    fn sort_is_bytewise_not_numeric() {
        // "9" > "10" as strings; a numeric sort would give a different digest.
        let bytewise = sign(&["9", "10", "t"]);
        assert_eq!(bytewise, hex::encode(Sha1::digest(b"109t")));
    }

    #[test]
    fn rejects_malformed_expected() {
        let parts = ["AAAAA", "1714037059", "486452656"];
        assert!(!verify(&parts, ""));
        assert!(!verify(&parts, "899CF89E464EFB63F54DDAC96B0A0A235F53AA78"));
        assert!(!verify(&parts, "899cf89e464efb63f54ddac96b0a0a235f53aa7"));
        assert!(!verify(&parts, "zz9cf89e464efb63f54ddac96b0a0a235f53aa78"));
    }

    #[test]
    fn more_than_four_parts() {
        assert_eq!(
            sign(&["e", "d", "c", "b", "a"]),
            hex::encode(Sha1::digest(b"abcde"))
        );
    }
}
