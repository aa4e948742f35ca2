//! The HTTP face: SigV4 check, then the 2017-08-29 routes aws-sdk-mediaconvert and the AWS CLI
//! call, with bodies and errors as they are on the wire.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full, Limited};
use serde_json::{json, Value};

use super::error::ApiError;
use super::jobs::{Jobs, NewJob};
use super::model::JobStatus;
use super::sigv4;
use crate::limits::{LOCAL_MEDIACONVERT_LIST_PAGE, LOCAL_MEDIACONVERT_MAX_BODY_BYTES};
use crate::local::s3::LocalCredentials;

const API_PREFIX: &str = "/2017-08-29";

/// What the request handlers share.
pub(crate) struct Ctx {
    pub jobs: Arc<Jobs>,
    pub credentials: LocalCredentials,
    /// This server's own URL, answered by DescribeEndpoints.
    pub endpoint_url: String,
}

pub(crate) async fn handle(
    ctx: Arc<Ctx>,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, LOCAL_MEDIACONVERT_MAX_BODY_BYTES)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            return Ok(
                ApiError::bad_request(format!("cannot read the request body: {e}")).into_response(),
            )
        }
    };
    let result = match sigv4::verify(&parts, &body, &ctx.credentials) {
        Ok(()) => route(
            &ctx,
            &parts.method,
            parts.uri.path(),
            parts.uri.query().unwrap_or(""),
            &body,
        ),
        Err(e) => Err(e),
    };
    Ok(match result {
        Ok((status, value)) => json_response(status, &value),
        Err(e) => {
            tracing::debug!(method = %parts.method, uri = %parts.uri, error = %e, "local MediaConvert: request refused");
            e.into_response()
        }
    })
}

fn route(
    ctx: &Ctx,
    method: &Method,
    path: &str,
    query: &str,
    body: &[u8],
) -> Result<(StatusCode, Value), ApiError> {
    let rest = path
        .strip_prefix(API_PREFIX)
        .ok_or_else(|| unknown_route(method, path))?;
    let segments: Vec<&str> = rest.trim_end_matches('/').split('/').skip(1).collect();
    match (method, segments.as_slice()) {
        (&Method::POST, ["jobs"]) => {
            let job = ctx.jobs.create(NewJob::from_wire(&parse_json(body)?)?)?;
            Ok((StatusCode::CREATED, json!({ "job": job })))
        }
        (&Method::GET, ["jobs"]) => list_jobs(ctx, query),
        (&Method::GET, ["jobs", id]) => Ok((
            StatusCode::OK,
            json!({ "job": ctx.jobs.get(&percent_decode(id))? }),
        )),
        (&Method::DELETE, ["jobs", id]) => {
            ctx.jobs.cancel(&percent_decode(id))?;
            // MediaConvert answers CancelJob with 202 and an empty object.
            Ok((StatusCode::ACCEPTED, json!({})))
        }
        (&Method::POST, ["endpoints"]) => Ok((
            StatusCode::OK,
            json!({ "endpoints": [{ "url": ctx.endpoint_url }] }),
        )),
        _ => Err(unknown_route(method, path)),
    }
}

fn unknown_route(method: &Method, path: &str) -> ApiError {
    ApiError::not_found(format!(
        "{method} {path} is not an operation of this local MediaConvert API"
    ))
}

fn list_jobs(ctx: &Ctx, query: &str) -> Result<(StatusCode, Value), ApiError> {
    let (mut status, mut ascending, mut max, mut next) =
        (None, false, LOCAL_MEDIACONVERT_LIST_PAGE, None);
    for (name, value) in query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
    {
        let value = percent_decode(value);
        match name {
            "status" => {
                status = Some(JobStatus::parse(&value).ok_or_else(|| {
                    ApiError::bad_request(format!("status: unknown job status {value:?}"))
                })?)
            }
            "order" => {
                ascending = match value.as_str() {
                    "ASCENDING" => true,
                    "DESCENDING" => false,
                    _ => {
                        return Err(ApiError::bad_request(format!(
                            "order: must be ASCENDING or DESCENDING, not {value:?}"
                        )))
                    }
                }
            }
            "maxResults" => max = value
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=LOCAL_MEDIACONVERT_LIST_PAGE).contains(n))
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "maxResults: must be 1 to {LOCAL_MEDIACONVERT_LIST_PAGE}, not {value:?}"
                    ))
                })?,
            "nextToken" => {
                next = Some(value.parse::<u64>().map_err(|_| {
                    ApiError::bad_request(format!(
                        "nextToken: {value:?} is not a token this server issued"
                    ))
                })?)
            }
            // Other members (queue) filter nothing here: there is one queue.
            _ => {}
        }
    }
    let (jobs, next_token) = ctx.jobs.list(status, ascending, max, next);
    let mut out = json!({ "jobs": jobs });
    if let Some(token) = next_token {
        out["nextToken"] = Value::String(token);
    }
    Ok((StatusCode::OK, out))
}

fn parse_json(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the request body is not valid JSON: {e}")))
}

fn json_response(status: StatusCode, value: &Value) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(value.to_string())));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    resp
}

/// `%XX` and `+` decoding of query values and path segments (invalid escapes are kept as is).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn decodes_query_values() {
        assert_eq!(percent_decode("a%2Fb+c"), "a/b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%4"), "%4");
    }
}
