//! Without an OS keyring (no Secret Service on the session bus: headless, CI), the credential
//! commands fail with the `keyring_unavailable` kind the settings view explains, and an AWS
//! profile set to keyring credentials says so instead of trying the network. Its own test
//! binary: it points this process's D-Bus session address at nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{app_in, invoke, main_window};
use serde_json::json;

#[test]
fn no_keyring_gives_the_keyring_unavailable_kind() {
    // The only test of this binary, so no other thread reads the environment meanwhile.
    std::env::set_var(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/vodstudio-test-bus",
    );
    let data = tempfile::tempdir().unwrap();
    let app = app_in(data.path());
    let window = main_window(&app);

    let err = invoke(&window, "credentials_status", json!({})).unwrap_err();
    assert_eq!(err["kind"], "keyring_unavailable", "{err}");
    assert!(
        err["message"].as_str().unwrap().contains("AWS profile"),
        "says what to do instead: {err}"
    );

    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let err = invoke(
        &window,
        "store_credentials",
        json!({ "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "secretAccessKey": secret }),
    )
    .unwrap_err();
    assert_eq!(err["kind"], "keyring_unavailable", "{err}");
    assert!(
        !err.to_string().contains(secret),
        "the secret never comes back"
    );

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
    assert!(
        err["message"].as_str().unwrap().contains("keyring"),
        "{err}"
    );
}
