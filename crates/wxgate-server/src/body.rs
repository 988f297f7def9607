//! Reading a request body whole, up to a limit: what the callback route and the `/v1` JSON
//! bodies share, each answering the two failures in its own form.

use axum::body::{Body, Bytes, HttpBody as _};
use bytes::BytesMut;
use http_body_util::{BodyExt as _, LengthLimitError, Limited};

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// It is longer than the limit.
    TooLarge,
    /// The stream broke off (the error, for the message).
    Unreadable(String),
}

/// The whole body, or why not.
///
/// A small body has usually arrived with its head, as one frame: that frame is the body as it
/// is, without collecting it into a list first.
pub(crate) async fn read_limited(body: Body, limit: usize) -> Result<Bytes, BodyError> {
    let mut body = Limited::new(body, limit);
    let first = match body.frame().await {
        None => return Ok(Bytes::new()),
        Some(Ok(frame)) => frame.into_data().unwrap_or_default(),
        Some(Err(error)) => return Err(classify(&*error)),
    };
    if body.is_end_stream() {
        return Ok(first);
    }
    let mut all = BytesMut::from(first);
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => {
                if let Ok(data) = frame.into_data() {
                    all.extend_from_slice(&data);
                }
            }
            Err(error) => return Err(classify(&*error)),
        }
    }
    Ok(all.freeze())
}

fn classify(error: &(dyn std::error::Error + 'static)) -> BodyError {
    if error.is::<LengthLimitError>() {
        BodyError::TooLarge
    } else {
        BodyError::Unreadable(error.to_string())
    }
}
