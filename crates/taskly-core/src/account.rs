//! The Taskly account a key belongs to: a local profile until sign-in exists.
//!
//! The account name becomes part of the credential entry's user name and of every SQLite
//! query, so two accounts on one machine never see each other's keys.

use std::fmt;

use serde::Serialize;

use crate::{Error, Result};

/// The account used when none is named.
pub const DEFAULT_ACCOUNT: &str = "local";

/// A checked account name: 1–64 characters of `A-Z a-z 0-9 . _ @ + -`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct AccountId(String);

impl AccountId {
    /// Checks and wraps an account name.
    pub fn new(name: &str) -> Result<Self> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::InvalidAccount { reason: "is empty" });
        }
        if name.len() > 64 {
            return Err(Error::InvalidAccount {
                reason: "is longer than 64 characters",
            });
        }
        let allowed =
            |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '+' | '-');
        if !name.chars().all(allowed) {
            return Err(Error::InvalidAccount {
                reason: "may only contain letters, digits and . _ @ + -",
            });
        }
        Ok(Self(name.to_owned()))
    }

    /// The local profile.
    pub fn local() -> Self {
        Self(DEFAULT_ACCOUNT.to_owned())
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_emails_and_profiles_refuses_separators() {
        assert!(AccountId::new("ana@example.com").is_ok());
        assert!(AccountId::new("work-profile_2").is_ok());
        for bad in ["", "a:b", "a/b", "a b", "ä", &"a".repeat(65)] {
            assert!(AccountId::new(bad).is_err(), "{bad:?}");
        }
    }
}
