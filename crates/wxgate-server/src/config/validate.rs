//! The checks of a typed [`Config`]: each field's rule, as a pure function of its value, and
//! [`Config::problems`] gathering what they find with each field's path.

use std::fmt;
use std::net::SocketAddr;

use wxgate_proto::callback::Mode;
use wxgate_proto::crypto::AesKey;

use super::{
    AccountConfig, ComponentConfig, Config, NewsCard, Problem, ReplyContent, ServerConfig, Trigger,
    WebhookConfig, WebhookMode,
};

/// The message of a scoped key's empty list.
const EMPTY_SCOPE: &str = "is empty: leave it out to allow all";

/// The message of a bad public URL.
const PUBLIC_URL: &str = "must be http(s)://host[:port], with no path";

/// The message of a bad EncodingAESKey.
const BAD_AES_KEY: &str = "must be 43 characters of [A-Za-z0-9]";

impl Config {
    /// Checks every field; returns the problems found (empty when valid). Lines are not filled.
    #[must_use]
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = server_problems(&self.server);
        if !is_storage_url(&self.storage.url) {
            out.push(Problem::new(
                "storage.url",
                "must start with sqlite://, memory:// or redis://",
            ));
        }
        match (&self.registry.url, self.registry_url()) {
            (Some(url), _) if !is_registry_url(url) => out.push(Problem::new(
                "registry.url",
                "must start with sqlite:, postgres:// or postgresql://",
            )),
            (None, None) => out.push(Problem::new(
                "registry.url",
                "is required with a Redis store: name one registry every instance shares \
                 (postgres://USER@HOST/DATABASE), rather than one per instance",
            )),
            _ => {}
        }
        if self.accounts.is_empty() && self.components.is_empty() {
            out.push(Problem::new(
                "accounts",
                "at least one [[accounts]] or [[components]] is needed",
            ));
        }
        for (i, key) in self.server.api_keys.iter().enumerate() {
            for (j, id) in key.accounts.iter().flatten().enumerate() {
                // An authorizer is named by its AppID; which component it authorized is only
                // known at run time (the store), so any AppID is accepted with components.
                let authorizer = !self.components.is_empty() && is_app_id(id);
                if self.account(id).is_none() && !authorizer {
                    let message = if self.components.is_empty() {
                        format!("names no configured account ({id:?})")
                    } else {
                        format!("names no configured account nor an authorizer AppID ({id:?})")
                    };
                    out.push(Problem::new(
                        format!("server.api_keys[{i}].accounts[{j}]"),
                        message,
                    ));
                }
            }
            for (j, id) in key.components.iter().flatten().enumerate() {
                if self.component(id).is_none() {
                    out.push(Problem::new(
                        format!("server.api_keys[{i}].components[{j}]"),
                        format!("names no configured component ({id:?})"),
                    ));
                }
            }
        }
        for (i, account) in self.accounts.iter().enumerate() {
            let at = |field: &str| format!("accounts[{i}].{field}");
            if !is_account_id(&account.id) {
                out.push(Problem::new(
                    at("id"),
                    "must be letters, digits, '-' or '_'",
                ));
            } else if self.accounts[..i].iter().any(|a| a.id == account.id) {
                out.push(Problem::new(at("id"), "is used by another account"));
            }
            out.extend(
                account_problems(account)
                    .into_iter()
                    .map(|(field, message)| Problem::new(at(&field), message)),
            );
        }
        for (i, component) in self.components.iter().enumerate() {
            let at = |field: &str| format!("components[{i}].{field}");
            if !is_account_id(&component.id) {
                out.push(Problem::new(
                    at("id"),
                    "must be letters, digits, '-' or '_'",
                ));
            } else if self.components[..i].iter().any(|c| c.id == component.id) {
                out.push(Problem::new(at("id"), "is used by another component"));
            }
            out.extend(
                component_problems(component)
                    .into_iter()
                    .map(|(field, message)| Problem::new(at(&field), message)),
            );
        }
        out
    }
}

