//! WeChat error bodies → typed errors.

use wxgate_api::{ApiError, ErrCode};

/// A body and what it parses to: `None` for "not an error", else the code and the rid.
type Case = (&'static str, Option<(ErrCode, Option<&'static str>)>);

#[test]
fn real_bodies_map_to_codes_and_rids() {
    let table: &[Case] = &[
        (
            r#"{"errcode":45011,"errmsg":"api minute-quota reach limit, must slower, retry next minute rid: 5fb1e22f-15e0407f-00233e18"}"#,
            Some((
                ErrCode::MinuteQuotaExceeded,
                Some("5fb1e22f-15e0407f-00233e18"),
            )),
        ),
        (
            r#"{"errcode":40163,"errmsg":"code been used, rid: 613033ae-4a5a9224-3a2b9999"}"#,
            Some((ErrCode::CodeBeenUsed, Some("613033ae-4a5a9224-3a2b9999"))),
        ),
        (
            r#"{"errcode":40001,"errmsg":"invalid credential, access_token is invalid or not latest hint: [Bt1uQA0251vr40!]"}"#,
            Some((ErrCode::InvalidCredential, Some("Bt1uQA0251vr40!"))),
        ),
        (
            r#"{"errcode":40001,"errmsg":"invalid credential, access_token is invalid or not latest, could get access_token by getStableAccessToken, more details at https://mmbizurl.cn/s/JtxxFh33r rid: 66e1d6b4-0e9c1f3a-5b2d7c11"}"#,
            Some((
                ErrCode::InvalidCredential,
                Some("66e1d6b4-0e9c1f3a-5b2d7c11"),
            )),
        ),
        (
            r#"{"errcode":42001,"errmsg":"access_token expired hints: [ req_id: 1QoCla0699ns81 ]"}"#,
            Some((ErrCode::AccessTokenExpired, Some("1QoCla0699ns81"))),
        ),
        (
            r#"{"errcode":40164,"errmsg":"invalid ip 1.2.3.4 ipv6 ::ffff:1.2.3.4, not in whitelist rid: 6500a2c3-1b2c3d4e-5f6a7b8c"}"#,
            Some((
                ErrCode::IpNotInWhitelist,
                Some("6500a2c3-1b2c3d4e-5f6a7b8c"),
            )),
        ),
        (
            r#"{"errcode":-1,"errmsg":"system error"}"#,
            Some((ErrCode::SystemError, None)),
        ),
        (
            r#"{"errcode":40014,"errmsg":"invalid access_token"}"#,
            Some((ErrCode::InvalidAccessToken, None)),
        ),
        (
            r#"{"errcode":45009,"errmsg":"reach max api daily quota limit rid: 61fb6f2a-3e8b1c4d-0a9f8e7d"}"#,
            Some((
                ErrCode::DailyQuotaExceeded,
                Some("61fb6f2a-3e8b1c4d-0a9f8e7d"),
            )),
        ),
        (
            r#"{"errcode":48006,"errmsg":"forbid to clear quota because of reaching the limit"}"#,
            Some((ErrCode::ClearQuotaLimitReached, None)),
        ),
        (
            r#"{"errcode":61024,"errmsg":"must use api(api_component_token) to get token for component acct"}"#,
            Some((ErrCode::MustUseComponentToken, None)),
        ),
        (
            r#"{"errcode":76021,"errmsg":"cgi_path not found, please check"}"#,
            Some((ErrCode::CgiPathNotFound, None)),
        ),
        (
            r#"{"errcode":45015,"errmsg":"response out of time limit or subscription is canceled"}"#,
            Some((ErrCode::ResponseOutOfTimeLimit, None)),
        ),
        (
            r#"{"errcode":99999,"errmsg":"something new rid: 00000001-00000002-00000003"}"#,
            Some((ErrCode::Unknown(99999), Some("00000001-00000002-00000003"))),
        ),
        (r#"{"errcode":0,"errmsg":"ok"}"#, None),
        (r#"{"access_token":"ACCESS_TOKEN","expires_in":7200}"#, None),
        (
            r#"{"errcode":0,"errmsg":"ok","ticket":"T","expires_in":7200}"#,
            None,
        ),
        ("<html><body>502 Bad Gateway</body></html>", None),
        ("", None),
    ];
    for (body, expected) in table {
        let parsed = ApiError::parse(body.as_bytes());
        let got = parsed.as_ref().map(|e| (e.code(), e.rid()));
        assert_eq!(got, *expected, "{body}");
        if let Some(error) = parsed {
            assert!(
                body.contains(error.errmsg()),
                "errmsg kept verbatim: {body}"
            );
        }
    }
}

#[test]
fn token_invalid_codes_are_exactly_the_refresh_codes() {
    for code in [40001, 40014, 42001] {
        assert!(ErrCode::from_code(code).is_token_invalid());
    }
    for code in [-1, 40013, 40125, 41001, 45009, 48001, 0] {
        assert!(!ErrCode::from_code(code).is_token_invalid(), "{code}");
    }
}
