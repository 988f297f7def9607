//! The token sources of a component: its own token (from the verify ticket), its pre-auth codes,
//! and each authorizer's token (from the authorizer's rotating refresh token).

use std::sync::Arc;
use std::time::Duration;

use wxgate_proto::clock::unix_ms;
use wxgate_store::Store;

use super::stored::{Refused, StoredAuthorizer, StoredTicket};
use crate::credential::manager::{FetchFuture, FetchedToken, TokenSource};
use crate::endpoint::component::{
    api_authorizer_token, api_component_token, api_create_preauthcode, api_start_push_ticket,
};
use crate::{AppId, Client, Clock, Credentials, ErrCode, Error, ErrorKind, Secret};

/// `api_component_token` with the stored verify ticket.
pub(super) struct ComponentToken {
    pub(super) app_id: AppId,
    pub(super) app_secret: Secret,
    pub(super) store: Arc<dyn Store>,
    pub(super) ticket_key: String,
}

impl TokenSource for ComponentToken {
    fn fetch<'a>(&'a self, client: &'a Client, _replacing: Option<&'a str>) -> FetchFuture<'a> {
        Box::pin(async move {
            let stored = self
                .store
                .get(&self.ticket_key)
                .await
                .map_err(Error::store)?
                .and_then(|bytes| serde_json::from_slice::<StoredTicket>(&bytes).ok());
            let Some(stored) = stored else {
                // Ask WeChat to push one now rather than in up to 10 minutes; the manager's
                // back-off keeps this from repeating on every call.
                let push = api_start_push_ticket::Request::new(
                    self.app_id.clone(),
                    self.app_secret.clone(),
                );
                if let Err(error) = client.call(&push).await {
                    tracing::warn!(component = %self.app_id, %error, "api_start_push_ticket failed");
                }
                return Err(Error::new(ErrorKind::NoVerifyTicket {
                    component_app_id: self.app_id.to_string(),
                }));
            };
            let request = api_component_token::Request::new(
                self.app_id.clone(),
                self.app_secret.clone(),
                Secret::new(stored.ticket),
            );
            let response = client.call(&request).await?;
            Ok(FetchedToken {
                token: response.component_access_token.expose().to_owned(),
                expires_in: response.expires_in,
            })
        })
    }
}

/// `api_create_preauthcode` with the component token.
pub(super) struct PreAuthCode {
    pub(super) app_id: AppId,
    pub(super) component: Credentials,
}

impl TokenSource for PreAuthCode {
    fn fetch<'a>(&'a self, client: &'a Client, _replacing: Option<&'a str>) -> FetchFuture<'a> {
        Box::pin(async move {
            let request = api_create_preauthcode::Request::new(self.app_id.clone());
            let response = self
                .component
                .call_with_token(|token| {
                    let request = &request;
                    async move {
                        client
                            .call(request)
                            .component_access_token(token.as_str())
                            .await
                    }
                })
                .await?;
            Ok(FetchedToken {
                token: response.pre_auth_code.expose().to_owned(),
                expires_in: response.expires_in,
            })
        })
    }
}

/// `api_authorizer_token` with the component token and the authorizer's stored refresh token;
/// a rotated refresh token is written back (compare-and-set) before the access token is used.
pub(super) struct AuthorizerToken {
    pub(super) component_app_id: AppId,
    pub(super) app_id: AppId,
    pub(super) component: Credentials,
    pub(super) store: Arc<dyn Store>,
    pub(super) record_key: String,
    pub(super) clock: Arc<dyn Clock>,
}

/// What one attempt with the stored refresh token came to.
enum Attempt {
    Done(FetchedToken),
    /// WeChat refused the refresh token, but the store now holds another one (another instance
    /// rotated it meanwhile): one more attempt with it.
    TryAgain,
}

impl AuthorizerToken {
    fn reauthorize(&self, errcode: Option<i64>) -> Error {
        Error::new(ErrorKind::ReauthorizationRequired {
            component_app_id: self.component_app_id.to_string(),
            authorizer_app_id: self.app_id.to_string(),
            errcode,
        })
    }

    fn now(&self) -> i64 {
        unix_ms(self.clock.now()).div_euclid(1000)
    }

    async fn read(&self) -> Result<(Vec<u8>, StoredAuthorizer), Error> {
        let bytes = self
            .store
            .get(&self.record_key)
            .await
            .map_err(Error::store)?;
        match bytes.and_then(|b| StoredAuthorizer::decode(&b).map(|r| (b, r))) {
            Some(found) => Ok(found),
            None => Err(Error::new(ErrorKind::UnknownAuthorizer {
                component_app_id: self.component_app_id.to_string(),
                authorizer_app_id: self.app_id.to_string(),
            })),
        }
    }

