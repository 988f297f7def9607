//! WXBizMsgCrypt: the AES message encryption of compatible and safe modes.
//!
//! See [WeChat Docs/消息加解密说明](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Message_encryption_and_decryption_instructions.html).
//!
//! ```text
//! FullStr = random(16) || len(msg) as u32 big-endian || msg || appid
//! Encrypt = base64(AES-256-CBC(key, iv = key[..16], PKCS#7 over 32-byte blocks(FullStr)))
//! ```

use std::fmt;

use aes::Aes256;
use base64::Engine as _;
use base64::alphabet;
use base64::engine::{GeneralPurpose, GeneralPurposeConfig};
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, InnerIvInit, KeyInit};

use crate::signature;

/// PKCS#7 block size WeChat pads to (not AES's 16).
const PAD_BLOCK: usize = 32;

/// Standard alphabet, padded output, and decoding that tolerates non-zero trailing bits (WeChat's
/// EncodingAESKey is 43 characters of base64 whose last character carries unused bits).
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

/// What went wrong while encrypting, decrypting or checking a message.
///
/// Kinds are named after the official WXBizMsgCrypt sample's error codes; [`CryptoError::code`]
/// gives the number. Texts never contain key material or plaintext.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// −40001: `msg_signature` does not match.
    #[error("message signature mismatch")]
    ValidateSignature,
    /// −40002: the envelope is not the expected XML.
    #[error("encrypted envelope is malformed")]
    ParseXml,
    /// −40004: the EncodingAESKey is not 43 characters of `[A-Za-z0-9]`.
    #[error("EncodingAESKey must be 43 characters of [A-Za-z0-9]")]
    IllegalAesKey,
    /// −40005: the appid trailer is not the expected one.
    #[error("appid in the decrypted message does not match")]
    ValidateAppId,
    /// −40007: the ciphertext length is not a whole number of blocks, or too short.
    #[error("ciphertext has an invalid length")]
    DecryptAes,
    /// −40008: the decrypted buffer has bad padding or a bad length field.
    #[error("decrypted message is malformed (padding or length)")]
    IllegalBuffer,
    /// −40010: `Encrypt` is not valid base64.
    #[error("Encrypt is not valid base64")]
    DecodeBase64,
}

impl CryptoError {
    /// The official sample's numeric code for this error.
    #[must_use]
    pub const fn code(self) -> i32 {
        match self {
            Self::ValidateSignature => -40001,
            Self::ParseXml => -40002,
            Self::IllegalAesKey => -40004,
            Self::ValidateAppId => -40005,
            Self::DecryptAes => -40007,
            Self::IllegalBuffer => -40008,
            Self::DecodeBase64 => -40010,
        }
    }
}

/// The 32-byte AES key derived from an EncodingAESKey. Prints as `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct AesKey([u8; 32]);

impl AesKey {
    /// Derives the key from a 43-character EncodingAESKey (`base64(key + "=")`).
    ///
    /// Trailing bits in the last character are accepted, as WeChat's own keys have them.
    ///
    /// # Errors
    ///
    /// [`CryptoError::IllegalAesKey`] when the text is not 43 characters of `[A-Za-z0-9]`.
    ///
    /// # Examples
    ///
    /// ```
    /// use wxgate_proto::crypto::AesKey;
    /// let key = AesKey::parse("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG").unwrap();
    /// assert_eq!(hex::encode(key.as_bytes()), "69b71d79f8218a39259a7a29aabb2dbafc31cb3d35db7e39ebbf3d0010831051");
    /// ```
    pub fn parse(encoding_aes_key: &str) -> Result<Self, CryptoError> {
        if encoding_aes_key.len() != 43
            || !encoding_aes_key.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(CryptoError::IllegalAesKey);
        }
        let mut padded = [b'='; 44];
        padded[..43].copy_from_slice(encoding_aes_key.as_bytes());
        let mut key = [0u8; 32];
        match LENIENT.decode_slice(padded, &mut key) {
            Ok(32) => Ok(Self(key)),
            _ => Err(CryptoError::IllegalAesKey),
        }
    }

    /// Wraps raw key bytes.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw key bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn iv(&self) -> [u8; 16] {
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&self.0[..16]);
        iv
    }
}

