//! Where a session's tokens live: the OS credential store, one entry for the access token and
//! one for the refresh token per account (`session/<account>/access`, `.../refresh`), under the
//! same service name as keys, each bound to the issuer's origin. `/` is never part of an account
//! name, so these entries never look like a key's (`<account>:<id>:<generation>`).
//!
//! Windows Credential Manager holds at most 1,280 characters per entry: a longer token (a JWT
//! access token can be) is kept in parts (`…/access#1`, `…/access#2`, …) and the entry itself
//! holds only how many. Every store gets the same layout, so the parts are tested everywhere.

use std::sync::Arc;

use zeroize::Zeroizing;

use super::token::Token;
use crate::vault::credentials::Credentials;
use crate::{AccountId, ApiKey, Error, Result};

/// The most characters of a token kept in one entry (with the origin, under Windows' 1,280).
const PART: usize = 900;

/// What the entry of a token kept in parts holds: `~parts:<n>`.
const PARTS_MARKER: &str = "~parts:";

/// Which token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Which {
    Access,
    Refresh,
}

impl Which {
    fn name(self) -> &'static str {
        match self {
            Which::Access => "access",
            Which::Refresh => "refresh",
        }
    }
}

/// The entry user name of an account's token.
pub(crate) fn entry(account: &AccountId, which: Which) -> String {
    format!("session/{account}/{}", which.name())
}

/// Writes `token` for `account`, bound to the issuer's `origin`.
pub(crate) async fn write(
    creds: &Credentials,
    account: &AccountId,
    which: Which,
    token: &Token,
    origin: &str,
    label: &str,
) -> Result<()> {
    let name = entry(account, which);
    let before = parts_of(creds, &name).await.unwrap_or(0);
    let text = token.expose_secret();
    let parts = if text.len() <= PART {
        creds
            .write(
                name.clone(),
                token.bearer().clone(),
                origin.to_owned(),
                label.to_owned(),
            )
            .await?;
        0
    } else {
        let chunks: Vec<&[u8]> = text.as_bytes().chunks(PART).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            // Tokens are ASCII (checked by `Token::parse`), so every chunk is text.
            let part = std::str::from_utf8(chunk)
                .ok()
                .and_then(|s| ApiKey::parse(s).ok())
                .ok_or_else(|| Error::Internal("a token part is not text".into()))?;
            creds
                .write(
                    format!("{name}#{}", i + 1),
                    Arc::new(part),
                    origin.to_owned(),
                    label.to_owned(),
                )
                .await?;
        }
        let marker = ApiKey::parse(&format!("{PARTS_MARKER}{}", chunks.len()))
            .map_err(|_| Error::Internal("the parts marker is not a valid entry".into()))?;
        creds
            .write(
                name.clone(),
                Arc::new(marker),
                origin.to_owned(),
                label.to_owned(),
            )
            .await?;
        chunks.len()
    };
    for stale in parts + 1..=before {
        creds.delete(format!("{name}#{stale}")).await?;
    }
    Ok(())
}

/// Reads `account`'s token, if stored and bound to `origin`. A token bound to another origin
/// (the issuer changed) reads as missing: it is never sent elsewhere.
pub(crate) async fn read(
    creds: &Credentials,
    account: &AccountId,
    which: Which,
    origin: &str,
) -> Result<Option<Token>> {
    let name = entry(account, which);
    let Some(stored) = creds.read(name.clone()).await? else {
        return Ok(None);
    };
    if stored.origin.as_deref() != Some(origin) {
        return Ok(None);
    }
    let Some(count) = parts_count(&stored.key) else {
        return Ok(Some(Token::from_stored(stored.key)));
    };
    let mut text = Zeroizing::new(String::with_capacity(count * PART));
    for i in 1..=count {
        match creds.read(format!("{name}#{i}")).await? {
            Some(part) if part.origin.as_deref() == Some(origin) => {
                text.push_str(part.key.expose_secret());
            }
            _ => return Ok(None),
        }
    }
    Ok(Token::parse(&text))
}

/// Deletes `account`'s tokens (and their parts).
pub(crate) async fn delete(creds: &Credentials, account: &AccountId) -> Result<()> {
    for which in [Which::Refresh, Which::Access] {
        let name = entry(account, which);
        let parts = parts_of(creds, &name).await.unwrap_or(0);
        creds.delete(name.clone()).await?;
        for i in 1..=parts {
            creds.delete(format!("{name}#{i}")).await?;
        }
    }
    Ok(())
}

