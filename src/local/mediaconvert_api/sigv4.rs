//! SigV4 verification: the received request is signed again with the install's secret (by the
//! `aws-sigv4` crate, the SDK's own signer) and the signatures compared. Only what the client
//! listed in `SignedHeaders` goes into the recomputation, so extra or reordered headers added by
//! proxies or clients do not matter.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;

use super::error::ApiError;
use crate::local::s3::LocalCredentials;

/// The service name clients sign for.
pub const SERVICE_NAME: &str = "mediaconvert";

const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The parts of an `Authorization: AWS4-HMAC-SHA256 …` header.
#[derive(Debug, PartialEq, Eq)]
struct Authorization<'a> {
    access_key_id: &'a str,
    region: &'a str,
    service: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Option<Authorization<'_>> {
    let rest = value.strip_prefix(ALGORITHM)?.trim_start();
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for field in rest.split(',') {
        let (name, v) = field.trim().split_once('=')?;
        match name {
            "Credential" => credential = Some(v),
            "SignedHeaders" => signed = Some(v),
            "Signature" => signature = Some(v),
            _ => {}
        }
    }
    // Credential = <key>/<yyyymmdd>/<region>/<service>/aws4_request
    let mut scope = credential?.split('/');
    let access_key_id = scope.next()?;
    let _date = scope.next()?;
    let region = scope.next()?;
    let service = scope.next()?;
    if scope.next()? != "aws4_request" {
        return None;
    }
    Some(Authorization {
        access_key_id,
        region,
        service,
        signed_headers: signed?.split(';').collect(),
        signature: signature?,
    })
}

/// `20261121T233611Z` → a point in time.
fn parse_amz_date(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hh, mm, ss) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm): no date crate needed for one format.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = u64::try_from(days * 86_400 + hh * 3600 + mm * 60 + ss).ok()?;
    Some(UNIX_EPOCH + Duration::from_secs(secs))
}

/// Checks the request's SigV4 signature against `creds`. Clock skew is not checked: the server
/// only listens on loopback, where replaying a captured request gains nothing.
pub fn verify(
    parts: &http::request::Parts,
    body: &[u8],
    creds: &LocalCredentials,
) -> Result<(), ApiError> {
    let header = parts
        .headers
        .get(http::header::AUTHORIZATION)
        .ok_or_else(|| {
            ApiError::forbidden(
                "MissingAuthenticationTokenException",
                "Missing Authentication Token",
            )
        })?;
    let header = header.to_str().map_err(|_| {
        ApiError::forbidden(
            "IncompleteSignatureException",
            "Authorization header is not ASCII",
        )
    })?;
    let auth = parse_authorization(header).ok_or_else(|| {
        ApiError::forbidden("IncompleteSignatureException", format!("Authorization header is not {ALGORITHM} with Credential, SignedHeaders and Signature"))
    })?;
    if auth.service != SERVICE_NAME {
        return Err(ApiError::forbidden(
            "InvalidSignatureException",
            format!(
                "Credential should be scoped to correct service: '{SERVICE_NAME}', not '{}'",
                auth.service
            ),
        ));
    }
    if auth.access_key_id != creds.access_key_id {
        return Err(ApiError::forbidden(
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        ));
    }
    let time = parts
        .headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .and_then(parse_amz_date)
        .ok_or_else(|| {
            ApiError::forbidden(
                "IncompleteSignatureException",
                "missing or malformed X-Amz-Date header",
            )
        })?;

    let mut headers = Vec::with_capacity(auth.signed_headers.len());
    for name in &auth.signed_headers {
        // The signer adds x-amz-date itself, from `time`.
        if *name == "x-amz-date" {
            continue;
        }
        for value in parts.headers.get_all(*name) {
            let value = value.to_str().map_err(|_| {
                ApiError::forbidden(
                    "IncompleteSignatureException",
                    format!("signed header {name} is not ASCII"),
                )
            })?;
            headers.push((*name, value));
        }
    }
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let uri = format!("http://{host}{path_and_query}");

    let identity: Identity = aws_sdk_mediaconvert::config::Credentials::new(
        &creds.access_key_id,
        &creds.secret_access_key,
        None,
        None,
        "local",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(auth.region)
        .name(SERVICE_NAME)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| ApiError::internal(format!("SigV4 parameters: {e}")))?
        .into();
    let signable = SignableRequest::new(
        parts.method.as_str(),
        uri,
        headers.into_iter(),
        SignableBody::Bytes(body),
    )
    .map_err(|e| {
        ApiError::forbidden(
            "IncompleteSignatureException",
            format!("cannot canonicalize the request: {e}"),
        )
    })?;
    let (_, expected) = sign(signable, &params)
        .map_err(|e| {
            ApiError::forbidden(
                "IncompleteSignatureException",
                format!("cannot canonicalize the request: {e}"),
            )
        })?
        .into_parts();
    if !constant_time_eq(expected.as_bytes(), auth.signature.as_bytes()) {
        return Err(ApiError::forbidden(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.",
        ));
    }
    Ok(())
}

