//! Signing in to Taskly across the real parts: a real OpenID Provider on 127.0.0.1
//! (`taskly_testkit::oidc::Issuer`, panva's oidc-provider), the person in its browser played over
//! HTTP, the fake Taskly proxy checking every token by introspection at that issuer, and the
//! tokens kept in a real GNOME Keyring on a private D-Bus session (`support/private_keyring.rs`):
//! each test runs in a child process on that bus.
//!
//! - `signin/browser.rs`: the browser flow end to end, and every refusal (state, `iss`, a
//!   replayed callback, other requests to the listener, an ID token for another audience or
//!   from another issuer, an expired code, the timeout, cancelling), nothing stored;
//! - `signin/device.rs`: the device flow;
//! - `signin/refresh.rs`: expiry and refresh with rotation, two cores refreshing at once, a
//!   revoked grant, the proxy refusing a token once;
//! - `signin/signout.rs`: revoking at the issuer, and an issuer that cannot be reached;
//! - `signin/accounts.rs`: two accounts' keys, sessions and usage apart, switching, and the
//!   local profile's keys brought into the first account;
//! - `signin/canary.rs`: no token in the data folder or the trace-level log after a full run.
#![allow(clippy::expect_used, clippy::unwrap_used)]

#[path = "support/private_keyring.rs"]
mod private_keyring;

#[path = "signin/common.rs"]
mod common;

#[path = "signin/accounts.rs"]
mod accounts;
#[path = "signin/browser.rs"]
mod browser;
#[path = "signin/canary.rs"]
mod canary;
#[path = "signin/device.rs"]
mod device;
#[path = "signin/refresh.rs"]
mod refresh;
#[path = "signin/signout.rs"]
mod signout;
