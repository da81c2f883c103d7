//! Builds the Tauri context from the repository root's `tauri.conf.json` and generates one
//! permission per app command, so capabilities can allow exactly the commands a window uses.

fn main() {
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(&[
            "list_providers",
            "list_keys",
            "add_key",
            "update_key",
            "replace_key_secret",
            "set_key_enabled",
            "remove_key",
            "validate_key",
            "set_backup",
            "provider_balance",
            "get_settings",
            "set_fallback_to_taskly",
            "usage_report",
            "recent_requests",
            "app_info",
            "chat_start",
            "chat_cancel",
            "open_external",
            "check_for_updates",
            "download_update",
            "install_update",
            "auth_status",
            "sign_in",
            "cancel_sign_in",
            "switch_account",
            "sign_out",
            "adopt_local_keys",
            "import_scan",
            "import_keys",
            "scrub_preview",
            "scrub_apply",
            "import_forget",
            "clipboard_offer",
            "clipboard_clear",
        ]));
    if let Err(err) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {err:#}");
    }
}
