//! Presets: import of console exports and job exports, listing with user presets shadowing
//! built-in ones, and the `vodstudio presets` command.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;


use common::{ok, tempdir, vodstudio};
use serde_json::{json, Value};
use vodstudio::presets::{self, Preset, PresetError, PresetSource};

const ROLE: &str = "arn:aws:iam::123456789012:role/MediaConvert";

fn builtin(name: &str) -> Preset {
    presets::builtin()
        .into_iter()
        .find(|p| p.name == name)
        .unwrap()
}

#[test]
fn imported_presets_are_listed_loaded_and_shadow_built_in_ones() {
    let dir = tempdir();
    let data = dir.path().join("data");
    // A GetJob answer: read-only keys go, the job's settings stay.
    let mut settings = builtin("mp4-ladder").job["Settings"].clone();
    settings["OutputGroups"][0]["Outputs"]
        .as_array_mut()
        .unwrap()
        .truncate(1);
    let export = json!({"Job": {
        "Arn": "arn:aws:mediaconvert:us-east-1:1:jobs/1-abc", "Id": "1-abc", "Status": "COMPLETE",
        "CreatedAt": "2024-05-01T10:00:00Z", "Timing": {"SubmitTime": "2024-05-01T10:00:00Z"},
        "CurrentPhase": "UPLOADING", "JobPercentComplete": 100, "Messages": {"Info": []}, "Warnings": [],
        "OutputGroupDetails": [], "QueueTransitions": [], "RetryCount": 0, "ErrorCode": 0, "ErrorMessage": "",
        "AccelerationStatus": "NOT_APPLICABLE", "JobTemplate": "System-Generic_Mp4", "ClientRequestToken": "t-1",
        "Role": ROLE, "Priority": 0, "Settings": settings,
    }});
    let file = dir.path().join("web-ladder.json");
    std::fs::write(&file, serde_json::to_vec(&export).unwrap()).unwrap();
    let preset = presets::import(&data, &file, None).unwrap();
    assert_eq!(
        preset.name, "web-ladder",
        "named after the file when the export has no Name"
    );
    let mut keys: Vec<&String> = preset.job.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["Priority", "Role", "Settings"]);
    assert_eq!(preset.job["Settings"], settings);

    // It shadows the built-in preset, in its place; the others stay.
    let list = presets::list(&data).unwrap();
    let names: Vec<&str> = list.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["web-ladder", "mp4-ladder", "audio-only"]);
    assert_eq!(
        list[0].source,
        PresetSource::User(data.join("presets/web-ladder.json"))
    );
    assert_eq!(presets::load(&data, "web-ladder").unwrap().job, preset.job);
    assert_eq!(
        presets::load(&data, "mp4-ladder").unwrap().source,
        PresetSource::Builtin
    );

    // Importing over an existing user preset is refused; another name works.
    let again = presets::import(&data, &file, None).unwrap_err();
    assert_eq!(again.kind(), "preset_exists");
    let other = presets::import(&data, &file, Some("one-mp4")).unwrap();
    assert_eq!(presets::load(&data, "one-mp4").unwrap().job, other.job);
    assert_eq!(presets::list(&data).unwrap().len(), 4);

    // Unknown names list what exists.
    let missing = presets::load(&data, "nope").unwrap_err();
    assert!(
        matches!(&missing, PresetError::NotFound { available, .. } if available.len() == 4),
        "{missing}"
    );
    assert!(
        missing.to_string().contains("vodstudio presets import"),
        "{missing}"
    );
}

#[test]
fn import_refuses_what_is_not_a_job_template() {
    let dir = tempdir();
    let data = dir.path().join("data");
    let cases = [
        ("list.json", "[1, 2]", "not_a_template"),
        ("broken.json", "{\"Settings\": ", "not_json"),
        ("probe.json", "{\"streams\": []}", "not_a_template"),
        (
            "cmaf.json",
            r#"{"Settings": {"OutputGroups": [{"OutputGroupSettings": {"Type": "SRT_GROUP"}, "Outputs": [{}]}]}}"#,
            "not_a_template",
        ),
        (
            "two-inputs.json",
            r#"{"Settings": {"Inputs": [{}, {}], "OutputGroups": [{"OutputGroupSettings": {"Type": "FILE_GROUP_SETTINGS"}, "Outputs": [{}]}]}}"#,
            "not_a_template",
        ),
    ];
    for (name, text, kind) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, text).unwrap();
        let err = presets::import(&data, &file, None).unwrap_err();
        assert_eq!(err.kind(), kind, "{name}: {err}");
        assert!(err.to_string().contains(name), "{err}");
    }
    let err = presets::import(&data, &dir.path().join("list.json"), Some("../x")).unwrap_err();
    assert!(matches!(
        err,
        PresetError::NotATemplate { .. } | PresetError::InvalidName { .. }
    ));
    assert!(
        !data.join("presets").exists()
            || std::fs::read_dir(data.join("presets"))
                .unwrap()
                .next()
                .is_none()
    );
}

// ---- the CLI ----

#[test]
fn cli_presets_import_list_show() {
    let dir = tempdir();
    let data = dir.path().join("data");
    let list = ok(&vodstudio(&data, &["presets", "list"]));
    assert!(list.starts_with("NAME"), "{list}");
    for name in ["web-ladder", "mp4-ladder", "audio-only"] {
        assert!(list.contains(name), "{list}");
    }

    let mut template = builtin("mp4-ladder").to_console_json();
    template["Name"] = json!("Team Ladder");
    let file = dir.path().join("export.json");
    std::fs::write(&file, serde_json::to_vec(&template).unwrap()).unwrap();
    let imported = ok(&vodstudio(
        &data,
        &["presets", "import", file.to_str().unwrap()],
    ));
    assert!(
        imported.contains("imported preset team-ladder"),
        "{imported}"
    );

    let listed: Value =
        serde_json::from_str(&ok(&vodstudio(&data, &["--json", "presets", "list"]))).unwrap();
    let team = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "team-ladder")
        .unwrap();
    assert_eq!(team["source"]["type"], "user");
    assert_eq!(team["groups"][0]["outputs"], 4);

    let shown: Value =
        serde_json::from_str(&ok(&vodstudio(&data, &["presets", "show", "team-ladder"]))).unwrap();
    assert_eq!(shown["Name"], "team-ladder");
    assert_eq!(shown["Settings"], template["Settings"]);

    let again = vodstudio(&data, &["presets", "import", file.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
    let stderr = String::from_utf8(again.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.contains("already exists"),
        "{stderr}"
    );
}
