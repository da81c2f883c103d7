//! The one gate a personal key passes before it is sent anywhere.
//!
//! Validation, chat and every other call that carries a user's key needs a [`Cleared`]
//! destination to build its auth headers (`auth::key_headers`), and only [`clear`] makes one. It
//! refuses a Taskly host (any spelling) and the Taskly proxy's host, and a stored key is only
//! ever cleared for the origin it was validated on (the origin is stored with the secret in the
//! credential store, out of reach of whoever can edit the SQLite file).

use crate::providers::base_url::BaseUrl;
use crate::{Error, Result};

/// Where a key is about to go, and what it is bound to.
#[derive(Debug, Clone, Copy)]
pub enum Destination<'a> {
    /// A base URL the user is confirming right now (adding a key, replacing it, moving it, or
    /// re-checking it at a new address): the key will be bound to it.
    Confirmed(&'a BaseUrl),
    /// A stored key's base URL (from SQLite), with the origin the credential store has it bound
    /// to.
    Stored {
        /// The base URL the request would use.
        base: &'a BaseUrl,
        /// The origin stored with the secret.
        bound_origin: &'a str,
        /// The key, for the message.
        key_id: &'a str,
    },
}

/// Proof that a key may go to `base`: made only by [`clear`].
#[derive(Debug, Clone)]
pub struct Cleared {
    base: BaseUrl,
}

impl Cleared {
    /// The base URL the key was cleared for: requests are built from it.
    pub fn base(&self) -> &BaseUrl {
        &self.base
    }
}

/// Clears `destination` for a personal key, or says why not. Nothing has been sent when this
/// refuses.
pub fn clear(destination: Destination<'_>, proxy_url: &str) -> Result<Cleared> {
    let base = match destination {
        Destination::Confirmed(base) => base,
        Destination::Stored {
            base,
            bound_origin,
            key_id,
        } => {
            if base.origin() != bound_origin {
                return Err(Error::KeyOriginChanged {
                    id: key_id.to_owned(),
                    bound: bound_origin.to_owned(),
                    now: base.origin(),
                });
            }
            base
        }
    };
    base.refuse_taskly_host(proxy_url)?;
    Ok(Cleared { base: base.clone() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    const PROXY: &str = "https://proxy.taskly.chat/v1";

    fn url(text: &str) -> BaseUrl {
        BaseUrl::parse(text).expect(text)
    }

    #[test]
    fn a_confirmed_provider_url_is_cleared() {
        let base = url("https://api.openai.com/v1");
        let cleared = clear(Destination::Confirmed(&base), PROXY).expect("cleared");
        assert_eq!(cleared.base(), &base);
    }

    #[test]
    fn a_stored_key_goes_only_to_the_origin_it_is_bound_to() {
        let base = url("https://gateway.example.com/v1");
        let ok = Destination::Stored {
            base: &base,
            bound_origin: "https://gateway.example.com",
            key_id: "k_1",
        };
        assert!(clear(ok, PROXY).is_ok());
        // Same host, other port; other host; other scheme: each is another origin.
        for bound in [
            "https://gateway.example.com:8443",
            "https://api.openai.com",
            "http://gateway.example.com",
        ] {
            let moved = Destination::Stored {
                base: &base,
                bound_origin: bound,
                key_id: "k_1",
            };
            let err = clear(moved, PROXY).expect_err(bound);
            assert_eq!(err.code(), ErrorCode::KeyOriginChanged, "{bound}");
            assert!(err.to_string().contains("gateway.example.com"), "{err}");
        }
    }

    #[test]
    fn taskly_hosts_are_refused_even_when_the_binding_agrees() {
        let base = url("https://api.taskly.chat./v1");
        let stored = Destination::Stored {
            base: &base,
            bound_origin: &base.origin(),
            key_id: "k_1",
        };
        let err = clear(stored, PROXY).expect_err("taskly");
        assert_eq!(err.code(), ErrorCode::UnsafeRoute);
    }
}
