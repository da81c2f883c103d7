//! Which credential store holds the keys, and what to tell a person about it: on its own so that
//! errors can name a store without depending on the vault.

use std::fmt;

use serde::Serialize;

/// Which kind of store holds the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StoreKind {
    /// Linux Secret Service (GNOME Keyring, KWallet).
    SecretService,
    /// Linux kernel keyutils.
    Keyutils,
    /// macOS Keychain.
    Keychain,
    /// Windows Credential Manager.
    WindowsCredentialManager,
    /// keyring-core's in-memory mock (tests only).
    Mock,
}

impl fmt::Display for StoreKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StoreKind::SecretService => "Secret Service",
            StoreKind::Keyutils => "Linux kernel keyring",
            StoreKind::Keychain => "macOS Keychain",
            StoreKind::WindowsCredentialManager => "Windows Credential Manager",
            StoreKind::Mock => "in-memory test store",
        })
    }
}

impl StoreKind {
    /// What a person must know when a key is saved to a store that does not survive a reboot
    /// (said on every save, in the CLI and the app).
    pub fn not_persistent_warning(self) -> String {
        format!(
            "Saved in the {self}, which forgets keys when this machine restarts: after a reboot you will need to add this key again. A Secret Service (GNOME Keyring, KWallet) keeps keys across restarts."
        )
    }

    /// How to get a missing store running.
    pub fn advice_unavailable(self) -> &'static str {
        match self {
            StoreKind::SecretService => {
                "Taskly keeps keys only there, so it can neither save nor read them now. Start a Secret Service provider such as GNOME Keyring or KWallet \
                 (e.g. install gnome-keyring and log in to a desktop session); on a headless machine \
                 see docs/troubleshooting.md. The Linux kernel keyring (TASKLY_CREDENTIAL_STORE=keyutils) also works, but it forgets every key when the machine restarts: you would add your keys again after each reboot."
            }
            StoreKind::Keyutils => "Check that the kernel keyring is available to your session.",
            StoreKind::Keychain => "Open Keychain Access and check your login keychain.",
            StoreKind::WindowsCredentialManager => {
                "Check that Credential Manager is available to your account."
            }
            StoreKind::Mock => "The test store is switched off.",
        }
    }

    /// How to unlock a locked store.
    pub fn advice_locked(self) -> &'static str {
        match self {
            StoreKind::SecretService => {
                "Unlock your login keyring (e.g. in Seahorse, \"Passwords and Keys\") and try again."
            }
            StoreKind::Keychain => "Unlock your login keychain and allow Taskly access when asked.",
            _ => "Unlock the store and try again.",
        }
    }
}
