//! Taskly Desktop core: everything that matters, with no window in sight.
//!
//! The key vault (OS credential store + SQLite metadata), the provider registry and key
//! validation live here; the CLI (`taskly`) and the Tauri shell are thin callers.
//! See `docs/architecture.md` for the map.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod account;
pub mod chat;
pub mod clipboard;
pub mod config;
pub mod core;
pub mod db;
pub mod doctor;
pub mod error;
pub mod http;
pub mod import;
pub mod logging;
pub mod mask;
mod private_files;
pub mod prompt_guard;
mod provider_id;
pub mod providers;
pub mod routing;
pub mod secret;
pub mod settings;
pub mod signin;
mod store_kind;
pub mod time_fmt;
mod ui_export;
pub mod usage;
pub mod vault;
pub mod views;

pub use account::AccountId;
pub use config::{Config, StoreChoice};
pub use error::{Error, ErrorAction, ErrorCode, ErrorPayload, Result, Upstream};
pub use providers::ProviderId;
pub use secret::{ApiKey, KeyInputError};
pub use signin::{AccountView, AuthStatus, SignIn, SignInOptions, SignedIn, SignedOut};
pub use vault::{Enable, KeyInfo, NewKey, Vault};

/// The TypeScript types the UI imports, generated from the Rust types above and checked for
/// drift: `cargo test -p taskly-core bindings` fails when `ui/src/bindings/core.ts` is stale;
/// `TASKLY_UPDATE_BINDINGS=1` rewrites it.
#[cfg(test)]
mod bindings {
    use ts_rs::{Config, TS};

    #[test]
    fn bindings_are_up_to_date() {
        let cfg = Config::new().with_large_int("number");
        let decls = [
            crate::ProviderId::decl(&cfg),
            crate::providers::AuthScheme::decl(&cfg),
            crate::providers::WireFormat::decl(&cfg),
            crate::providers::ModelList::decl(&cfg),
            crate::providers::ProviderSpec::decl(&cfg),
            crate::providers::balance::BalanceCall::decl(&cfg),
            crate::providers::balance::Money::decl(&cfg),
            crate::providers::balance::ProviderBalance::decl(&cfg),
            crate::ErrorCode::decl(&cfg),
            crate::ErrorAction::decl(&cfg),
            crate::ErrorPayload::decl(&cfg),
            crate::providers::validate::Verification::decl(&cfg),
            crate::KeyInfo::decl(&cfg),
            crate::vault::KeySaved::decl(&cfg),
            crate::routing::RouteKind::decl(&cfg),
            crate::routing::RouteInfo::decl(&cfg),
            crate::chat::TokenUsage::decl(&cfg),
            crate::chat::Role::decl(&cfg),
            crate::chat::Message::decl(&cfg),
            crate::chat::ChatRequest::decl(&cfg),
            crate::chat::run::ChatEvent::decl(&cfg),
            crate::usage::UsageRow::decl(&cfg),
            crate::chat::models::ModelsOffer::decl(&cfg),
            crate::db::rests::RestCause::decl(&cfg),
            crate::db::rests::Rest::decl(&cfg),
            crate::chat::receipt::Receipt::decl(&cfg),
            crate::signin::AccountView::decl(&cfg),
            crate::signin::AuthStatus::decl(&cfg),
            crate::signin::SignedIn::decl(&cfg),
            crate::signin::SignedOut::decl(&cfg),
            crate::clipboard::ClipboardOffer::decl(&cfg),
            crate::import::Tool::decl(&cfg),
            crate::import::Place::decl(&cfg),
            crate::import::Find::decl(&cfg),
            crate::import::Skipped::decl(&cfg),
            crate::import::ScanReport::decl(&cfg),
            crate::import::ImportResult::decl(&cfg),
            crate::import::ImportOutcome::decl(&cfg),
            crate::import::ScrubMode::decl(&cfg),
            crate::import::LineChange::decl(&cfg),
            crate::import::FilePlan::decl(&cfg),
            crate::import::ScrubOutcome::decl(&cfg),
        ];
        let mut text = String::from(
            "// Generated from taskly-core's Rust types by `cargo test -p taskly-core bindings`.\n\
             // Do not edit: change the Rust type, then run with TASKLY_UPDATE_BINDINGS=1.\n\n",
        );
        for decl in decls {
            text.push_str("export ");
            text.push_str(&decl);
            text.push_str("\n\n");
        }
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings/core.ts");
        if std::env::var_os("TASKLY_UPDATE_BINDINGS").is_some() {
            std::fs::create_dir_all(path.parent().expect("folder")).expect("create folder");
            std::fs::write(&path, &text).expect("write bindings");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == text,
            "ui/src/bindings/core.ts is out of date: run TASKLY_UPDATE_BINDINGS=1 cargo test -p taskly-core bindings"
        );
    }
}
