//! What each endpoint file declares about its WeChat API (method, path, daily limit), and the
//! builder through which each group of endpoints adds its own routes.
//!
//! An endpoint file owns one path: `pub(super) const API: Api = Api::post("cgi-bin/tags/create")
//! .daily(1_000);` beside its handler, and its group's `routes` adds it with
//! [`Routes::api`]. The list of every API served ([`super::apis`]) is built from the same calls,
//! so the quota table, the route table and the coverage test cannot disagree.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::routing::{MethodRouter, get, post};

use crate::Sandbox;
use crate::error::WxError;

/// The HTTP method WeChat requires of an API (43001 / 43002 for the other one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
}

impl Method {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
        }
    }
}

/// One WeChat API as the sandbox serves it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Api {
    pub(crate) method: Method,
    /// The path without its leading `/` (`cgi-bin/tags/create`), as call counts, faults and
    /// quotas name it.
    pub(crate) path: &'static str,
    /// WeChat's default daily limit for a formal account, if it has one (see
    /// [WeChat Docs/接口调用频次限制说明](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/API_Call_Limits.html)).
    pub(crate) daily_limit: Option<u64>,
    /// A larger body limit than axum's default (uploads).
    pub(crate) body_limit: Option<usize>,
}

impl Api {
    pub(crate) const fn get(path: &'static str) -> Self {
        Self::new(Method::Get, path)
    }

    pub(crate) const fn post(path: &'static str) -> Self {
        Self::new(Method::Post, path)
    }

    const fn new(method: Method, path: &'static str) -> Self {
        Self {
            method,
            path,
            daily_limit: None,
            body_limit: None,
        }
    }

    /// With a daily limit.
    pub(crate) const fn daily(mut self, limit: u64) -> Self {
        self.daily_limit = Some(limit);
        self
    }

    /// With a body limit of `bytes`.
    pub(crate) const fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = Some(bytes);
        self
    }
}

/// The routes of WeChat's APIs and the list of what they serve, built together.
pub(crate) struct Routes {
    router: Router<Sandbox>,
    apis: Vec<Api>,
}

impl Routes {
    pub(crate) fn new() -> Self {
        Self {
            router: Router::new(),
            apis: Vec::new(),
        }
    }

    /// Serves `api` with `handler`; the other method answers WeChat's 43001 / 43002.
    pub(crate) fn api<H, T>(mut self, api: Api, handler: H) -> Self
    where
        H: Handler<T, Sandbox>,
        T: 'static,
    {
        let mut route = match api.method {
            Method::Get => get_only(handler),
            Method::Post => post_only(handler),
        };
        if let Some(bytes) = api.body_limit {
            route = route.layer(DefaultBodyLimit::max(bytes));
        }
        self.router = self.router.route(&format!("/{}", api.path), route);
        self.apis.push(api);
        self
    }

    /// A route that is not one of WeChat's APIs (a page): served, not listed.
    pub(crate) fn page(mut self, path: &str, route: MethodRouter<Sandbox>) -> Self {
        self.router = self.router.route(path, route);
        self
    }

    pub(crate) fn into_parts(self) -> (Router<Sandbox>, Vec<Api>) {
        (self.router, self.apis)
    }
}

fn get_only<H, T>(handler: H) -> MethodRouter<Sandbox>
where
    H: Handler<T, Sandbox>,
    T: 'static,
{
    get(handler).fallback(|| async { WxError::new(43001, "require GET method") })
}

fn post_only<H, T>(handler: H) -> MethodRouter<Sandbox>
where
    H: Handler<T, Sandbox>,
    T: 'static,
{
    post(handler).fallback(|| async { WxError::new(43002, "require POST method") })
}
