//! What the operator commands (`token`, `menu`, `qr`, `users`, `tags`, `quota`, `call`,
//! `followers`) share: an account of a configuration file, reached through the gateway's
//! shared store, so the command never becomes a second token fetcher, and the registry the
//! configuration names.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use wxgate_server::api::Credentials;
use wxgate_server::{Config, Gateway};
use wxgate_store::registry::Registry;

/// `ACCOUNT [--config FILE]`.
#[derive(Debug, clap::Args)]
pub(crate) struct AccountArgs {
    /// The account id in the configuration.
    pub(crate) account: String,
    /// The configuration file.
    #[arg(long, short, default_value = "wxgate.toml", env = "WXGATE_CONFIG")]
    pub(crate) config: PathBuf,
}

/// An account's credentials, with the gateway (its store and refreshers) that keeps them.
pub(crate) struct Account {
    /// Kept alive while the credentials are used.
    _gateway: Gateway,
    pub(crate) credentials: Credentials,
    /// The registry the configuration names (`Config::registry_url`).
    pub(crate) registry: Arc<dyn Registry>,
}

impl AccountArgs {
    /// Loads the configuration and opens the account through its store.
    pub(crate) async fn open(&self) -> anyhow::Result<Account> {
        let config = Config::load(&self.config)
            .map_err(|e| anyhow::anyhow!("{}:\n{e}", self.config.display()))?;
        let gateway = Gateway::builder(config).build().await?;
        let credentials = gateway
            .credentials(&self.account)
            .with_context(|| format!("no account {:?} in the configuration", self.account))?
            .clone();
        let registry = Arc::clone(gateway.registry());
        Ok(Account {
            _gateway: gateway,
            credentials,
            registry,
        })
    }
}
