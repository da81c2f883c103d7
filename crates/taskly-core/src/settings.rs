//! Per-account preferences kept in the local database, under a fixed set of names.
//!
//! Names are a closed enum, not free text, so a typo in a caller cannot create a setting that
//! nothing reads; every value is checked against its setting before it is stored.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::db::{self, Db};
use crate::{Error, Result};

/// A setting Taskly knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Setting {
    /// `true` or `false` (default): when a personal key fails, retry the request through
    /// Taskly. Off by default because it sends the conversation through Taskly's servers.
    FallbackToTaskly,
}

impl Setting {
    /// Every setting.
    pub const ALL: &'static [Setting] = &[Setting::FallbackToTaskly];

    /// The stored (and shown) name.
    pub fn name(self) -> &'static str {
        match self {
            Setting::FallbackToTaskly => "fallback_to_taskly",
        }
    }

    /// The value in effect when none is stored.
    pub fn default_value(self) -> &'static str {
        match self {
            Setting::FallbackToTaskly => "false",
        }
    }

    /// Checks a value for this setting.
    pub fn check(self, value: &str) -> Result<()> {
        let valid = match self {
            Setting::FallbackToTaskly => matches!(value, "true" | "false"),
        };
        if valid {
            Ok(())
        } else {
            Err(Error::InvalidConfig {
                name: self.name(),
                reason: format!("{value:?} is not one of true, false"),
            })
        }
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Setting {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        Setting::ALL
            .iter()
            .copied()
            .find(|setting| setting.name() == wanted)
            .ok_or_else(|| Error::InvalidConfig {
                name: "setting",
                reason: format!(
                    "{s:?} is not a setting; known: {}",
                    Setting::ALL
                        .iter()
                        .map(|setting| setting.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
    }
}

/// The stored value, or `None` when the account never set it.
pub async fn get(db: &Db, account: &str, setting: Setting) -> Result<Option<String>> {
    let account = account.to_owned();
    db.call(move |conn| db::settings::get(conn, &account, setting.name()))
        .await
}

/// Stores a value after checking it.
pub async fn set(db: &Db, account: &str, setting: Setting, value: &str) -> Result<()> {
    setting.check(value)?;
    let (account, value) = (account.to_owned(), value.to_owned());
    db.call(move |conn| db::settings::set(conn, &account, setting.name(), &value))
        .await
}

/// Forgets the stored value, so the default applies again.
pub async fn reset(db: &Db, account: &str, setting: Setting) -> Result<()> {
    let account = account.to_owned();
    db.call(move |conn| db::settings::delete(conn, &account, setting.name()))
        .await
}

/// Whether a failing personal key may fall back to Taskly (default: no).
///
/// Anything but a stored `true` reads as `false`: a damaged value must never start sending the
/// user's conversations through Taskly.
pub async fn fallback_to_taskly(db: &Db, account: &str) -> Result<bool> {
    let value = get(db, account, Setting::FallbackToTaskly).await?;
    if let Some(value) = value.as_deref()
        && Setting::FallbackToTaskly.check(value).is_err()
    {
        tracing::warn!(setting = %Setting::FallbackToTaskly, "stored value is invalid; using false");
    }
    Ok(value.as_deref() == Some("true"))
}

/// Turns the fallback to Taskly on or off.
pub async fn set_fallback_to_taskly(db: &Db, account: &str, on: bool) -> Result<()> {
    let value = if on { "true" } else { "false" };
    set(db, account, Setting::FallbackToTaskly, value).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usage::tests::temp_db;

    #[tokio::test]
    async fn fallback_defaults_to_false_and_is_per_account() {
        let (_dir, db) = temp_db().await;
        assert!(!fallback_to_taskly(&db, "local").await.expect("get"));
        assert_eq!(
            get(&db, "local", Setting::FallbackToTaskly)
                .await
                .expect("get"),
            None
        );

        set_fallback_to_taskly(&db, "local", true)
            .await
            .expect("set");
        assert!(fallback_to_taskly(&db, "local").await.expect("get"));
        assert!(!fallback_to_taskly(&db, "other").await.expect("get"));
        assert_eq!(
            get(&db, "local", Setting::FallbackToTaskly)
                .await
                .expect("get")
                .as_deref(),
            Some("true")
        );

        set_fallback_to_taskly(&db, "local", false)
            .await
            .expect("set");
        assert!(!fallback_to_taskly(&db, "local").await.expect("get"));
        set_fallback_to_taskly(&db, "local", true)
            .await
            .expect("set");
        reset(&db, "local", Setting::FallbackToTaskly)
            .await
            .expect("reset");
        assert!(!fallback_to_taskly(&db, "local").await.expect("get"));
    }

    #[tokio::test]
    async fn values_are_checked_and_a_damaged_value_reads_as_the_safe_default() {
        let (_dir, db) = temp_db().await;
        let err = set(&db, "local", Setting::FallbackToTaskly, "yes")
            .await
            .expect_err("refused");
        assert!(matches!(
            err,
            Error::InvalidConfig {
                name: "fallback_to_taskly",
                ..
            }
        ));
        // Stored past the check, as a damaged or hand-edited file would have it.
        db.call(|conn| db::settings::set(conn, "local", "fallback_to_taskly", "TRUE"))
            .await
            .expect("insert");
        assert!(!fallback_to_taskly(&db, "local").await.expect("get"));
    }

    #[test]
    fn names_parse() {
        for setting in Setting::ALL {
            assert_eq!(setting.name().parse::<Setting>().expect("parse"), *setting);
            assert!(setting.check(setting.default_value()).is_ok());
        }
        assert_eq!(
            "Fallback-To-Taskly".parse::<Setting>().expect("parse"),
            Setting::FallbackToTaskly
        );
        assert!("theme".parse::<Setting>().is_err());
    }
}
