//! The IPC commands: one thin call into the core each. Errors cross as `ErrorPayload`.

pub mod account;
pub mod app;
pub mod args;
pub mod chat;
pub mod clipboard;
pub mod import;
pub mod keys;
pub mod settings;
pub mod updates;
pub mod usage;
