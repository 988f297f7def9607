//! Each account's credential manager: its access_token, tickets and API calls, through one
//! HTTP client per WeChat API base.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use wxgate_api::{AccountCredentials, Client, Clock, CredentialOptions, Credentials};
use wxgate_store::Store;

use crate::config::Config;

/// The credential manager of every account, by account id.
pub(super) fn credentials(
    config: &Config,
    store: &Arc<dyn Store>,
    clock: &Arc<dyn Clock>,
) -> Result<HashMap<String, Credentials>, wxgate_api::Error> {
    let mut credentials = HashMap::new();
    let mut clients: HashMap<&str, Client> = HashMap::new();
    for account in &config.accounts {
        let client = match clients.get(account.api_base.as_str()) {
            Some(client) => client.clone(),
            None => {
                let client = Client::builder()
                    .base_url(account.api_base.clone())
                    .build()?;
                clients.insert(&account.api_base, client.clone());
                client
            }
        };
        let owner = AccountCredentials::new(
            &account.id,
            account.app_id.as_str(),
            account.app_secret.clone(),
        )
        .policy(account.token_policy);
        let options = credential_options(config).clock(Arc::clone(clock));
        credentials.insert(
            account.id.clone(),
            Credentials::new(client, Arc::clone(store), owner, options),
        );
    }
    Ok(credentials)
}

/// The credential manager's tuning from `[server]`.
fn credential_options(config: &Config) -> CredentialOptions {
    let server = &config.server;
    CredentialOptions::default()
        .min_stale_age(Duration::from_secs(server.min_stale_age_secs))
        .refresh_limit_per_minute(server.refresh_limit_per_minute)
}
