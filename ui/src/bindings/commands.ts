// Generated from src-tauri's IPC types by `cargo test -p taskly-desktop bindings`.
// Do not edit: change the Rust type, then run with TASKLY_UPDATE_BINDINGS=1.
import type { ProviderId, ErrorPayload } from "./core";

export type NewKeyForm = { 
/**
 * Provider id.
 */
provider: ProviderId, 
/**
 * Label, or null for the default.
 */
label: string | null, 
/**
 * Base URL, or null for the provider's.
 */
baseUrl: string | null, 
/**
 * The pasted key.
 */
secret: string, 
/**
 * Validate before saving.
 */
verify: boolean, 
/**
 * Switch it on at once.
 */
enable: boolean, };

export type KeyChange = { 
/**
 * New label, or null to keep it.
 */
label: string | null, 
/**
 * New base URL, or null to keep it.
 */
baseUrl: string | null, 
/**
 * Validate with the provider (required to move a key to another host, unless false).
 */
verify: boolean, };

export type Settings = { 
/**
 * Let Taskly answer when the personal key fails.
 */
fallbackToTaskly: boolean, };

export type AppInfo = { 
/**
 * The app's version.
 */
version: string, 
/**
 * The credential store's name for people ("Secret Service").
 */
credentialStore: string, 
/**
 * Whether a write-read-delete round trip worked.
 */
credentialStoreWorking: boolean, 
/**
 * Why not, if it did not.
 */
credentialStoreError: ErrorPayload | null, 
/**
 * Whether "Taskly" is the loopback demo service of the run script.
 */
demo: boolean, };

export type SignInForm = { 
/**
 * Ask the sign-in service for a fresh login (another person's account) instead of
 * reusing the browser's session.
 */
freshLogin: boolean, };

export type SignInProgress = { 
/**
 * The sign-in page, as opened in the system browser.
 */
url: string, 
/**
 * Whether the system browser could be asked to open it.
 */
browserOpened: boolean, };

