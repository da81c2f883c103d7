//! The direct call: a bare `reqwest` POST to the fake with a hard-coded `Authorization` header and
//! a fixed body, plain or streamed, read to the end. The baseline the full path is measured
//! against.

use std::time::Instant;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};

use crate::harness::Sample;
use crate::scenarios::Ctx;

/// A bare POST with a hard-coded header and a fixed body, read to the end (no parsing).
pub(crate) async fn bare(ctx: &Ctx, body: &[u8], stream: bool) -> Result<Sample, String> {
    // The body is serialized once, up front, as a bare caller would hold it ready.
    let body = reqwest::Body::from(body.to_vec());
    let start = Instant::now();
    let mut response = ctx
        .client
        .post(ctx.url.as_str())
        .header(AUTHORIZATION, ctx.auth.clone())
        .header(CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| format!("bare send: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("bare status {}", response.status()));
    }
    let mut first = None;
    let mut received = 0usize;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("bare body: {e}"))?
    {
        if first.is_none() && !chunk.is_empty() {
            first = Some(start.elapsed());
        }
        received += chunk.len();
    }
    let total = start.elapsed();
    if received == 0 {
        return Err("bare: empty body".into());
    }
    Ok(Sample {
        total,
        first: first.filter(|_| stream),
        last: None,
    })
}
