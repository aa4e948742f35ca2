//! Generates Tauri's context and the permissions for our own commands (`allow-app-info`, …), so
//! capabilities grant each command by name instead of every command at once.

use std::path::Path;

fn main() {
    // tauri::generate_context! embeds ui/dist; say how to make it rather than fail deep in a macro.
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/dist/index.html");
    println!("cargo:rerun-if-changed={}", dist.display());
    if !dist.exists() {
        panic!(
            "the UI is not built ({} is missing): run `npm ci && npm run build` in ui/ first",
            dist.display()
        );
    }
    let commands = tauri_build::AppManifest::new().commands(&[
        "app_info",
        "probe_file",
        "add_paths",
        "list_assets",
        "retry_asset",
        "cancel_asset",
        "pause_asset",
        "resume_asset",
        "remove_asset",
        "queue_status",
        "get_settings",
        "save_settings",
        "credentials_status",
        "store_credentials",
        "delete_credentials",
        "test_connection",
        "open_preview",
    ]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(commands))
        .expect("tauri build script failed (tauri.conf.json, capabilities or icons)");
}