    async fn attempt(&self, client: &Client, last: bool) -> Result<Attempt, Error> {
        let (bytes, record) = self.read().await?;
        if let Some(refused) = record.reauthorize {
            return Err(self.reauthorize(refused.errcode));
        }
        let Some(refresh_token) = record.refresh_token.clone() else {
            return Err(self.reauthorize(None));
        };
        let request = api_authorizer_token::Request::new(
            self.component_app_id.clone(),
            self.app_id.clone(),
            Secret::new(refresh_token.clone()),
        );
        let answer = self
            .component
            .call_with_token(|token| {
                let request = &request;
                async move {
                    client
                        .call(request)
                        .component_access_token(token.as_str())
                        .await
                }
            })
            .await;
        let response = match answer {
            Ok(response) => response,
            Err(error)
                if matches!(
                    error.errcode(),
                    Some(ErrCode::InvalidAuthorizerRefreshToken | ErrCode::ComponentNotAuthorized)
                ) =>
            {
                let errcode = error.errcode().map(ErrCode::code);
                return self.refused(&refresh_token, errcode, last).await;
            }
            Err(error) => return Err(error),
        };
        let fetched = FetchedToken {
            token: response.authorizer_access_token.expose().to_owned(),
            expires_in: response.expires_in,
        };
        if let Some(new) = response.authorizer_refresh_token
            && new.expose() != refresh_token
        {
            self.keep_rotated(bytes, record, &refresh_token, new.expose())
                .await?;
        }
        Ok(Attempt::Done(fetched))
    }

    /// WeChat refused `used`: if the store holds another refresh token now, try that one (once);
    /// otherwise mark the authorizer as needing a new authorization.
    async fn refused(
        &self,
        used: &str,
        errcode: Option<i64>,
        last: bool,
    ) -> Result<Attempt, Error> {
        let (now_bytes, now_record) = self.read().await?;
        let still_used = now_record.refresh_token.as_deref() == Some(used);
        if !last && now_record.reauthorize.is_none() && !still_used {
            return Ok(Attempt::TryAgain);
        }
        let marked = StoredAuthorizer {
            reauthorize: Some(Refused {
                errcode,
                at: self.now(),
            }),
            ..now_record
        };
        // Only over the record that holds the refused token: a new authorization meanwhile wins.
        if still_used {
            let _ = self
                .store
                .compare_and_set(&self.record_key, Some(&now_bytes), &marked.encode(), None)
                .await
                .map_err(Error::store)?;
        }
        tracing::warn!(
            component = %self.component_app_id,
            authorizer = %self.app_id,
            errcode,
            "wechat refused the authorizer's refresh token; the account must authorize again"
        );
        Err(self.reauthorize(errcode))
    }

    /// Writes the rotated refresh token over the record that held `old`, retrying a store
    /// failure; a record changed meanwhile (a new authorization) is left as it is.
    async fn keep_rotated(
        &self,
        mut bytes: Vec<u8>,
        mut record: StoredAuthorizer,
        old: &str,
        new: &str,
    ) -> Result<(), Error> {
        let mut failures = 0;
        // Bounded: each round is a store answer, and only other writers' changes repeat it.
        for _ in 0..16 {
            let updated = StoredAuthorizer {
                refresh_token: Some(new.to_owned()),
                rotated_at: Some(self.now()),
                ..record.clone()
            };
            match self
                .store
                .compare_and_set(&self.record_key, Some(&bytes), &updated.encode(), None)
                .await
            {
                Ok(true) => {
                    tracing::debug!(authorizer = %self.app_id, "authorizer refresh token rotated");
                    return Ok(());
                }
                Ok(false) => {
                    let (now_bytes, now_record) = self.read().await?;
                    if now_record.refresh_token.as_deref() != Some(old) {
                        tracing::warn!(
                            component = %self.component_app_id,
                            authorizer = %self.app_id,
                            "the authorizer's refresh token changed during a refresh; keeping the stored one"
                        );
                        return Ok(());
                    }
                    (bytes, record) = (now_bytes, now_record);
                }
                Err(error) => {
                    failures += 1;
                    if failures >= 3 {
                        tracing::error!(
                            component = %self.component_app_id,
                            authorizer = %self.app_id,
                            %error,
                            "could not store the authorizer's rotated refresh token"
                        );
                        return Err(Error::store(error));
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
        tracing::error!(
            component = %self.component_app_id,
            authorizer = %self.app_id,
            "the authorizer record kept changing; the rotated refresh token was not stored"
        );
        Err(Error::new(ErrorKind::LeaseTimeout))
    }
}

impl TokenSource for AuthorizerToken {
    fn fetch<'a>(&'a self, client: &'a Client, _replacing: Option<&'a str>) -> FetchFuture<'a> {
        Box::pin(async move {
            match self.attempt(client, false).await? {
                Attempt::Done(fetched) => Ok(fetched),
                Attempt::TryAgain => match self.attempt(client, true).await? {
                    Attempt::Done(fetched) => Ok(fetched),
                    Attempt::TryAgain => Err(self.reauthorize(None)),
                },
            }
        })
    }
}