impl Config {
    /// Advice that does not make the configuration invalid (`wxgate check-config` prints it):
    /// a component with no public URL, whose authorization page then trusts the `Host` header,
    /// and a sync component webhook that names authorization notices (never sent to it).
    #[must_use]
    pub fn warnings(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if self.server.public_url.is_none() {
            for (i, component) in self.components.iter().enumerate() {
                if component.public_url.is_none() {
                    out.push(Problem::new(
                        format!("components[{i}].public_url"),
                        "is not set (nor server.public_url): the authorization page builds its \
                         return URL from the request's Host header, which a client can choose",
                    ));
                }
            }
        }
        for (i, component) in self.components.iter().enumerate() {
            for (j, hook) in component.webhooks.iter().enumerate() {
                let notices = ["authorized", "updateauthorized", "unauthorized"];
                if hook.mode == WebhookMode::Sync
                    && hook.events.iter().any(|e| notices.contains(&e.as_str()))
                {
                    out.push(Problem::new(
                        format!("components[{i}].webhooks[{j}].events"),
                        "names authorization notices, which go to async webhooks only \
                         (nothing can be answered to them): this sync webhook never gets them",
                    ));
                }
            }
        }
        out
    }
}

/// A component's problems (but its id's), as (field below the component, message).
fn component_problems(component: &ComponentConfig) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut problem = |field: &str, message: &str| out.push((field.into(), message.into()));
    if !is_app_id(&component.app_id) {
        problem("app_id", "must be letters and digits (wx…)");
    }
    if component.app_secret.expose().trim().is_empty() {
        problem(
            "app_secret",
            "is required: the component token is fetched with it",
        );
    }
    if !is_callback_token(component.token.expose()) {
        problem(
            "token",
            "must be 3-32 letters or digits (as on the WeChat platform)",
        );
    }
    if AesKey::parse(component.encoding_aes_key.expose()).is_err() {
        problem("encoding_aes_key", BAD_AES_KEY);
    }
    if !is_http_url(&component.api_base) {
        problem("api_base", "must be an http:// or https:// URL");
    }
    if component
        .authorize_base
        .as_deref()
        .is_some_and(|url| !is_http_url(url))
    {
        problem("authorize_base", "must be an http:// or https:// URL");
    }
    if component
        .public_url
        .as_deref()
        .is_some_and(|url| !crate::origin::is_public_url(url))
    {
        problem("public_url", PUBLIC_URL);
    }
    for (field, message) in webhook_problems(&component.webhooks) {
        problem(&field, message);
    }
    for (j, rule) in component.replies.iter().enumerate() {
        if let Trigger::Regex(pattern) = &rule.trigger
            && let Some(detail) = regex_problem(pattern)
        {
            let message = format!("is not a valid regular expression: {detail}");
            problem(&format!("replies[{j}].regex"), &message);
        }
        if let Some(message) = content_problem(&rule.content) {
            problem(&format!("replies[{j}]"), message);
        }
    }
    if let Some(message) = component.subscribe_reply.as_ref().and_then(content_problem) {
        problem("subscribe_reply", message);
    }
    out
}

