//! Identifier newtypes shared by the typed messages, the API client and the gateway.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! id_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a value as received from or sent to WeChat.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The value as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The value as an owned string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }
    };
}

id_newtype!(
    /// An Official Account's `appid` (`wx` followed by 16 hex digits).
    AppId
);
id_newtype!(
    /// A user's OpenID, specific to one Official Account.
    OpenId
);
id_newtype!(
    /// The `media_id` of uploaded media.
    MediaId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_serialize_as_strings() {
        let json = serde_json::to_string(&OpenId::new("oABC")).unwrap();
        assert_eq!(json, "\"oABC\"");
    }

    #[test]
    fn ids_compare_with_strings() {
        let id = OpenId::new("oABC");
        assert_eq!(id, "oABC");
        assert_ne!(id, "oABD");
        assert_eq!(&*id, "oABC");
    }
}
