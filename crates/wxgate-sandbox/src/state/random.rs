//! Random values: ids, tokens, nonces, and the generator behind them (seeded in deterministic
//! mode).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::State;

impl State {
    /// `len` characters from `alphabet`.
    pub(crate) fn random_string(&mut self, alphabet: &[u8], len: usize) -> String {
        wxgate_proto::nonce::from_alphabet(&mut self.rng, alphabet, len)
    }

    pub(crate) fn random_token(&mut self) -> String {
        self.serial += 1;
        let body = self.random_string(URL_SAFE, 128);
        format!("{}_{body}", 70 + self.serial % 30)
    }

    /// A new OpenID, unique across every app.
    pub(crate) fn random_openid(&mut self) -> String {
        loop {
            let openid = format!("o{}", self.random_string(URL_SAFE, 27));
            if !self.apps.values().any(|a| a.users.contains_key(&openid)) {
                return openid;
            }
        }
    }

    pub(crate) fn random_nonce(&mut self) -> String {
        wxgate_proto::nonce::numeric(&mut self.rng)
    }

    pub(crate) fn random16(&mut self) -> [u8; 16] {
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(
            wxgate_proto::nonce::from_alphabet(&mut self.rng, ALNUM, 16).as_bytes(),
        );
        bytes
    }

    pub(crate) fn random_u63(&mut self) -> u64 {
        self.rng.random::<u64>() >> 1
    }
}

pub(crate) fn rng_for(seed: Option<u64>) -> StdRng {
    rng_for_load(seed, 0)
}

/// The generator of the `loads`-th start from a state file (0: a fresh state).
pub(crate) fn rng_for_load(seed: Option<u64>, loads: u64) -> StdRng {
    match seed {
        Some(seed) => StdRng::seed_from_u64(seed ^ loads.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
        None => StdRng::from_os_rng(),
    }
}

pub(crate) const URL_SAFE: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
pub(crate) const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
