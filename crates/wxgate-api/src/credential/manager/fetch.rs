//! Asking WeChat for a credential, by the account's token policy.

use std::sync::Arc;

use super::{Inner, Kind, Trigger};
use crate::Error;
use crate::credential::TokenPolicy;
use crate::credential::record::StoredCredential;
use crate::endpoint::ticket::getticket::{self, TicketType};
use crate::endpoint::{stable_token, token};

impl Inner {
    /// Calls WeChat.
    pub(super) async fn fetch(
        self: &Arc<Self>,
        kind: Kind,
        trigger: &Trigger,
    ) -> Result<StoredCredential, Error> {
        let (token, expires_in) = match kind {
            Kind::AccessToken => match (&self.source, self.account.policy) {
                (Some(source), _) => {
                    let replacing = match trigger {
                        Trigger::Replace { old, .. } => old.as_deref(),
                        _ => None,
                    };
                    let fetched = source.fetch(&self.client, replacing).await?;
                    (fetched.token, fetched.expires_in)
                }
                (None, TokenPolicy::Token) => self.fetch_token().await?,
                (None, TokenPolicy::StableToken) => self.fetch_stable_token(trigger).await?,
            },
            Kind::Ticket(ticket_type) => self.fetch_ticket(ticket_type).await?,
        };
        let now = self.now_ms();
        let issued_at = now.div_euclid(1000);
        Ok(StoredCredential {
            token,
            expires_at: issued_at + expires_in,
            issued_at: Some(issued_at),
        })
    }

    /// `cgi-bin/token`: (token, expires_in).
    async fn fetch_token(&self) -> Result<(String, i64), Error> {
        let request =
            token::Request::new(self.account.app_id.clone(), self.account.app_secret.clone());
        let response = self.client.call(&request).await?;
        Ok((response.access_token, response.expires_in))
    }

    /// `cgi-bin/stable_token`, forced when the trigger asks; a normal call that returns the very
    /// token being replaced is repeated with `force_refresh`.
    async fn fetch_stable_token(&self, trigger: &Trigger) -> Result<(String, i64), Error> {
        let client = &self.client;
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
        Ok((response.access_token, response.expires_in))
    }

    /// `cgi-bin/ticket/getticket`, with the access token (refreshed once if rejected).
    async fn fetch_ticket(
        self: &Arc<Self>,
        ticket_type: TicketType,
    ) -> Result<(String, i64), Error> {
        let client = &self.client;
        let request = getticket::Request::new(ticket_type);
        let response = Box::pin(self.call_with_token(|token| {
            let request = &request;
            async move { client.call(request).access_token(token.as_str()).await }
        }))
        .await?;
        Ok((response.ticket, response.expires_in))
    }
}
