//! CreateJob with the template's JSON as it is.
//!
//! aws-sdk-mediaconvert models `JobSettings` as typed structs: building one from a template would
//! silently drop every key the SDK version does not know, and MediaConvert adds settings often.
//! So the request is built with the SDK (endpoint, SigV4, retries, response parsing all stay the
//! SDK's), and its serialized body is replaced by the template's own JSON before signing.

use aws_sdk_mediaconvert::types::JobSettings;
use aws_smithy_types::body::SdkBody;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::error::{FailureKind, PipelineError};

/// Maps whose keys are names chosen by the user (not API members): they stay exactly as written.
const DATA_KEYED_MAPS: &[&str] = &[
    "UserMetadata",
    "Tags",
    "AudioSelectors",
    "CaptionSelectors",
    "AudioSelectorGroups",
    "DynamicAudioSelectors",
];

/// Console casing (PascalCase members, as exported and as boto3 sends) → wire casing (camelCase).
/// Only member names change; every value, and the keys of user-named maps, stay as they are.
pub fn to_wire(console: &Value) -> Value {
    match console {
        Value::Object(m) => {
            let mut out = Map::with_capacity(m.len());
            for (k, v) in m {
                let value = if DATA_KEYED_MAPS.contains(&k.as_str()) {
                    match v {
                        // Keys are data; the values (selector settings) are API members again.
                        Value::Object(inner) => {
                            Value::Object(inner.iter().map(|(ik, iv)| (ik.clone(), to_wire(iv))).collect())
                        }
                        other => to_wire(other),
                    }
                } else {
                    to_wire(v)
                };
                out.insert(camel(k), value);
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(to_wire).collect()),
        other => other.clone(),
    }
}

fn camel(key: &str) -> String {
    let mut chars = key.chars();
    match chars.next() {
        Some(first) if first.is_ascii_uppercase() => first.to_ascii_lowercase().to_string() + chars.as_str(),
        _ => key.to_owned(),
    }
}

/// The idempotency token of an asset's job: the same asset, preset, plan and attempt always give
/// the same token, so a retried or replayed CreateJob (after a crash between sending it and
/// recording the answer) returns the job already created instead of creating a second one.
pub fn request_token(asset_id: &str, preset: &str, body: &Value, attempt: u32) -> String {
    let mut h = Sha256::new();
    for part in [asset_id.as_bytes(), b"\0", preset.as_bytes(), b"\0", body.to_string().as_bytes(), b"\0"] {
        h.update(part);
    }
    h.update(attempt.to_le_bytes());
    format!("vodstudio-{}", hex::encode(&h.finalize()[..16]))
}

/// Sends CreateJob with `body` (console casing: `Role`, `Settings`, `UserMetadata`, `Queue` and
/// whatever else the template holds) and `token`; returns the job id.
pub async fn create_job(client: &aws_sdk_mediaconvert::Client, body: &Value, token: &str) -> Result<String, PipelineError> {
    let Some(role) = body.get("Role").and_then(Value::as_str) else {
        return Err(PipelineError::new(FailureKind::BadRequest, "the job has no Role: set the MediaConvert role ARN in the profile"));
    };
    if body.pointer("/Settings/OutputGroups").is_none() {
        return Err(PipelineError::new(FailureKind::BadRequest, "the job has no Settings.OutputGroups"));
    }
    let mut wire = to_wire(body);
    if let Value::Object(m) = &mut wire {
        m.insert("clientRequestToken".into(), Value::String(token.to_owned()));
    }
    let bytes = serde_json::to_vec(&wire).map_err(|e| PipelineError::new(FailureKind::Other, e.to_string()))?;
    let out = client
        .create_job()
        .role(role)
        .settings(JobSettings::builder().build())
        .client_request_token(token)
        .customize()
        .mutate_request(move |req| {
            req.headers_mut().insert("content-length", bytes.len().to_string());
            *req.body_mut() = SdkBody::from(bytes.clone());
        })
        .send()
        .await
        .map_err(|e| PipelineError::from_sdk("CreateJob", &e))?;
    out.job()
        .and_then(|j| j.id())
        .map(str::to_owned)
        .ok_or_else(|| PipelineError::new(FailureKind::Other, "CreateJob answered without a job id"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn member_names_change_case_and_data_keys_do_not() {
        let console = json!({
            "Role": "r",
            "UserMetadata": { "Title": "Trip", "asset_id": "a1" },
            "Settings": {
                "Inputs": [{ "FileInput": "s3://w/i.mp4", "AudioSelectors": { "Audio Selector 1": { "DefaultSelection": "DEFAULT" }, "Main": { "Tracks": [1] } } }],
                "OutputGroups": [{ "CustomName": "HLS", "OutputGroupSettings": { "Type": "HLS_GROUP_SETTINGS" } }],
                "SomethingNewerThanTheSdk": { "DeepKey": ["KEEP_VALUE"] }
            },
            "AccelerationSettings": { "Mode": "DISABLED" }
        });
        let wire = to_wire(&console);
        assert_eq!(wire["userMetadata"], json!({ "Title": "Trip", "asset_id": "a1" }));
        assert_eq!(wire["settings"]["inputs"][0]["audioSelectors"]["Main"], json!({ "tracks": [1] }));
        assert_eq!(wire["settings"]["inputs"][0]["audioSelectors"]["Audio Selector 1"]["defaultSelection"], "DEFAULT");
        assert_eq!(wire["settings"]["somethingNewerThanTheSdk"], json!({ "deepKey": ["KEEP_VALUE"] }));
        assert_eq!(wire["settings"]["outputGroups"][0]["customName"], "HLS");
        assert_eq!(wire["accelerationSettings"]["mode"], "DISABLED");
    }

    #[test]
    fn tokens_are_stable_and_change_with_the_attempt() {
        let body = json!({ "Settings": { "OutputGroups": [] } });
        let a = request_token("asset1", "web-ladder", &body, 0);
        assert_eq!(a, request_token("asset1", "web-ladder", &body, 0));
        assert_ne!(a, request_token("asset1", "web-ladder", &body, 1));
        assert_ne!(a, request_token("asset2", "web-ladder", &body, 0));
        assert!(a.len() <= 64);
    }
}
