//! Without an OS keyring (no Secret Service on the session bus: headless, CI), the credential
//! commands fail with the `keyring_unavailable` kind the settings view explains, and an AWS
//! profile set to keyring credentials says so instead of trying the network. Its own test
//! binary: it points this process's D-Bus session address at nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow, WebviewWindowBuilder};

fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().expect("a valid URL"),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(window, request).map(|body| body.deserialize::<Value>().expect("JSON"))
}

#[test]
fn no_keyring_gives_the_keyring_unavailable_kind() {
    // The only test of this binary, so no other thread reads the environment meanwhile.
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/vodstudio-test-bus");
    let data = tempfile::tempdir().unwrap();
    let app = vodstudio_app::app_builder(mock_builder(), data.path(), false)
        .unwrap()
        .build(vodstudio_app::context())
        .unwrap();
    let window = match app.get_webview_window("main") {
        Some(w) => w,
        None => WebviewWindowBuilder::from_config(&app, &app.config().app.windows[0])
            .and_then(WebviewWindowBuilder::build)
            .unwrap(),
    };

    let err = invoke(&window, "credentials_status", json!({})).unwrap_err();
    assert_eq!(err["kind"], "keyring_unavailable", "{err}");
    assert!(err["message"].as_str().unwrap().contains("AWS profile"), "says what to do instead: {err}");

    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let err = invoke(
        &window,
        "store_credentials",
        json!({ "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "secretAccessKey": secret }),
    )
    .unwrap_err();
    assert_eq!(err["kind"], "keyring_unavailable", "{err}");
    assert!(!err.to_string().contains(secret), "the secret never comes back");

    // An AWS profile on keyring credentials: a credentials error, before any request is sent.
    let settings = json!({
        "profile": {
            "kind": "aws", "region": "us-east-1", "credentials": "keyring",
            "watch_bucket": "w", "media_bucket": "m", "role_arn": "arn:aws:iam::1:role/r",
            "s3_endpoint": "http://127.0.0.1:9", "mediaconvert_endpoint": "http://127.0.0.1:9"
        }
    });
    let err = invoke(&window, "test_connection", json!({ "settings": settings })).unwrap_err();
    assert_eq!(err["kind"], "credentials", "{err}");
    assert!(err["message"].as_str().unwrap().contains("keyring"), "{err}");
}