async fn parts_of(creds: &Credentials, name: &str) -> Result<usize> {
    Ok(creds
        .read(name.to_owned())
        .await?
        .and_then(|stored| parts_count(&stored.key))
        .unwrap_or(0))
}

fn parts_count(key: &ApiKey) -> Option<usize> {
    key.expose_secret()
        .strip_prefix(PARTS_MARKER)
        .and_then(|n| n.parse().ok())
        .filter(|n| (1..=64).contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::credentials::{KeyringStore, StoreKind};

    const ORIGIN: &str = "https://auth.taskly.chat";

    fn creds() -> Credentials {
        let store = KeyringStore::new(
            StoreKind::Mock,
            keyring_core::mock::Store::new().expect("mock"),
        );
        Credentials::new(Arc::new(store), std::time::Duration::from_secs(5))
    }

    /// A JWT-shaped token of `len` characters, different in every part so a reordering shows.
    fn long_token(len: usize) -> Token {
        let text: String = (0..len)
            .map(|i| char::from(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-_."[i % 49]))
            .collect();
        Token::parse(&text).expect("a valid token")
    }

    #[tokio::test]
    async fn a_long_token_is_kept_in_parts_bound_to_the_origin() {
        let creds = creds();
        let account = AccountId::new("u-0123456789abcdef0123456789abcdef").expect("id");
        let name = entry(&account, Which::Access);
        let token = long_token(3_000);
        write(&creds, &account, Which::Access, &token, ORIGIN, "label")
            .await
            .expect("written");

        // The entry holds only how many parts; each part is at most PART characters, bound to
        // the issuer's origin like the entry itself.
        let marker = creds
            .read(name.clone())
            .await
            .expect("read")
            .expect("entry");
        assert_eq!(marker.key.expose_secret(), "~parts:4");
        assert_eq!(marker.origin.as_deref(), Some(ORIGIN));
        let mut joined = String::new();
        for i in 1..=4 {
            let part = creds
                .read(format!("{name}#{i}"))
                .await
                .expect("read")
                .expect("part");
            assert!(part.key.expose_secret().len() <= PART);
            assert_eq!(part.origin.as_deref(), Some(ORIGIN), "part {i}");
            joined.push_str(part.key.expose_secret());
        }
        assert_eq!(joined, token.expose_secret());
        assert!(
            creds
                .read(format!("{name}#5"))
                .await
                .expect("read")
                .is_none()
        );

        let back = read(&creds, &account, Which::Access, ORIGIN)
            .await
            .expect("read")
            .expect("the token");
        assert_eq!(back.expose_secret(), token.expose_secret());
        // Never handed out for another issuer.
        assert!(
            read(&creds, &account, Which::Access, "https://evil.example")
                .await
                .expect("read")
                .is_none()
        );

        // A part bound elsewhere (tampered with, or left by another issuer) spoils the token.
        let spoiled = ApiKey::parse("spoiled").expect("valid");
        creds
            .write(
                format!("{name}#3"),
                Arc::new(spoiled),
                "https://evil.example".into(),
                "label".into(),
            )
            .await
            .expect("written");
        assert!(
            read(&creds, &account, Which::Access, ORIGIN)
                .await
                .expect("read")
                .is_none()
        );

        // A short token replaces it in one entry; the parts of the long one go.
        let short = Token::parse("at-short-0123456789").expect("valid");
        write(&creds, &account, Which::Access, &short, ORIGIN, "label")
            .await
            .expect("written");
        for i in 1..=4 {
            assert!(
                creds
                    .read(format!("{name}#{i}"))
                    .await
                    .expect("read")
                    .is_none(),
                "part {i} left behind"
            );
        }
        let back = read(&creds, &account, Which::Access, ORIGIN)
            .await
            .expect("read")
            .expect("the token");
        assert_eq!(back.expose_secret(), "at-short-0123456789");

        // Deleting goes through the parts too.
        write(
            &creds,
            &account,
            Which::Refresh,
            &long_token(1_000),
            ORIGIN,
            "label",
        )
        .await
        .expect("written");
        delete(&creds, &account).await.expect("deleted");
        for name in [
            entry(&account, Which::Access),
            entry(&account, Which::Refresh),
        ] {
            for suffix in ["", "#1", "#2"] {
                assert!(
                    creds
                        .read(format!("{name}{suffix}"))
                        .await
                        .expect("read")
                        .is_none(),
                    "{name}{suffix} left behind"
                );
            }
        }
    }
}