impl fmt::Debug for AesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AesKey([redacted])")
    }
}

/// Which of an account's keys opened a message (WeChat advises keeping the current and the previous
/// key while a change takes effect).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySlot {
    /// The configured EncodingAESKey.
    Current,
    /// The key in use before the last rotation.
    Previous,
}

/// A decrypted message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    /// The inner message bytes, exactly as encrypted (usually XML).
    pub message: Vec<u8>,
    /// The key that opened it; encrypt the reply with the same one.
    pub key: KeySlot,
}

/// The message crypt of one account (or one third-party platform): token, key(s) and AppID.
///
/// The AppID is the one in the plaintext trailer: the account's own AppID, or the component
/// AppID for third-party platforms (the AppID the
/// plaintext ends with).
#[derive(Clone)]
pub struct MessageCrypt {
    token: String,
    key: Keyed,
    previous_key: Option<Keyed>,
    app_id: String,
}

/// A key with its AES key schedule, expanded once rather than per message.
#[derive(Clone)]
struct Keyed {
    key: AesKey,
    cipher: Aes256,
}

impl Keyed {
    fn new(key: AesKey) -> Self {
        let cipher = Aes256::new(key.as_bytes().into());
        Self { key, cipher }
    }

    fn encryptor(&self) -> cbc::Encryptor<Aes256> {
        cbc::Encryptor::inner_iv_init(self.cipher.clone(), (&self.key.iv()).into())
    }

    fn decryptor(&self) -> cbc::Decryptor<Aes256> {
        cbc::Decryptor::inner_iv_init(self.cipher.clone(), (&self.key.iv()).into())
    }
}

impl fmt::Debug for MessageCrypt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageCrypt")
            .field("token", &"[redacted]")
            .field("key", &self.key.key)
            .field(
                "previous_key",
                &self.previous_key.as_ref().map(|_| "[redacted]"),
            )
            .field("app_id", &self.app_id)
            .finish()
    }
}

impl MessageCrypt {
    /// Builds the crypt for `app_id` from its callback token and AES key.
    ///
    /// # Examples
    ///
    /// ```
    /// use wxgate_proto::crypto::{AesKey, MessageCrypt};
    /// let key = AesKey::parse(&"A".repeat(43)).unwrap();
    /// let crypt = MessageCrypt::new("AAAAA", key, "wxba5fad812f8e6fb9");
    /// let encrypt = crypt.encrypt(b"<xml/>", [7; 16]);
    /// assert_eq!(crypt.decrypt(&encrypt).unwrap(), b"<xml/>");
    /// ```
    #[must_use]
    pub fn new(token: impl Into<String>, key: AesKey, app_id: impl Into<String>) -> Self {
        Self {
            token: token.into(),
            key: Keyed::new(key),
            previous_key: None,
            app_id: app_id.into(),
        }
    }

    /// Also accepts messages encrypted with the key in use before the last rotation.
    #[must_use]
    pub fn with_previous_key(mut self, previous: AesKey) -> Self {
        self.previous_key = Some(Keyed::new(previous));
        self
    }

    /// The AppID expected in (and written to) the plaintext trailer.
    #[must_use]
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// The callback token used in signatures.
    #[must_use]
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Encrypts `message` with the current key and the given 16 random bytes; returns `Encrypt`.
    #[must_use]
    pub fn encrypt(&self, message: &[u8], random16: [u8; 16]) -> String {
        self.encrypt_with(KeySlot::Current, message, random16)
    }

    /// Encrypts with the key in `slot` (falls back to the current key if there is no previous).
    #[must_use]
    pub fn encrypt_with(&self, slot: KeySlot, message: &[u8], random16: [u8; 16]) -> String {
        let mut out = Vec::with_capacity(encrypted_len(message.len(), self.app_id.len()));
        self.encrypt_into(slot, message, random16, &mut out);
        ascii_string(out)
    }

    /// Appends `Encrypt` (the base64 text) for `message` to `out`, with the key in `slot`.
    ///
    /// The plaintext is laid out, padded and encrypted in `out`'s spare room just past where
    /// the base64 text goes, then encoded into place: no other buffer is allocated, and
    /// nothing is copied but the message itself (once, into the block it is encrypted in).
    pub fn encrypt_into(
        &self,
        slot: KeySlot,
        message: &[u8],
        random16: [u8; 16],
        out: &mut Vec<u8>,
    ) {
        self.encrypt_then(slot, message, random16, out, |_| ());
    }

