//! Each account's credential manager: its access_token, tickets and API calls, through an HTTP
//! client of its own whose every attempt is counted in `wxgate_wechat_calls_total`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use wxgate_api::{
    AccountCredentials, Attempt, Client, Clock, ComponentAccount, ComponentCredentials,
    CredentialOptions, Credentials,
};
use wxgate_store::Store;

use crate::config::Config;
use crate::metrics::{ComponentMetrics, GatewayMetrics};

/// The credential manager of every account, by account id.
pub(super) fn credentials(
    config: &Config,
    store: &Arc<dyn Store>,
    clock: &Arc<dyn Clock>,
    metrics: &Arc<GatewayMetrics>,
) -> Result<HashMap<String, Credentials>, wxgate_api::Error> {
    let mut credentials = HashMap::new();
    for account in &config.accounts {
        let client = counted_client(&account.api_base, &account.id, metrics, |_, _| {})?;
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

/// The credentials and metrics of every component (its verify ticket, token, pre-auth codes
/// and authorizers), by component id; WeChat calls are counted under the component's id, and
/// its token fetches and authorizer refreshes in its own metrics.
pub(super) fn components(
    config: &Config,
    store: &Arc<dyn Store>,
    clock: &Arc<dyn Clock>,
    metrics: &Arc<GatewayMetrics>,
) -> Result<HashMap<String, (ComponentCredentials, Arc<ComponentMetrics>)>, wxgate_api::Error> {
    let mut components = HashMap::new();
    for component in &config.components {
        let own = Arc::new(ComponentMetrics::new(&component.id));
        let counted = Arc::clone(&own);
        let client = counted_client(
            &component.api_base,
            &component.id,
            metrics,
            move |path, errcode| counted.attempt(path, errcode),
        )?;
        let owner = ComponentAccount::new(
            &component.id,
            component.app_id.as_str(),
            component.app_secret.clone(),
        );
        let options = credential_options(config).clock(Arc::clone(clock));
        components.insert(
            component.id.clone(),
            (
                ComponentCredentials::new(client, Arc::clone(store), owner, options),
                own,
            ),
        );
    }
    Ok(components)
}

/// A client of WeChat's API at `api_base` whose every attempt is counted under `id`, and
/// given to `also` (path, errcode: `None` when WeChat could not be reached).
fn counted_client(
    api_base: &str,
    id: &str,
    metrics: &Arc<GatewayMetrics>,
    also: impl Fn(&str, Option<i64>) + Send + Sync + 'static,
) -> Result<Client, wxgate_api::Error> {
    let (metrics, id) = (Arc::clone(metrics), id.to_owned());
    Client::builder()
        .base_url(api_base.to_owned())
        .on_attempt(move |path, attempt| {
            let errcode = match attempt {
                Attempt::Answered { errcode } => Some(errcode),
                _ => None,
            };
            metrics.wechat_calls.count(&id, path, errcode);
            also(path, errcode);
        })
        .build()
}

/// The credential manager's tuning from `[server]`.
fn credential_options(config: &Config) -> CredentialOptions {
    let server = &config.server;
    CredentialOptions::default()
        .min_stale_age(Duration::from_secs(server.min_stale_age_secs))
        .refresh_limit_per_minute(server.refresh_limit_per_minute)
        .authorizer_refresh_rate(server.authorizer_refresh_rate)
}
