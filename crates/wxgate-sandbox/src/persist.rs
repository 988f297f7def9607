//! Optional persistence: the state as one JSON file, written atomically (temp file + rename),
//! debounced after changes.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::Notify;

use crate::Inner;
use crate::clock::VirtualClock;
use crate::error::SandboxError;
use crate::state::{State, rng_for_load};

/// Changes within this window are written together.
const DEBOUNCE: Duration = Duration::from_millis(100);

/// Load a saved state; `Ok(None)` when the file does not exist yet.
pub(crate) fn load(
    path: &Path,
    clock: VirtualClock,
    seed: Option<u64>,
) -> Result<Option<State>, SandboxError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(SandboxError::StateFile(error)),
    };
    let mut state: State = serde_json::from_slice(&bytes).map_err(SandboxError::StateFormat)?;
    state.clock = clock;
    state.loads += 1;
    state.rng = rng_for_load(seed, state.loads);
    Ok(Some(state))
}

pub(crate) fn snapshot(state: &State) -> Vec<u8> {
    // Serialising plain maps of strings and numbers cannot fail.
    serde_json::to_vec_pretty(state).unwrap_or_default()
}

/// Writes through a temp file renamed over `path`; on Unix only the owner may read it (the state
/// holds the apps' secrets and keys).
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), SandboxError> {
    use std::io::Write as _;
    let mut temp = path.as_os_str().to_owned();
    temp.push(".tmp");
    let temp = std::path::PathBuf::from(temp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(&temp)
        .and_then(|mut file| file.write_all(bytes))
        .map_err(SandboxError::StateFile)?;
    std::fs::rename(&temp, path).map_err(SandboxError::StateFile)
}

/// The background writer: wakes on changes, waits [`DEBOUNCE`], writes once.
pub(crate) async fn saver(inner: Weak<Inner>, notify: Arc<Notify>) {
    loop {
        // A wake-up sent while writing is stored by `notify_one`, so none is lost.
        notify.notified().await;
        tokio::time::sleep(DEBOUNCE).await;
        let Some(inner) = inner.upgrade() else { return };
        if !inner.dirty.swap(false, Ordering::SeqCst) {
            continue;
        }
        let Some(path) = inner.config.state_file.clone() else {
            return;
        };
        let bytes = {
            let state = inner
                .state
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            snapshot(&state)
        };
        drop(inner);
        let result = tokio::task::spawn_blocking(move || write_atomically(&path, &bytes)).await;
        match result {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::warn!(%error, "could not save sandbox state"),
            Err(error) => tracing::warn!(%error, "sandbox state writer failed"),
        }
    }
}
