//! The TypeScript bindings in ui/src/bindings.ts must match the Rust commands: this test fails
//! when they are stale, and rewrites them when run with `VODSTUDIO_UPDATE_BINDINGS=1`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn committed_bindings_match_the_commands() {
    let committed_path = vodstudio_app::bindings_path();
    let dir = tempfile::tempdir().unwrap();
    let fresh_path = dir.path().join("bindings.ts");
    vodstudio_app::export_bindings(&fresh_path).expect("export the TypeScript bindings");
    let fresh = std::fs::read_to_string(&fresh_path).unwrap();

    if std::env::var_os("VODSTUDIO_UPDATE_BINDINGS").is_some_and(|v| v == "1") {
        std::fs::write(&committed_path, &fresh).unwrap();
        eprintln!("wrote {}", committed_path.display());
        return;
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{} is stale: the Rust commands or their types changed. Regenerate it with \
         `VODSTUDIO_UPDATE_BINDINGS=1 cargo test -p vodstudio-app --test bindings` and commit it.",
        committed_path.display()
    );
}

#[test]
fn bindings_name_the_commands_and_the_error_shape() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bindings.ts");
    vodstudio_app::export_bindings(&path).unwrap();
    let ts = std::fs::read_to_string(&path).unwrap();
    for needle in [
        "appInfo",
        "probeFile",
        "\"probe_file\"",
        "AppError",
        "MediaInfo",
        "StreamDetails",
    ] {
        assert!(ts.contains(needle), "bindings lack {needle}:\n{ts}");
    }
}
