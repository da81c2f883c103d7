//! End-to-end tests of the `taskly` binary against the real Secret Service (a private GNOME
//! Keyring per test) and the loopback fake provider. One test binary, one module per concern.
#![allow(clippy::expect_used)]

#[path = "cli/support.rs"]
mod support;

#[path = "cli/accounts.rs"]
mod accounts;
#[path = "cli/balance.rs"]
mod balance;
#[path = "cli/canary.rs"]
mod canary;
#[path = "cli/chat.rs"]
mod chat;
#[path = "cli/concurrency.rs"]
mod concurrency;
#[path = "cli/crash_recovery.rs"]
mod crash_recovery;
#[path = "cli/credential_store.rs"]
mod credential_store;
#[path = "cli/doctor.rs"]
mod doctor;
#[path = "cli/enabling.rs"]
mod enabling;
#[path = "cli/failover.rs"]
mod failover;
#[path = "cli/gateways.rs"]
mod gateways;
#[path = "cli/import.rs"]
mod import;
#[path = "cli/input_hygiene.rs"]
mod input_hygiene;
#[path = "cli/key_gate.rs"]
mod key_gate;
#[path = "cli/round_trip.rs"]
mod round_trip;
#[path = "cli/signin.rs"]
mod signin;
#[path = "cli/snapshots.rs"]
mod snapshots;
#[path = "cli/storage.rs"]
mod storage;
#[path = "cli/validation.rs"]
mod validation;
