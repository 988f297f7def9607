//! Asking WeChat for a credential, by the account's token policy.

use std::sync::Arc;

use super::{Inner, Kind, Trigger};
use crate::Error;
use crate::credential::TokenPolicy;
use crate::credential::record::Record;
use crate::endpoint::ticket::getticket;
use crate::endpoint::{stable_token, token};

impl Inner {
    /// Calls WeChat.
    pub(super) async fn fetch(
        self: &Arc<Self>,
        kind: Kind,
        trigger: &Trigger,
    ) -> Result<Record, Error> {
        let client = &self.client;
        let (token, expires_in) = match kind {
            Kind::AccessToken => match self.account.policy {
                TokenPolicy::Token => {
                    let request = token::Request::new(
                        self.account.app_id.clone(),
                        self.account.app_secret.clone(),
                    );
                    let response = client.call(&request).await?;
                    (response.access_token, response.expires_in)
                }
                TokenPolicy::StableToken => {
                    let (old, force) = match trigger {
                        Trigger::Replace { old, force } => (old.as_deref(), *force),
                        _ => (None, false),
                    };
                    let request = stable_token::Request::new(
                        self.account.app_id.clone(),
                        self.account.app_secret.clone(),
                    )
                    .force_refresh(force);
                    let mut response = client.call(&request).await?;
                    if !force && old == Some(response.access_token.as_str()) {
                        tracing::info!(
                            account = %self.account.id,
                            "stable_token returned the rejected token; forcing a refresh"
                        );
                        response = client.call(&request.force_refresh(true)).await?;
                    }
                    (response.access_token, response.expires_in)
                }
            },
            Kind::Ticket(ticket_type) => {
                let request = getticket::Request::new(ticket_type);
                let response = Box::pin(self.call_with_token(|token| {
                    let request = &request;
                    async move { client.call(request).access_token(token.as_str()).await }
                }))
                .await?;
                (response.ticket, response.expires_in)
            }
        };
        let now = self.now_ms();
        let issued_at = now.div_euclid(1000);
        Ok(Record {
            token,
            expires_at: issued_at + expires_in,
            issued_at: Some(issued_at),
        })
    }
}
