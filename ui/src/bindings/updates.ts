// Generated from src-tauri/src/updates.rs by `cargo test -p taskly-desktop bindings`.
// Do not edit: change the Rust type, then run with TASKLY_UPDATE_BINDINGS=1.

export type UpdateCheck = { 
/**
 * The running version.
 */
currentVersion: string, 
/**
 * A newer release, or null when this one is the newest.
 */
available: AvailableUpdate | null, };

export type AvailableUpdate = { 
/**
 * Its version.
 */
version: string, 
/**
 * Its release notes (Markdown), if any.
 */
notes: string | null, 
/**
 * When it was published (RFC 3339), if known.
 */
date: string | null, };

export type DownloadProgress = { 
/**
 * Bytes received so far.
 */
downloaded: number, 
/**
 * The size the server announced, if it did.
 */
total: number | null, };

export type UpdateErrorCode = "update_checks_off" | "update_endpoint_invalid" | "update_server_unreachable" | "update_server_error" | "update_manifest_invalid" | "update_not_for_this_platform" | "update_signature_invalid" | "update_signature_missing" | "update_version_mismatch" | "update_downgrade_refused" | "update_nothing_pending" | "update_busy" | "update_install_failed" | "update_internal";

export type UpdateAction = "retry" | "check_for_updates" | "download_manually" | "none";

export type UpdateErrorPayload = { 
/**
 * Stable code.
 */
code: UpdateErrorCode, 
/**
 * A sentence a person can act on.
 */
message: string, 
/**
 * What to offer.
 */
action: UpdateAction, };