/// `[server]`'s problems.
fn server_problems(server: &ServerConfig) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut check = |ok: bool, field: &str, message: &str| {
        if !ok {
            out.push(Problem::new(format!("server.{field}"), message));
        }
    };
    check(
        server.listen.parse::<SocketAddr>().is_ok(),
        "listen",
        "must be host:port with an IP address, e.g. 127.0.0.1:8080",
    );
    for (i, key) in server.api_keys.iter().enumerate() {
        let field = |name: &str| match (&key.accounts, &key.components, &key.paths) {
            (None, None, None) => format!("api_keys[{i}]"),
            _ => format!("api_keys[{i}].{name}"),
        };
        check(
            is_api_key(key.key.expose()),
            &field("key"),
            "must be at least 8 characters",
        );
        if key.accounts.as_ref().is_some_and(Vec::is_empty) {
            check(false, &field("accounts"), EMPTY_SCOPE);
        }
        if key.components.as_ref().is_some_and(Vec::is_empty) {
            check(false, &field("components"), EMPTY_SCOPE);
        }
        match &key.paths {
            Some(paths) if paths.is_empty() => check(false, &field("paths"), EMPTY_SCOPE),
            Some(paths) => {
                for (j, prefix) in paths.iter().enumerate() {
                    if let Err(bad) = crate::proxy::path::check_prefix(prefix) {
                        let message = format!(
                            "must be a WeChat API path prefix such as cgi-bin/menu/: {}",
                            bad.message()
                        );
                        check(false, &format!("api_keys[{i}].paths[{j}]"), &message);
                    }
                }
            }
            None => {}
        }
    }
    check(
        server
            .public_url
            .as_deref()
            .is_none_or(crate::origin::is_public_url),
        "public_url",
        PUBLIC_URL,
    );
    check(
        (1..5000).contains(&server.callback_deadline_ms),
        "callback_deadline_ms",
        "must be between 1 and 4999: WeChat gives up after 5 s",
    );
    check(
        server.max_body_bytes >= 1024,
        "max_body_bytes",
        "must be at least 1024",
    );
    check(
        server.dedup_max_entries >= 1000,
        "dedup_max_entries",
        "must be at least 1000: fewer would forget pushes WeChat still retries",
    );
    check(
        (100..=600_000).contains(&server.token_wait_ms),
        "token_wait_ms",
        "must be between 100 and 600000 (ms)",
    );
    check(
        server.authorizer_refresh_rate >= 1,
        "authorizer_refresh_rate",
        "must be at least 1 (refreshes per second)",
    );
    check(
        server.min_stale_age_secs <= 7200,
        "min_stale_age_secs",
        "must be at most 7200: a token lives 2 hours",
    );
    check(
        server.dedup_max_bytes >= 1 << 20,
        "dedup_max_bytes",
        "must be at least 1048576 (1 MiB)",
    );
    check(
        (1..=1000).contains(&server.store_call_budget_ms),
        "store_call_budget_ms",
        "must be between 1 and 1000",
    );
    check(
        (1000..=600_000).contains(&server.deferred_claim_ms),
        "deferred_claim_ms",
        "must be between 1000 and 600000 (ms)",
    );
    out
}