    /// As [`MessageCrypt::encrypt_into`], handing the base64 text to `then` where it lies.
    fn encrypt_then<R>(
        &self,
        slot: KeySlot,
        message: &[u8],
        random16: [u8; 16],
        out: &mut Vec<u8>,
        then: impl FnOnce(&str) -> R,
    ) -> R {
        let key = self.key_for(slot);
        let app_id = self.app_id.as_bytes();
        let len = 16 + 4 + message.len() + app_id.len();
        let pad = PAD_BLOCK - len % PAD_BLOCK;
        let cipher_len = len + pad;
        let start = out.len();
        let text_end = start + base64_len(cipher_len);
        out.reserve(text_end + cipher_len - start);
        // Room for the base64 text, then the block to encrypt.
        out.resize(text_end, 0);
        out.extend_from_slice(&random16);
        out.extend_from_slice(
            &u32::try_from(message.len())
                .unwrap_or(u32::MAX)
                .to_be_bytes(),
        );
        out.extend_from_slice(message);
        out.extend_from_slice(app_id);
        out.resize(text_end + cipher_len, u8::try_from(pad).unwrap_or(32));
        let (text, block) = out.split_at_mut(text_end);
        // The block is a whole number of AES blocks, so this cannot fail.
        let _ = key
            .encryptor()
            .encrypt_padded_mut::<NoPadding>(block, cipher_len);
        // `text[start..]` is exactly `base64_len(cipher_len)` long, as the encoder needs.
        let encrypt = base64_simd::STANDARD
            .encode_as_str(block, base64_simd::Out::from_slice(&mut text[start..]));
        let written = encrypt.len();
        let result = then(encrypt);
        out.truncate(start + written);
        result
    }

    /// Decrypts `Encrypt` and checks the AppID trailer.
    ///
    /// # Errors
    ///
    /// [`CryptoError::DecodeBase64`], [`CryptoError::DecryptAes`], [`CryptoError::IllegalBuffer`]
    /// or [`CryptoError::ValidateAppId`].
    pub fn decrypt(&self, encrypt: &str) -> Result<Vec<u8>, CryptoError> {
        self.open(encrypt).map(|opened| opened.message)
    }

    /// Decrypts `Encrypt` with the current key, then the previous one, checking the trailer.
    ///
    /// # Errors
    ///
    /// As [`MessageCrypt::decrypt`]; the error of the current key is reported when both fail.
    pub fn open(&self, encrypt: &str) -> Result<Opened, CryptoError> {
        let (mut plain, message, key) = self.open_in_place(encrypt)?;
        plain.truncate(message.end);
        plain.drain(..message.start);
        Ok(Opened {
            message: plain,
            key,
        })
    }

    /// As [`MessageCrypt::open`], leaving the message where it was decrypted: returns the
    /// decrypted buffer and the message's range in it, so nothing is moved or copied.
    ///
    /// # Errors
    ///
    /// As [`MessageCrypt::open`].
    pub fn open_in_place(
        &self,
        encrypt: &str,
    ) -> Result<(Vec<u8>, std::ops::Range<usize>, KeySlot), CryptoError> {
        let mut cipher = decode_cipher(encrypt)?;
        let Some(previous) = &self.previous_key else {
            let message = self.open_with(&self.key, &mut cipher)?;
            return Ok((cipher, message, KeySlot::Current));
        };
        // The current key decrypts into a buffer of its own, so the ciphertext is still there
        // for the previous key without having been copied.
        let mut plain = vec![0; cipher.len()];
        let current = key_decrypt_b2b(&self.key, &cipher, &mut plain)
            .and_then(|()| self.check_plain(&mut plain));
        match current {
            Ok(message) => Ok((plain, message, KeySlot::Current)),
            // The current key's error is the one reported when both fail.
            Err(current) => self
                .open_with(previous, &mut cipher)
                .map(|message| (cipher, message, KeySlot::Previous))
                .map_err(|_| current),
        }
    }