/// Comparison whose time does not depend on where the first difference is.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_sdk_authorization_header() {
        let h = "AWS4-HMAC-SHA256 Credential=VODLOCALX/20261121/us-east-1/mediaconvert/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=abcd";
        let a = parse_authorization(h).expect("parses");
        assert_eq!(a.access_key_id, "VODLOCALX");
        assert_eq!(a.region, "us-east-1");
        assert_eq!(a.service, "mediaconvert");
        assert_eq!(a.signed_headers, ["content-type", "host", "x-amz-date"]);
        assert_eq!(a.signature, "abcd");
        assert!(parse_authorization("AWS4-HMAC-SHA256 Credential=a/b/c").is_none());
    }

    fn creds() -> LocalCredentials {
        LocalCredentials {
            access_key_id: "VODLOCALTEST".into(),
            secret_access_key: "s3cr3t".into(),
        }
    }

    /// A request signed the way the SDK signs it.
    fn signed(body: &str, secret: &str) -> http::request::Parts {
        let identity: Identity = aws_sdk_mediaconvert::config::Credentials::new(
            "VODLOCALTEST",
            secret,
            None,
            None,
            "test",
        )
        .into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region("us-east-1")
            .name(SERVICE_NAME)
            .time(UNIX_EPOCH + Duration::from_secs(1_800_000_000))
            .settings(SigningSettings::default())
            .build()
            .expect("params")
            .into();
        let mut req = http::Request::builder()
            .method("POST")
            .uri("http://127.0.0.1:4000/2017-08-29/jobs")
            .header("host", "127.0.0.1:4000")
            .header("content-type", "application/json")
            .body(())
            .expect("request");
        let headers: Vec<(&str, &str)> = req
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str(), v.to_str().expect("ascii")))
            .collect();
        let signable = SignableRequest::new(
            "POST",
            req.uri().to_string(),
            headers.into_iter(),
            SignableBody::Bytes(body.as_bytes()),
        )
        .expect("signable");
        let (instructions, _) = sign(signable, &params).expect("sign").into_parts();
        instructions.apply_to_request_http1x(&mut req);
        req.into_parts().0
    }

    #[test]
    fn accepts_the_right_secret_and_rejects_a_wrong_one_or_a_changed_body() {
        let body = r#"{"role":"r","settings":{}}"#;
        assert_eq!(
            verify(&signed(body, "s3cr3t"), body.as_bytes(), &creds()),
            Ok(())
        );
        let wrong =
            verify(&signed(body, "guess"), body.as_bytes(), &creds()).expect_err("wrong secret");
        assert_eq!(
            (wrong.status.as_u16(), wrong.code),
            (403, "InvalidSignatureException")
        );
        let tampered = verify(
            &signed(body, "s3cr3t"),
            br#"{"role":"x","settings":{}}"#,
            &creds(),
        )
        .expect_err("changed body");
        assert_eq!(tampered.code, "InvalidSignatureException");
        let mut unsigned = signed(body, "s3cr3t");
        unsigned.headers.remove(http::header::AUTHORIZATION);
        assert_eq!(
            verify(&unsigned, body.as_bytes(), &creds())
                .expect_err("unsigned")
                .code,
            "MissingAuthenticationTokenException"
        );
    }

    #[test]
    fn parses_amz_dates() {
        assert_eq!(parse_amz_date("19700101T000000Z"), Some(UNIX_EPOCH));
        // 2024-02-29 12:34:56 UTC
        assert_eq!(
            parse_amz_date("20240229T123456Z"),
            Some(UNIX_EPOCH + Duration::from_secs(1_709_210_096))
        );
        assert_eq!(parse_amz_date("2024-02-29T12:34:56Z"), None);
    }
}
