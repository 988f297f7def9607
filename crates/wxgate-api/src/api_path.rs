//! What a WeChat API path is: the one check behind the gateway's proxy (which forwards nothing
//! else), its scoped keys' path prefixes and `wxgate call`. Paths are checked as they came on
//! the wire (undecoded), so that nothing a caller sends can reach another host or escape the
//! API's roots.

/// The first segments of WeChat's server APIs on `api.weixin.qq.com` (see
/// [WeChat Docs/接口域名说明](https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Interface_field_description.html)):
/// the only roots the proxy forwards to.
pub const API_ROOTS: [&str; 11] = [
    "cgi-bin",
    "sns",
    "wxa",
    "datacube",
    "card",
    "customservice",
    "merchant",
    "semantic",
    "wxaapi",
    "shop",
    "channels",
];

/// Why a path is not forwarded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BadPath {
    /// Nothing at all.
    Empty,
    /// `//`, or a leading or trailing `/`.
    EmptySegment,
    /// A `.` or `..` segment.
    DotSegment,
    /// A character outside `[A-Za-z0-9_.-/]` (a scheme, a host, `%`, `\`, a control character).
    Character,
    /// The first segment is none of [`API_ROOTS`].
    Root,
}

impl BadPath {
    /// The message of the 400 answer (never the path itself, which may hold anything).
    pub fn message(self) -> &'static str {
        match self {
            Self::Empty => "the WeChat API path is empty",
            Self::EmptySegment => {
                "the WeChat API path has an empty segment (`//` or a trailing `/`)"
            }
            Self::DotSegment => "the WeChat API path has a `.` or `..` segment",
            Self::Character => {
                "the WeChat API path may hold only letters, digits, `_`, `-`, `.` and `/` \
                 (no scheme, host, backslash, percent-encoding or control character)"
            }
            Self::Root => {
                "the WeChat API path must start with one of cgi-bin, sns, wxa, datacube, card, \
                 customservice, merchant, semantic, wxaapi, shop, channels"
            }
        }
    }
}

/// Checks a WeChat API path as it came on the wire (e.g. `cgi-bin/user/get`, no leading `/`):
/// non-empty segments of `[A-Za-z0-9_.-]`, none `.` or `..`, the first one of [`API_ROOTS`].
/// Percent signs are refused outright, so an encoded `/`, `.` or `\` cannot slip through.
pub fn check(path: &str) -> Result<(), BadPath> {
    if path.is_empty() {
        return Err(BadPath::Empty);
    }
    for segment in path.split('/') {
        if segment.is_empty() {
            return Err(BadPath::EmptySegment);
        }
        if segment == "." || segment == ".." {
            return Err(BadPath::DotSegment);
        }
        if !segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        {
            return Err(BadPath::Character);
        }
    }
    let root = path.split('/').next().unwrap_or_default();
    if !API_ROOTS.contains(&root) {
        return Err(BadPath::Root);
    }
    Ok(())
}

/// Checks a scoped key's path prefix (`cgi-bin/menu/`, `cgi-bin/user/get`): a WeChat API path,
/// a trailing `/` allowed.
pub fn check_prefix(prefix: &str) -> Result<(), BadPath> {
    check(prefix.strip_suffix('/').unwrap_or(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_paths_pass() {
        for good in [
            "cgi-bin/user/get",
            "cgi-bin/clear_quota/v2",
            "sns/oauth2/access_token",
            "wxa/getwxacodeunlimit",
            "channels/ec/basics/info/get",
            "cgi-bin",
        ] {
            assert_eq!(check(good), Ok(()), "{good}");
        }
    }

    #[test]
    fn everything_else_is_refused_with_its_reason() {
        for (bad, why) in [
            ("", BadPath::Empty),
            ("cgi-bin//user/get", BadPath::EmptySegment),
            ("/cgi-bin/user/get", BadPath::EmptySegment),
            ("//evil.example/cgi-bin/x", BadPath::EmptySegment),
            ("cgi-bin/user/", BadPath::EmptySegment),
            ("cgi-bin/../admin", BadPath::DotSegment),
            ("cgi-bin/./user/get", BadPath::DotSegment),
            ("..", BadPath::DotSegment),
            ("http:/evil.example", BadPath::Character),
            ("http://evil.example/cgi-bin", BadPath::Character),
            ("cgi-bin\\user", BadPath::Character),
            ("cgi-bin%2Fuser", BadPath::Character),
            ("cgi-bin/%2e%2e/x", BadPath::Character),
            ("cgi-bin/%2E", BadPath::Character),
            ("cgi-bin/us\ter", BadPath::Character),
            ("cgi-bin/user\0", BadPath::Character),
            ("cgi-bin/user get", BadPath::Character),
            ("cgi-bin/user@evil", BadPath::Character),
            ("admin/user/get", BadPath::Root),
            ("evil.example/cgi-bin", BadPath::Root),
            ("CGI-BIN/user/get", BadPath::Root),
        ] {
            assert_eq!(check(bad), Err(why), "{bad:?}");
        }
    }

    #[test]
    fn prefixes_may_end_with_a_slash() {
        assert_eq!(check_prefix("cgi-bin/menu/"), Ok(()));
        assert_eq!(check_prefix("cgi-bin/menu/get"), Ok(()));
        assert_eq!(check_prefix("cgi-bin/"), Ok(()));
        assert_eq!(check_prefix("/cgi-bin/menu/"), Err(BadPath::EmptySegment));
        assert_eq!(check_prefix("menu/"), Err(BadPath::Root));
        assert_eq!(check_prefix(""), Err(BadPath::Empty));
    }
}
