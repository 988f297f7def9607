//! `WXGATE_*` environment overrides.
//!
//! | variable | field |
//! |---|---|
//! | `WXGATE_SERVER_LISTEN` | `server.listen` |
//! | `WXGATE_SERVER_API_KEYS` | `server.api_keys` (comma-separated) |
//! | `WXGATE_SERVER_CALLBACK_DEADLINE_MS` | `server.callback_deadline_ms` |
//! | `WXGATE_SERVER_TIMESTAMP_WINDOW_SECS` | `server.timestamp_window_secs` |
//! | `WXGATE_SERVER_MAX_BODY_BYTES` | `server.max_body_bytes` |
//! | `WXGATE_SERVER_DEDUP_TTL_SECS` | `server.dedup_ttl_secs` |
//! | `WXGATE_SERVER_DEDUP_MAX_ENTRIES` | `server.dedup_max_entries` |
//! | `WXGATE_SERVER_DEDUP` | `server.dedup` (`local` or `shared`) |
//! | `WXGATE_SERVER_TOKEN_WAIT_MS` | `server.token_wait_ms` |
//! | `WXGATE_SERVER_MIN_STALE_AGE_SECS` | `server.min_stale_age_secs` |
//! | `WXGATE_SERVER_REFRESH_LIMIT_PER_MINUTE` | `server.refresh_limit_per_minute` |
//! | `WXGATE_SERVER_DEDUP_MAX_BYTES` | `server.dedup_max_bytes` |
//! | `WXGATE_SERVER_STORE_CALL_BUDGET_MS` | `server.store_call_budget_ms` |
//! | `WXGATE_SERVER_DEFERRED_CLAIM_MS` | `server.deferred_claim_ms` |
//! | `WXGATE_STORAGE_URL` | `storage.url` |
//! | `WXGATE_ACCOUNT_<ID>_<FIELD>` | `accounts[id=<ID>].<field>` for `app_id`, `app_secret`, `token`, `encoding_aes_key`, `previous_encoding_aes_key`, `mode`, `api_base`, `token_policy` |
//!
//! `<ID>` is the account id in upper case with `-` written as `_`.

use super::{Config, Problem, Secret, TokenPolicy};

const ACCOUNT_FIELDS: [&str; 8] = [
    "PREVIOUS_ENCODING_AES_KEY",
    "ENCODING_AES_KEY",
    "APP_SECRET",
    "APP_ID",
    "TOKEN_POLICY",
    "TOKEN",
    "MODE",
    "API_BASE",
];

/// Applies `WXGATE_*` overrides; returns problems for values that do not parse or name no field.
pub fn apply_env(
    config: &mut Config,
    env: impl IntoIterator<Item = (String, String)>,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut bad = |name: &str, message: &str| {
        problems.push(Problem {
            path: format!("${name}"),
            line: None,
            message: message.to_owned(),
        });
    };
    for (name, value) in env {
        let Some(rest) = name.strip_prefix("WXGATE_") else {
            continue;
        };
        let number = |value: &str| value.trim().parse::<u64>().ok();
        let size = |value: &str| value.trim().parse::<usize>().ok();
        match rest {
            "SERVER_LISTEN" => config.server.listen = value,
            "SERVER_API_KEYS" => {
                config.server.api_keys = value
                    .split(',')
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .map(Secret::new)
                    .collect();
            }
            "SERVER_CALLBACK_DEADLINE_MS" => match number(&value) {
                Some(n) => config.server.callback_deadline_ms = n,
                None => bad(&name, "must be a whole number"),
            },
            "SERVER_TIMESTAMP_WINDOW_SECS" => match number(&value) {
                Some(n) => config.server.timestamp_window_secs = n,
                None => bad(&name, "must be a whole number"),
            },
            "SERVER_MAX_BODY_BYTES" => match size(&value) {
                Some(n) => config.server.max_body_bytes = n,
                None => bad(&name, "must be a whole number"),
            },
            "SERVER_DEDUP_TTL_SECS" => match number(&value) {
                Some(n) => config.server.dedup_ttl_secs = n,
                None => bad(&name, "must be a whole number"),
            },
            "SERVER_DEDUP_MAX_ENTRIES" => match size(&value) {
                Some(n) => config.server.dedup_max_entries = n,
                None => bad(&name, "must be a whole number"),
            },
            "SERVER_DEDUP_MAX_BYTES" => match size(&value) {
                Some(n) => config.server.dedup_max_bytes = n,
                None => bad(&name, "must be a whole number"),
            },
            "SERVER_STORE_CALL_BUDGET_MS" => match number(&value) {
                Some(n) => config.server.store_call_budget_ms = n,
                None => bad(&name, "must be a whole number"),
            },
            "SERVER_DEFERRED_CLAIM_MS" => match number(&value) {
                Some(n) => config.server.deferred_claim_ms = n,
                None => bad(&name, "must be a whole number"),
            },
            "SERVER_DEDUP" => match value.as_str() {
                "local" => config.server.dedup = Some(super::DedupScope::Local),
                "shared" => config.server.dedup = Some(super::DedupScope::Shared),
                _ => bad(&name, "must be local or shared"),
            },
            "SERVER_TOKEN_WAIT_MS" => match number(&value) {
                Some(n) => config.server.token_wait_ms = n,
                None => bad(&name, "must be a whole number"),
            },
            "SERVER_MIN_STALE_AGE_SECS" => match number(&value) {
                Some(n) => config.server.min_stale_age_secs = n,
                None => bad(&name, "must be a whole number"),
            },
            "SERVER_REFRESH_LIMIT_PER_MINUTE" => match value.trim().parse::<u32>() {
                Ok(n) => config.server.refresh_limit_per_minute = n,
                Err(_) => bad(&name, "must be a whole number"),
            },
            "STORAGE_URL" => config.storage.url = value,
            _ => {
                if let Some(account) = rest.strip_prefix("ACCOUNT_")
                    && let Err(message) = apply_account(config, account, value)
                {
                    bad(&name, &message);
                }
            }
        }
    }
    problems
}

fn apply_account(config: &mut Config, rest: &str, value: String) -> Result<(), String> {
    let field = ACCOUNT_FIELDS
        .iter()
        .find(|f| {
            rest.len() > f.len() + 1
                && rest.ends_with(*f)
                && rest.as_bytes()[rest.len() - f.len() - 1] == b'_'
        })
        .ok_or("names no account field")?;
    let id = &rest[..rest.len() - field.len() - 1];
    let account = config
        .accounts
        .iter_mut()
        .find(|a| a.id.to_ascii_uppercase().replace('-', "_") == id)
        .ok_or("names no configured account")?;
    match *field {
        "APP_ID" => account.app_id = value,
        "APP_SECRET" => account.app_secret = Secret::new(value),
        "TOKEN" => account.token = Secret::new(value),
        "ENCODING_AES_KEY" => account.encoding_aes_key = Some(Secret::new(value)),
        "PREVIOUS_ENCODING_AES_KEY" => account.previous_encoding_aes_key = Some(Secret::new(value)),
        "MODE" => account.mode = value.parse()?,
        "API_BASE" => account.api_base = value,
        "TOKEN_POLICY" => {
            account.token_policy = match value.as_str() {
                "token" => TokenPolicy::Token,
                "stable_token" => TokenPolicy::StableToken,
                _ => return Err("must be token or stable_token".to_owned()),
            };
        }
        _ => unreachable!("every field in ACCOUNT_FIELDS is handled"),
    }
    Ok(())
}