/// An account's problems (but its id's), as (field below the account, message).
fn account_problems(account: &AccountConfig) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut problem = |field: &str, message: &str| out.push((field.into(), message.into()));
    if !is_app_id(&account.app_id) {
        problem("app_id", "must be letters and digits (wx…)");
    }
    if !is_callback_token(account.token.expose()) {
        problem(
            "token",
            "must be 3-32 letters or digits (as on the WeChat platform)",
        );
    }
    match (&account.encoding_aes_key, account.mode) {
        (None, Mode::Compatible | Mode::Safe) => problem(
            "encoding_aes_key",
            &format!("is required in {} mode", account.mode.as_str()),
        ),
        (Some(key), _) if AesKey::parse(key.expose()).is_err() => {
            problem("encoding_aes_key", BAD_AES_KEY);
        }
        _ => {}
    }
    if let Some(key) = &account.previous_encoding_aes_key
        && AesKey::parse(key.expose()).is_err()
    {
        problem("previous_encoding_aes_key", BAD_AES_KEY);
    }
    if !is_http_url(&account.api_base) {
        problem("api_base", "must be an http:// or https:// URL");
    }
    for (j, rule) in account.replies.iter().enumerate() {
        if let Trigger::Regex(pattern) = &rule.trigger
            && let Some(detail) = regex_problem(pattern)
        {
            let message = format!("is not a valid regular expression: {detail}");
            problem(&format!("replies[{j}].regex"), &message);
        }
        if let Some(message) = content_problem(&rule.content) {
            problem(&format!("replies[{j}]"), message);
        }
    }
    if let Some(message) = account.subscribe_reply.as_ref().and_then(content_problem) {
        problem("subscribe_reply", message);
    }
    for (j, campaign) in account.campaigns.iter().enumerate() {
        let scene = campaign.scene.strip_suffix('*').unwrap_or(&campaign.scene);
        if campaign.scene.is_empty() || scene.contains('*') || scene.len() > 64 {
            problem(
                &format!("campaigns[{j}].scene"),
                "must be a scene (1-64 characters) or a prefix ending in one '*'",
            );
        }
        if let Some(message) = content_problem(&campaign.content) {
            problem(&format!("campaigns[{j}]"), message);
        }
    }
    for (field, message) in webhook_problems(&account.webhooks) {
        problem(&field, message);
    }
    if let Some(oauth) = &account.oauth {
        if oauth.allowed_redirects.is_empty() {
            problem("oauth.allowed_redirects", "must list at least one origin");
        }
        for (j, origin) in oauth.allowed_redirects.iter().enumerate() {
            if !super::web::is_origin(origin) {
                problem(
                    &format!("oauth.allowed_redirects[{j}]"),
                    "must be an origin: http(s)://host[:port], with no path",
                );
            }
        }
        if oauth
            .callback_url
            .as_deref()
            .is_some_and(|url| !is_http_url(url))
        {
            problem("oauth.callback_url", "must be an http:// or https:// URL");
        }
        if oauth
            .authorize_base
            .as_deref()
            .is_some_and(|url| !is_http_url(url))
        {
            problem("oauth.authorize_base", "must be an http:// or https:// URL");
        }
        if !(1..=3600).contains(&oauth.ticket_ttl_secs) {
            problem("oauth.ticket_ttl_secs", "must be between 1 and 3600 (s)");
        }
        if account.app_secret.expose().is_empty() {
            problem(
                "oauth",
                "needs the account's app_secret (the code exchange uses it)",
            );
        }
    }
    if let Some(jssdk) = &account.jssdk {
        if jssdk.domains.is_empty() {
            problem("jssdk.domains", "must list at least one domain");
        }
        for (j, domain) in jssdk.domains.iter().enumerate() {
            if !super::web::is_domain_entry(domain.trim()) {
                problem(
                    &format!("jssdk.domains[{j}]"),
                    "must be a host name, optionally with :port (no scheme, no path)",
                );
            }
        }
    }
    for invalid in account.menu.iter().flat_map(|menu| menu.problems()) {
        let message = format!(
            "{} (WeChat would answer errcode {})",
            invalid.message(),
            invalid.errcode()
        );
        problem(&format!("menu.{}", invalid.path()), &message);
    }
    out
}

fn is_storage_url(url: &str) -> bool {
    ["sqlite:", "memory://", "redis://", "rediss://"]
        .iter()
        .any(|scheme| url.starts_with(scheme))
}

fn is_registry_url(url: &str) -> bool {
    let url = url.trim().to_ascii_lowercase();
    ["sqlite:", "postgres://", "postgresql://"]
        .iter()
        .any(|scheme| url.starts_with(scheme))
}

fn is_api_key(key: &str) -> bool {
    key.trim().len() >= 8
}

fn is_account_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn is_app_id(app_id: &str) -> bool {
    !app_id.is_empty() && app_id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// WeChat's rule for the callback Token: 3–32 letters or digits.
fn is_callback_token(token: &str) -> bool {
    (3..=32).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The problems of `[[….webhooks]]`, as (field below the account or component, message).
fn webhook_problems(hooks: &[WebhookConfig]) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    for (j, hook) in hooks.iter().enumerate() {
        if !is_http_url(&hook.url) {
            out.push((
                format!("webhooks[{j}].url"),
                "must be an http:// or https:// URL",
            ));
        }
        if hook.secret.expose().len() < 16 {
            out.push((
                format!("webhooks[{j}].secret"),
                "must be at least 16 characters",
            ));
        }
        if hook.events.is_empty() || hook.events.iter().any(|e| e.trim().is_empty()) {
            out.push((
                format!("webhooks[{j}].events"),
                "must list message types and event names (or \"*\" for every push)",
            ));
        }
        if !(1..=100).contains(&hook.max_attempts) {
            out.push((
                format!("webhooks[{j}].max_attempts"),
                "must be between 1 and 100",
            ));
        }
        if hook
            .timeout_ms
            .is_some_and(|ms| !(100..=60_000).contains(&ms))
        {
            out.push((
                format!("webhooks[{j}].timeout_ms"),
                "must be between 100 and 60000 (ms)",
            ));
        }
    }
    out
}

fn is_http_url(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://")
}

fn content_problem(content: &ReplyContent) -> Option<&'static str> {
    match content {
        ReplyContent::News(NewsCard { title, .. }) if title.trim().is_empty() => {
            Some("news needs a title")
        }
        _ => None,
    }
}

