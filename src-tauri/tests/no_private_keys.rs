//! No private key is ever in the repository, and updates are only ever looked for over https.
//!
//! Every file git tracks is scanned for a PEM private key block, a minisign / Tauri updater
//! secret key (as the text box, its raw base64 line, or the whole box in base64 as the Tauri CLI
//! writes it), and `tauri.conf.json`'s updater endpoints must all be https. The markers are put
//! together at run time so this file does not trip its own scan.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The start of a minisign secret key's base64 line: algorithm `Ed`, KDF `Sc` (scrypt,
/// encrypted) or none, checksum `B2`.
fn secret_key_prefixes() -> [String; 2] {
    [B64.encode(b"EdScB2"), B64.encode(b"Ed\0\0B2")]
}

/// Why `text` looks like it holds a private key, if it does.
fn private_key_evidence(text: &str) -> Option<String> {
    let pem = format!("{} KEY-----", "PRIVATE");
    if text.contains(&pem) {
        return Some("a PEM private key block".into());
    }
    let prefixes = secret_key_prefixes();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("untrusted comment:") && line.contains("secret key") {
            return Some("a minisign secret key box".into());
        }
        for token in line.split(|c: char| !(c.is_ascii_alphanumeric() || "+/=".contains(c))) {
            if prefixes.iter().any(|p| token.starts_with(p.as_str())) && token.len() >= 40 {
                return Some("a minisign secret key line".into());
            }
            // The Tauri CLI's form: the whole box, base64 encoded.
            if token.len() >= 60
                && let Ok(decoded) = B64.decode(token)
                && let Ok(inner) = String::from_utf8(decoded)
                && let Some(why) = private_key_evidence(&inner)
            {
                return Some(format!("{why}, base64 encoded"));
            }
        }
    }
    None
}

#[test]
fn no_tracked_file_holds_a_private_key() {
    let root = repo_root();
    let out = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(&root)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git ls-files failed");
    let files: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .split('\0')
        .filter(|f| !f.is_empty())
        .map(str::to_owned)
        .collect();
    assert!(
        files.iter().any(|f| f == "tauri.conf.json"),
        "not the repository root"
    );
    let mut found = Vec::new();
    for file in &files {
        let Ok(bytes) = std::fs::read(root.join(file)) else {
            continue; // deleted in the work tree
        };
        if let Some(why) = private_key_evidence(&String::from_utf8_lossy(&bytes)) {
            found.push(format!("{file}: {why}"));
        }
    }
    assert!(
        found.is_empty(),
        "private keys in tracked files (remove them, rotate the key, and keep it outside the repository: see docs/release.md):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_scan_finds_keys_in_every_form_and_not_public_keys() {
    let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let secret_box = kp.sk.to_box(None).unwrap().to_string();
    let public_box = kp.pk.to_box().unwrap().to_string();
    assert!(private_key_evidence(&secret_box).is_some(), "{secret_box}");
    assert!(private_key_evidence(&B64.encode(&secret_box)).is_some());
    let raw_line = secret_box.lines().nth(1).unwrap();
    assert!(private_key_evidence(&format!("key = \"{raw_line}\"")).is_some());
    // What `tauri signer generate` writes: an encrypted box, base64 encoded.
    let encrypted = format!(
        "untrusted comment: {} encrypted secret key\n{}{}\n",
        "rsign",
        secret_key_prefixes()[0],
        "A".repeat(200)
    );
    assert!(private_key_evidence(&B64.encode(&encrypted)).is_some());
    let pem = format!("-----BEGIN EC {} KEY-----\nMHcCAQEE\n", "PRIVATE");
    assert!(private_key_evidence(&pem).is_some());

    assert!(private_key_evidence(&public_box).is_none());
    assert!(private_key_evidence(&B64.encode(&public_box)).is_none());
    assert!(private_key_evidence("Create new secret key on the provider's page").is_none());
}

#[test]
fn updater_endpoints_are_https_and_the_public_key_is_a_minisign_key() {
    let text = std::fs::read_to_string(repo_root().join("tauri.conf.json")).unwrap();
    let conf: serde_json::Value = serde_json::from_str(&text).unwrap();
    let updater = &conf["plugins"]["updater"];
    let endpoints = updater["endpoints"]
        .as_array()
        .expect("plugins.updater.endpoints");
    assert!(!endpoints.is_empty());
    for endpoint in endpoints {
        let endpoint = endpoint.as_str().unwrap();
        let url = url::Url::parse(endpoint).unwrap();
        assert_eq!(
            url.scheme(),
            "https",
            "updater endpoint {endpoint} is not https"
        );
    }
    assert_ne!(updater["dangerousInsecureTransportProtocol"], true);
    assert_ne!(updater["dangerousAcceptInvalidCerts"], true);
    assert_ne!(updater["dangerousAcceptInvalidHostnames"], true);
    assert_eq!(updater["requireSignedVersion"], true);
    let pubkey = B64
        .decode(updater["pubkey"].as_str().expect("plugins.updater.pubkey"))
        .unwrap();
    let pubkey = String::from_utf8(pubkey).unwrap();
    assert!(
        pubkey.starts_with("untrusted comment: minisign public key"),
        "{pubkey}"
    );
    assert!(
        minisign::PublicKeyBox::from_string(&pubkey)
            .unwrap()
            .into_public_key()
            .is_ok()
    );
    assert_eq!(conf["bundle"]["createUpdaterArtifacts"], true);
    // The plugin reads this section at start; a shape it rejects would stop the app from opening.
    let parsed: tauri_plugin_updater::Config = serde_json::from_value(updater.clone())
        .expect("plugins.updater is a valid updater configuration");
    assert!(!parsed.dangerous_insecure_transport_protocol);
}
