//! WeChat's `errcode` values.
//!
//! See [WeChat Docs/全局返回码说明](https://developers.weixin.qq.com/doc/offiaccount/Getting_Started/Global_Return_Code.html)
//! and the error table of [WeChat Docs/获取Access token](https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Get_access_token.html).

use std::fmt;

macro_rules! errcodes {
    ($($(#[$meta:meta])* $variant:ident = $code:literal,)*) => {
        /// A WeChat `errcode`: the known codes by name, anything else as [`ErrCode::Unknown`].
        ///
        /// Match on the code, never on `errmsg` (its text and its `rid` suffix change).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrCode {
            $($(#[$meta])* $variant,)*
            /// A code this crate has no name for yet.
            Unknown(i64),
        }

        impl ErrCode {
            /// The code for a numeric `errcode`.
            pub fn from_code(code: i64) -> Self {
                match code {
                    $($code => Self::$variant,)*
                    other => Self::Unknown(other),
                }
            }

            /// The numeric `errcode`.
            pub fn code(self) -> i64 {
                match self {
                    $(Self::$variant => $code,)*
                    Self::Unknown(code) => code,
                }
            }
        }
    };
}

errcodes! {
    /// `-1` system error: the platform is busy; retry with back-off.
    SystemError = -1,
    /// `40001` invalid credential: the access_token is invalid or not the latest (on
    /// `cgi-bin/token` itself: the AppSecret is wrong).
    InvalidCredential = 40001,
    /// `40002` invalid grant_type.
    InvalidGrantType = 40002,
    /// `40003` invalid openid.
    InvalidOpenId = 40003,
    /// `40004` invalid media type.
    InvalidMediaType = 40004,
    /// `40005` invalid file type (the file's format does not fit the media type).
    InvalidFileType = 40005,
    /// `40006` invalid file size.
    InvalidFileSize = 40006,
    /// `40007` invalid media_id.
    InvalidMediaId = 40007,
    /// `40008` invalid message type.
    InvalidMessageType = 40008,
    /// `40013` invalid appid.
    InvalidAppId = 40013,
    /// `40014` invalid access_token (malformed).
    InvalidAccessToken = 40014,
    /// `40016` invalid menu button count (1–3 top-level buttons).
    InvalidButtonSize = 40016,
    /// `40017` invalid menu button type.
    InvalidButtonType = 40017,
    /// `40018` invalid menu button name size.
    InvalidButtonNameSize = 40018,
    /// `40019` invalid menu button key size.
    InvalidButtonKeySize = 40019,
    /// `40020` invalid menu button url size.
    InvalidButtonUrlSize = 40020,
    /// `40023` invalid sub-button count (1–5).
    InvalidSubButtonSize = 40023,
    /// `40024` invalid sub-button type.
    InvalidSubButtonType = 40024,
    /// `40025` invalid sub-button name size.
    InvalidSubButtonNameSize = 40025,
    /// `40026` invalid sub-button key size.
    InvalidSubButtonKeySize = 40026,
    /// `40027` invalid sub-button url size.
    InvalidSubButtonUrlSize = 40027,
    /// `40029` invalid OAuth code.
    InvalidCode = 40029,
    /// `40030` invalid refresh_token.
    InvalidRefreshToken = 40030,
    /// `40032` invalid openid list size.
    InvalidOpenIdListSize = 40032,
    /// `40033` invalid charset (`\uxxxx` escapes).
    InvalidCharset = 40033,
    /// `40037` invalid template_id.
    InvalidTemplateId = 40037,
    /// `40097` invalid args (e.g. the ticket `type`).
    InvalidArgs = 40097,
    /// `40125` invalid appsecret.
    InvalidAppSecret = 40125,
    /// `40130` a mass send's OpenID list has fewer than 2 or more than 10 000 entries.
    InvalidOpenIdList = 40130,
    /// `40163` OAuth code already used.
    CodeBeenUsed = 40163,
    /// `40164` the caller's IP is not in the whitelist.
    IpNotInWhitelist = 40164,
    /// `40243` the AppSecret is frozen.
    AppSecretFrozen = 40243,
    /// `40246` a category template's keyword names are empty or not in the library.
    InvalidKeywordName = 40246,
    /// `41001` access_token missing.
    AccessTokenMissing = 41001,
    /// `41002` appid missing.
    AppIdMissing = 41002,
    /// `41004` appsecret missing.
    AppSecretMissing = 41004,
    /// `41005` media data missing (no `media` part in an upload).
    MediaDataMissing = 41005,
    /// `41008` OAuth code missing.
    CodeMissing = 41008,
    /// `42001` access_token expired.
    AccessTokenExpired = 42001,
    /// `42002` refresh_token expired.
    RefreshTokenExpired = 42002,
    /// `42007` tokens invalidated by a password change.
    TokensInvalidated = 42007,
    /// `43001` require GET method.
    RequireGetMethod = 43001,
    /// `43002` require POST method.
    RequirePostMethod = 43002,
    /// `43003` require https.
    RequireHttps = 43003,
    /// `43004` the recipient does not follow the account.
    RequireSubscribe = 43004,
    /// `43019` the recipient is in the blacklist.
    UserInBlacklist = 43019,
    /// `44002` empty post data.
    EmptyPostData = 44002,
    /// `44003` empty news data (a draft without articles).
    EmptyNewsData = 44003,
    /// `45001` media size out of limit.
    MediaSizeOutOfLimit = 45001,
    /// `45002` content size out of limit.
    ContentSizeOutOfLimit = 45002,
    /// `45003` title size out of limit.
    TitleSizeOutOfLimit = 45003,
    /// `45004` description (digest) size out of limit.
    DescriptionSizeOutOfLimit = 45004,
    /// `45005` url size out of limit.
    UrlSizeOutOfLimit = 45005,
    /// `45008` article size out of limit (too many articles).
    ArticleSizeOutOfLimit = 45008,
    /// `45009` the API's daily quota is used up.
    DailyQuotaExceeded = 45009,
    /// `45011` the API's per-minute limit is reached.
    MinuteQuotaExceeded = 45011,
    /// `45015` the customer-service window is closed or the user unfollowed.
    ResponseOutOfTimeLimit = 45015,
    /// `45026` the account already has the most templates it may have.
    TemplateNumExceedsLimit = 45026,
    /// `45029` the account has as many permanent QR codes as it may have.
    QrCodeCountOutOfLimit = 45029,
    /// `45047` the customer-service message quota of the window is used up.
    OutOfResponseCountLimit = 45047,
    /// `45056` the account has as many tags as it may have (100).
    TooManyTags = 45056,
    /// `45057` the tag has too many followers to be deleted.
    TagHasTooManyFans = 45057,
    /// `45058` the system tags (0, 1, 2) cannot be changed or deleted.
    SystemTag = 45058,
    /// `45059` a user has as many tags as they may have (20).
    UserHasTooManyTags = 45059,
    /// `45065` a mass send with this `clientmsgid` was already made (the answer carries its `msg_id`).
    ClientMsgIdExists = 45065,
    /// `45066` mass sends with the same `clientmsgid` retried too fast.
    ClientMsgIdRetryTooFast = 45066,
    /// `45067` the `clientmsgid` is longer than 64 bytes.
    ClientMsgIdTooLong = 45067,
    /// `45072` invalid typing command.
    InvalidTypingCommand = 45072,
    /// `45080` typing needs an interaction within the last 30 s.
    TypingNotAllowed = 45080,
    /// `45081` typing is already active.
    AlreadyTyping = 45081,
    /// `45083` the mass-send speed is not 0–4.
    MassSpeedOutOfRange = 45083,
    /// `45084` the mass-send speed is missing.
    MassSpeedMissing = 45084,
    /// `45110` author size out of limit.
    AuthorSizeOutOfLimit = 45110,
    /// `45157` invalid tag name: empty, or another tag has it.
    InvalidTagName = 45157,
    /// `45158` the tag name is longer than 30 bytes.
    TagNameTooLong = 45158,
    /// `45159` invalid tag id.
    InvalidTagId = 45159,
    /// `46002` the menu version does not exist.
    MenuVersionNotExist = 46002,
    /// `46003` the menu does not exist.
    MenuNotExist = 46003,
    /// `46004` the user does not exist.
    UserNotExist = 46004,
    /// `47001` data format error (JSON/XML parse error).
    DataFormatError = 47001,
    /// `47003` argument invalid.
    ArgumentInvalid = 47003,
    /// `48001` api unauthorized: the account lacks the permission.
    ApiUnauthorized = 48001,
    /// `48002` the user refuses messages.
    UserRefusesMessages = 48002,
    /// `48004` api forbidden for irregularities.
    ApiForbidden = 48004,
    /// `48006` the monthly quota-clearing limit is reached.
    ClearQuotaLimitReached = 48006,
    /// `49003` the openid does not belong to this appid.
    OpenIdNotOfApp = 49003,
    /// `50001` user unauthorized.
    UserUnauthorized = 50001,
    /// `50002` user limited.
    UserLimited = 50002,
    /// `50004` this account may not use the token API.
    TokenUseForbidden = 50004,
    /// `50007` the account is frozen.
    AccountFrozen = 50007,
    /// `53600` invalid article_id (publishing).
    InvalidArticleId = 53600,
    /// `61003` the component is not authorized by this account.
    ComponentNotAuthorized = 61003,
    /// `61004` the component's client IP is not registered.
    ComponentIpNotRegistered = 61004,
    /// `61005` component_verify_ticket expired.
    ComponentTicketExpired = 61005,
    /// `61006` component_verify_ticket invalid.
    ComponentTicketInvalid = 61006,
    /// `61007` the API is not authorized to the component.
    ApiUnauthorizedToComponent = 61007,
    /// `61009` the authorization code is invalid.
    AuthorizationCodeInvalid = 61009,
    /// `61010` the authorization code expired.
    AuthorizationCodeExpired = 61010,
    /// `61011` invalid component.
    InvalidComponent = 61011,
    /// `61023` the authorizer refresh_token is invalid.
    InvalidAuthorizerRefreshToken = 61023,
    /// `61024` a component-managed account must use the component's token API.
    MustUseComponentToken = 61024,
    /// `65301` no conditional menu with this menuid.
    MenuIdNotExist = 65301,
    /// `65302` no such user (menu `trymatch`).
    MenuUserNotExist = 65302,
    /// `65303` conditional menus need a default menu first.
    NoDefaultMenu = 65303,
    /// `65304` the conditional menu's match rule is empty.
    MatchRuleEmpty = 65304,
    /// `65305` too many conditional menus.
    ConditionalMenuLimit = 65305,
    /// `65316` conditional menus link to too many domains (at most 3).
    MenuDomainLimit = 65316,
    /// `65317` invalid URL in a menu.
    MenuUrlInvalid = 65317,
    /// `65320` privacy-based match rules (sex, country, …) are no longer supported.
    MatchRulePrivacy = 65320,
    /// `76003` the quota query's cgi_path is malformed.
    /// `76001` the rid is unknown or older than 7 days.
    RidNotFound = 76001,
    /// `76002` the rid is empty or malformed.
    RidInvalid = 76002,
    /// `76003` the quota query's cgi_path is malformed; for a rid query: the rid belongs to
    /// another account.
    CgiPathInvalid = 76003,
    /// `76021` the quota query's cgi_path is unknown.
    CgiPathNotFound = 76021,
    /// `76022` no permission for that cgi_path.
    CgiPathNoPermission = 76022,
    /// `89501` an IP confirmation request is pending.
    IpConfirmationPending = 89501,
    /// `89503` this call's IP needs the admin's confirmation.
    IpNeedsConfirmation = 89503,
    /// `89506` the admin rejected this IP; retry after 24 h.
    IpRejectedForDay = 89506,
    /// `89507` the admin rejected this IP; retry after 1 h.
    IpRejectedForHour = 89507,
}

impl ErrCode {
    /// Whether the code says the access token used is invalid, superseded or expired
    /// (40001, 40014, 42001): the call may succeed once with a fresher token.
    pub fn is_token_invalid(self) -> bool {
        matches!(
            self,
            Self::InvalidCredential | Self::InvalidAccessToken | Self::AccessTokenExpired
        )
    }

    /// Whether the code is transient (`-1`, system busy) and the call may be retried.
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::SystemError)
    }
}

impl fmt::Display for ErrCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}

impl From<i64> for ErrCode {
    fn from(code: i64) -> Self {
        Self::from_code(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for code in [-1, 40001, 40014, 42001, 45009, 61024, 89507, 12345, 0] {
            assert_eq!(ErrCode::from_code(code).code(), code);
        }
        assert_eq!(ErrCode::from_code(12345), ErrCode::Unknown(12345));
    }

    #[test]
    fn token_invalid_codes() {
        let invalid: Vec<i64> = [40001, 40014, 42001, 41001, 48001, -1]
            .into_iter()
            .filter(|c| ErrCode::from_code(*c).is_token_invalid())
            .collect();
        assert_eq!(invalid, [40001, 40014, 42001]);
    }
}
