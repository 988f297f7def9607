//! Each account's credential manager: its access_token, tickets and API calls, through an HTTP
//! client of its own whose every attempt is counted in `wxgate_wechat_calls_total`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use wxgate_api::{AccountCredentials, Attempt, Client, Clock, CredentialOptions, Credentials};
use wxgate_store::Store;

use crate::config::Config;
use crate::metrics::GatewayMetrics;

/// The credential manager of every account, by account id.
pub(super) fn credentials(
    config: &Config,
    store: &Arc<dyn Store>,
    clock: &Arc<dyn Clock>,
    metrics: &Arc<GatewayMetrics>,
) -> Result<HashMap<String, Credentials>, wxgate_api::Error> {
    let mut credentials = HashMap::new();
    for account in &config.accounts {
        let (metrics, id) = (Arc::clone(metrics), account.id.clone());
        let client = Client::builder()
            .base_url(account.api_base.clone())
            .on_attempt(move |path, attempt| {
                let errcode = match attempt {
                    Attempt::Answered { errcode } => Some(errcode),
                    _ => None,
                };
                metrics.wechat_calls.count(&id, path, errcode);
            })
            .build()?;
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
