//! Nonces: the `nonce` of a callback (digits, as WeChat sends them) and the `noncestr` of a
//! JS-SDK signature (letters and digits; see
//! [WeChat Docs/JS-SDK 说明文档 附录1](https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/JS-SDK.html#62)).
//!
//! The random generator is the caller's, so a seeded one gives reproducible nonces.

use rand::Rng;

/// `A–Z`, `a–z`, `0–9`.
pub const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// `len` characters drawn uniformly from `alphabet` (ASCII; an empty alphabet gives "").
pub fn from_alphabet<R: Rng + ?Sized>(rng: &mut R, alphabet: &[u8], len: usize) -> String {
    if alphabet.is_empty() {
        return String::new();
    }
    (0..len)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

/// `len` letters and digits: a JS-SDK `noncestr`, or any random token of that shape.
pub fn alphanumeric<R: Rng + ?Sized>(rng: &mut R, len: usize) -> String {
    from_alphabet(rng, ALPHANUMERIC, len)
}

/// A callback `nonce`: a 9- or 10-digit decimal number, the shape WeChat sends.
pub fn numeric<R: Rng + ?Sized>(rng: &mut R) -> String {
    rng.random_range(100_000_000u32..4_000_000_000).to_string()
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    #[test]
    fn alphanumeric_has_the_length_and_alphabet() {
        let mut rng = StdRng::seed_from_u64(1);
        let nonce = alphanumeric(&mut rng, 16);
        assert_eq!(nonce.len(), 16);
        assert!(nonce.bytes().all(|b| b.is_ascii_alphanumeric()), "{nonce}");
    }

    #[test]
    fn numeric_is_nine_or_ten_digits() {
        let mut rng = StdRng::seed_from_u64(2);
        for _ in 0..100 {
            let nonce = numeric(&mut rng);
            assert!((9..=10).contains(&nonce.len()), "{nonce}");
            assert!(nonce.bytes().all(|b| b.is_ascii_digit()), "{nonce}");
        }
    }

    #[test]
    fn same_seed_same_nonce() {
        let a = alphanumeric(&mut StdRng::seed_from_u64(3), 32);
        let b = alphanumeric(&mut StdRng::seed_from_u64(3), 32);
        assert_eq!(a, b);
    }

    #[test]
    fn empty_alphabet_gives_empty_string() {
        assert_eq!(from_alphabet(&mut StdRng::seed_from_u64(4), b"", 5), "");
    }
}