    /// Decrypts `Encrypt` without checking the trailer; returns the message and the trailer.
    ///
    /// For third-party platforms that must see which AppID a message carries.
    ///
    /// # Errors
    ///
    /// As [`MessageCrypt::decrypt`], without [`CryptoError::ValidateAppId`].
    pub fn decrypt_unchecked(&self, encrypt: &str) -> Result<(Vec<u8>, String), CryptoError> {
        let mut plain = decode_cipher(encrypt)?;
        decrypt_raw(&self.key, &mut plain)?;
        unpad(&mut plain)?;
        let (message, trailer) = split_plain(&plain)?;
        Ok((
            message.to_vec(),
            String::from_utf8_lossy(trailer).into_owned(),
        ))
    }

    /// `msg_signature` of an `Encrypt` value: SHA-1 of the sorted token, timestamp, nonce and
    /// `Encrypt`.
    #[must_use]
    pub fn msg_signature(&self, timestamp: &str, nonce: &str, encrypt: &str) -> String {
        signature::sign(&[&self.token, timestamp, nonce, encrypt])
    }

    /// Checks a `msg_signature` in constant time.
    #[must_use]
    pub fn verify_msg_signature(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypt: &str,
    ) -> bool {
        signature::verify(&[&self.token, timestamp, nonce, encrypt], msg_signature)
    }

    /// Builds the encrypted reply envelope (`Encrypt`, `MsgSignature`, `TimeStamp`, `Nonce`) around a passive reply's XML.
    #[must_use]
    pub fn seal_reply(
        &self,
        reply_xml: &str,
        timestamp: &str,
        nonce: &str,
        random16: [u8; 16],
    ) -> String {
        self.seal_reply_with(KeySlot::Current, reply_xml, timestamp, nonce, random16)
    }

    /// As [`MessageCrypt::seal_reply`], with the key that opened the request.
    #[must_use]
    pub fn seal_reply_with(
        &self,
        slot: KeySlot,
        reply_xml: &str,
        timestamp: &str,
        nonce: &str,
        random16: [u8; 16],
    ) -> String {
        ascii_string(self.seal_reply_bytes(slot, reply_xml, timestamp, nonce, random16))
    }

    /// As [`MessageCrypt::seal_reply_with`], as the bytes of a response body.
    ///
    /// The envelope is written straight into one buffer of the right size: the reply is
    /// encrypted and base64-encoded in place, the signature is taken over that text where it
    /// lies, and the buffer becomes the body without being copied again.
    #[must_use]
    pub fn seal_reply_bytes(
        &self,
        slot: KeySlot,
        reply_xml: &str,
        timestamp: &str,
        nonce: &str,
        random16: [u8; 16],
    ) -> Vec<u8> {
        const HEAD: &[u8] = b"<xml><Encrypt><![CDATA[";
        let cipher_len = encrypted_len(reply_xml.len(), self.app_id.len());
        // Head, text and tail, or the block being encrypted where the tail will go.
        let tail = 128 + 2 * (timestamp.len() + nonce.len());
        let mut out =
            Vec::with_capacity(HEAD.len() + base64_len(cipher_len) + tail.max(cipher_len));
        out.extend_from_slice(HEAD);
        let signature = self.encrypt_then(slot, reply_xml.as_bytes(), random16, &mut out, |text| {
            self.msg_signature(timestamp, nonce, text)
        });
        crate::envelope::finish_reply_envelope(&mut out, &signature, timestamp, nonce);
        out
    }

    /// Opens an encrypted reply envelope: checks `MsgSignature`, decrypts, checks the trailer.
    ///
    /// This is what WeChat does with a reply; the sandbox and tests use it.
    ///
    /// # Errors
    ///
    /// [`CryptoError::ParseXml`] for a malformed envelope, [`CryptoError::ValidateSignature`],
    /// and the errors of [`MessageCrypt::decrypt`].
    pub fn open_reply(&self, envelope_xml: &str) -> Result<Vec<u8>, CryptoError> {
        let envelope = crate::envelope::ReplyEnvelope::parse(envelope_xml)?;
        if !self.verify_msg_signature(
            &envelope.msg_signature,
            &envelope.timestamp,
            &envelope.nonce,
            &envelope.encrypt,
        ) {
            return Err(CryptoError::ValidateSignature);
        }
        self.decrypt(&envelope.encrypt)
    }