/// What is wrong with a pattern, on one line; `None` when it compiles.
fn regex_problem(pattern: &str) -> Option<String> {
    regex::Regex::new(pattern)
        .err()
        .map(|error| regex_detail(pattern, &error))
}

/// What is wrong with a pattern, on one line. regex's own message spreads over several lines
/// (a header, the pattern, a caret, then the error), so its first line says nothing; the
/// pattern is parsed again with regex-syntax (the parser regex uses) for the error's kind and
/// where in the pattern it is.
fn regex_detail(pattern: &str, error: &regex::Error) -> String {
    let at = |kind: &dyn fmt::Display, span: &regex_syntax::ast::Span| {
        format!("{kind} (at character {} of the pattern)", span.start.column)
    };
    match regex_syntax::Parser::new().parse(pattern) {
        Err(regex_syntax::Error::Parse(e)) => at(e.kind(), e.span()),
        Err(regex_syntax::Error::Translate(e)) => at(e.kind(), e.span()),
        // Not a syntax error (e.g. the compiled pattern is too big): regex says it in a line.
        _ => error
            .to_string()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_urls_by_scheme() {
        for good in [
            "sqlite://x.db",
            "sqlite::memory:",
            "memory://",
            "redis://h/0",
            "rediss://h",
        ] {
            assert!(is_storage_url(good), "{good}");
        }
        for bad in ["postgres://x", "", "redis:/h", "MEMORY://"] {
            assert!(!is_storage_url(bad), "{bad}");
        }
    }

    #[test]
    fn account_ids_app_ids_and_tokens() {
        assert!(is_account_id("main-2_b"));
        assert!(!is_account_id(""));
        assert!(!is_account_id("a b"));
        assert!(!is_account_id("café"));
        assert!(is_app_id("wx0123abc"));
        assert!(!is_app_id("wx-1"));
        assert!(!is_app_id(""));
        assert!(is_callback_token("abc"));
        assert!(is_callback_token(&"a".repeat(32)));
        assert!(!is_callback_token("ab"));
        assert!(!is_callback_token(&"a".repeat(33)));
        assert!(!is_callback_token("abc!"));
        assert!(is_api_key("  12345678  "));
        assert!(!is_api_key("  1234567  "));
        assert!(is_http_url("http://127.0.0.1:1"));
        assert!(!is_http_url("ftp://nope"));
    }

    #[test]
    fn contents_and_patterns() {
        assert_eq!(content_problem(&ReplyContent::Text(String::new())), None);
        let untitled = ReplyContent::News(NewsCard {
            title: "  ".into(),
            ..NewsCard::default()
        });
        assert_eq!(content_problem(&untitled), Some("news needs a title"));
        assert_eq!(regex_problem("^a(b)$"), None);
        assert_eq!(
            regex_problem("(x").as_deref(),
            Some("unclosed group (at character 1 of the pattern)")
        );
    }

    #[test]
    fn server_limits() {
        assert!(server_problems(&ServerConfig::default()).is_empty());
        let server = ServerConfig {
            callback_deadline_ms: 5000,
            max_body_bytes: 1023,
            ..ServerConfig::default()
        };
        let paths: Vec<String> = server_problems(&server)
            .into_iter()
            .map(|p| p.path)
            .collect();
        assert_eq!(
            paths,
            ["server.callback_deadline_ms", "server.max_body_bytes"]
        );
    }
}
