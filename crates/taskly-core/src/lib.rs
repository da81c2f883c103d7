//! Taskly Desktop core: everything that matters, with no window in sight.
//!
//! The key vault (OS credential store + SQLite metadata), the provider registry and key
//! validation live here; the CLI (`taskly`) and the Tauri shell are thin callers.
//! See `docs/architecture.md` for the map.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod account;
pub mod chat;
pub mod config;
pub mod doctor;
pub mod error;
pub mod http;
pub mod mask;
pub mod providers;
pub mod routing;
pub mod secret;
pub mod settings;
pub mod time_fmt;
pub mod usage;
pub mod vault;

pub use account::AccountId;
pub use config::{Config, StoreChoice};
pub use error::{Error, ErrorAction, ErrorCode, ErrorPayload, Result, Upstream};
pub use providers::ProviderId;
pub use secret::{ApiKey, KeyInputError};
pub use vault::{KeyInfo, NewKey, Vault};