    fn key_for(&self, slot: KeySlot) -> &Keyed {
        match (slot, &self.previous_key) {
            (KeySlot::Previous, Some(previous)) => previous,
            _ => &self.key,
        }
    }

    /// Decrypts `cipher` in place and checks it; returns the message's range in it.
    fn open_with(
        &self,
        key: &Keyed,
        cipher: &mut Vec<u8>,
    ) -> Result<std::ops::Range<usize>, CryptoError> {
        decrypt_raw(key, cipher)?;
        self.check_plain(cipher)
    }

    /// Removes the padding of a decrypted buffer and checks the trailer; returns the range of
    /// the message.
    fn check_plain(&self, plain: &mut Vec<u8>) -> Result<std::ops::Range<usize>, CryptoError> {
        unpad(plain)?;
        let (message, trailer) = split_plain(plain)?;
        if trailer != self.app_id.as_bytes() {
            return Err(CryptoError::ValidateAppId);
        }
        Ok(20..20 + message.len())
    }
}

/// Length of the ciphertext for a message of `message_len` bytes and an AppID of `app_id_len`.
const fn encrypted_len(message_len: usize, app_id_len: usize) -> usize {
    let len = 16 + 4 + message_len + app_id_len;
    len + (PAD_BLOCK - len % PAD_BLOCK)
}

/// Length of the padded base64 text of `len` bytes.
const fn base64_len(len: usize) -> usize {
    len.div_ceil(3) * 4
}

/// Bytes known to be ASCII (base64 and XML the crate wrote) as a `String`.
fn ascii_string(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn decode_cipher(encrypt: &str) -> Result<Vec<u8>, CryptoError> {
    let encrypt = encrypt.trim();
    // The SIMD decoder takes canonical base64; what it refuses goes to the lenient decoder,
    // which alone decides what is accepted (it also takes non-zero trailing bits).
    let cipher = match base64_simd::STANDARD.decode_type::<Vec<u8>>(encrypt.as_bytes()) {
        Ok(cipher) => cipher,
        Err(_) => LENIENT
            .decode(encrypt)
            .map_err(|_| CryptoError::DecodeBase64)?,
    };
    if cipher.len() < PAD_BLOCK || cipher.len() % 16 != 0 {
        return Err(CryptoError::DecryptAes);
    }
    Ok(cipher)
}

/// Decrypts in place (the padding is left for [`unpad`]).
fn decrypt_raw(key: &Keyed, cipher: &mut [u8]) -> Result<(), CryptoError> {
    key.decryptor()
        .decrypt_padded_mut::<NoPadding>(cipher)
        .map(|_| ())
        .map_err(|_| CryptoError::DecryptAes)
}

/// Decrypts `cipher` into `plain` (of the same length), leaving `cipher` as it was.
fn key_decrypt_b2b(key: &Keyed, cipher: &[u8], plain: &mut [u8]) -> Result<(), CryptoError> {
    key.decryptor()
        .decrypt_padded_b2b_mut::<NoPadding>(cipher, plain)
        .map(|_| ())
        .map_err(|_| CryptoError::DecryptAes)
}

/// Removes WeChat's 32-byte PKCS#7 padding.
fn unpad(plain: &mut Vec<u8>) -> Result<(), CryptoError> {
    let pad = usize::from(*plain.last().ok_or(CryptoError::IllegalBuffer)?);
    if pad == 0 || pad > PAD_BLOCK || pad > plain.len() {
        return Err(CryptoError::IllegalBuffer);
    }
    plain.truncate(plain.len() - pad);
    Ok(())
}

/// Splits `random16 || len || message || trailer` into message and trailer.
fn split_plain(plain: &[u8]) -> Result<(&[u8], &[u8]), CryptoError> {
    if plain.len() < 20 {
        return Err(CryptoError::IllegalBuffer);
    }
    let len = u32::from_be_bytes([plain[16], plain[17], plain[18], plain[19]]) as usize;
    let end = 20usize.checked_add(len).ok_or(CryptoError::IllegalBuffer)?;
    if end > plain.len() {
        return Err(CryptoError::IllegalBuffer);
    }
    Ok((&plain[20..end], &plain[end..]))
}

#[cfg(test)]
pub(crate) mod vectors;

#[cfg(test)]
mod tests;
