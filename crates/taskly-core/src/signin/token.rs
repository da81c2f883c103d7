//! A Taskly session token (access or refresh) as its own secret type.
//!
//! Like a key: zeroized on drop, `[redacted]` in `Debug` and `Display`, no `Serialize`. It wraps
//! an [`ApiKey`] so it passes the same input rules (one line of printable ASCII, at most 4 KiB)
//! and is stored through the same credential-store adapter, bound to the issuer's origin; the
//! plaintext is only reached by that adapter and, for the access token, by the header builder
//! (`providers::auth::taskly_headers`) through [`Token::bearer`].

use std::fmt;
use std::sync::Arc;

use crate::ApiKey;

/// See the module docs.
pub struct Token(Arc<ApiKey>);

impl Token {
    /// Checks a token an issuer sent; `None` if it breaks the input rules (no issuer sends such).
    pub(crate) fn parse(text: &str) -> Option<Self> {
        ApiKey::parse(text).ok().map(|key| Self(Arc::new(key)))
    }

    /// Wraps a secret read back from the credential store.
    pub(crate) fn from_stored(key: ApiKey) -> Self {
        Self(Arc::new(key))
    }

    /// The secret, for the credential store and the `Authorization` header (both mark or keep
    /// it as sensitive).
    pub(crate) fn bearer(&self) -> &Arc<ApiKey> {
        &self.0
    }

    /// The plaintext, for a form body to the issuer only (refresh and revocation requests).
    pub(crate) fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl Clone for Token {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token([redacted])")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed() {
        let token = Token::parse("at-canary-0123456789").expect("valid");
        assert_eq!(format!("{token:?}"), "Token([redacted])");
        assert_eq!(format!("{token}"), "[redacted]");
        assert!(Token::parse("two words").is_none());
    }
}
