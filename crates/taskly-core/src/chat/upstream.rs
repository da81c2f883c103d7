//! Talking to one upstream: the endpoint (where, with which headers), the guarded HTTP send
//! shared by every wire format, and the answer as a stream of [`Decoded`] pieces.
//!
//! OpenAI-compatible upstreams (and the Taskly proxy) go through `async-openai`, configured so
//! that it never reads `OPENAI_API_KEY` or `OPENAI_BASE_URL`, never retries on its own, never logs
//! an error body, and sends the key only in our header marked sensitive: its HTTP layer is our
//! [`GuardedSend`]. Anthropic and Gemini go through our adapters over the same send.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use async_openai::error::OpenAIError;
use async_openai::middleware::HttpRequestFactory;
use async_openai::types::chat::{
    ChatCompletionRequestAssistantMessageArgs, ChatCompletionRequestMessage,
    ChatCompletionRequestSystemMessageArgs, ChatCompletionRequestUserMessageArgs,
    ChatCompletionStreamOptions, CreateChatCompletionRequest, CreateChatCompletionRequestArgs,
};
use futures::stream::{BoxStream, StreamExt};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};

use crate::chat::failure::{MAX_ERROR_BODY, classify_status, classify_transport};
use crate::chat::sse::{SseDecoder, SseLimits};
use crate::chat::{ChatRequest, Decoded, FullAnswer, Role, anthropic, gemini, openai};
use crate::providers::WireFormat;
use crate::routing::Endpoint;
use crate::{ApiKey, Error, Result, Upstream};

/// The answer as it arrives.
pub type DecodedStream = BoxStream<'static, Result<Decoded>>;

/// Sends the request and returns the answer's pieces as they arrive.
pub async fn open(
    endpoint: &Endpoint,
    request: &ChatRequest,
    model: &str,
) -> Result<DecodedStream> {
    match endpoint.wire {
        WireFormat::OpenaiCompatible => open_openai(endpoint, request, model).await,
        WireFormat::Anthropic => {
            let wire = anthropic::request(request, model, true);
            let mut decoder = anthropic::StreamDecoder::new();
            open_sse(
                endpoint,
                wire,
                model,
                move |event| decoder.decode_event(event),
                anthropic::decode_full,
            )
            .await
        }
        WireFormat::Gemini => {
            let wire =
                gemini::request(request, model, true).map_err(|e| Error::ModelNotAvailable {
                    upstream: endpoint.upstream,
                    model: model.to_owned(),
                    detail: e.0,
                })?;
            open_sse(
                endpoint,
                wire,
                model,
                gemini::decode_event,
                gemini::decode_full,
            )
            .await
        }
    }
}

async fn open_openai(
    endpoint: &Endpoint,
    request: &ChatRequest,
    model: &str,
) -> Result<DecodedStream> {
    let config = EndpointConfig {
        base: endpoint.base.as_str().to_owned(),
        headers: endpoint.headers.clone(),
        no_key: secrecy::SecretString::from(String::new()),
    };
    let refused = Arc::new(OnceLock::new());
    let whole = Arc::new(OnceLock::new());
    let send = GuardedSend {
        endpoint: Arc::new(endpoint.clone()),
        model: model.to_owned(),
        refused: refused.clone(),
        whole: whole.clone(),
    };
    // `build` with our pooled client: `with_config` would create (and load root certificates
    // into) a fresh reqwest client on every request.
    let client =
        async_openai::Client::build(endpoint.client.clone(), config).with_http_service(send);
    let body = openai_request(request, model, endpoint.max_completion_tokens)?;
    let stream = match client.chat().create_stream(body).await {
        Ok(stream) => stream,
        Err(e) => {
            return match whole.get() {
                Some(answer) => Ok(whole_stream(answer.clone())),
                None => Err(from_openai(endpoint.upstream, &endpoint.presented, e)),
            };
        }
    };
    let upstream = endpoint.upstream;
    let presented = endpoint.presented.clone();
    Ok(stream
        .flat_map(move |item| {
            let pieces: Vec<Result<Decoded>> = match item {
                Ok(chunk) => {
                    let mut out = Vec::new();
                    if !chunk.model.is_empty() {
                        out.push(Ok(Decoded::Model(chunk.model)));
                    }
                    for choice in chunk.choices {
                        if let Some(text) = choice.delta.content.filter(|t| !t.is_empty()) {
                            out.push(Ok(Decoded::Delta(text)));
                        }
                        if let Some(reason) = choice.finish_reason {
                            let reason = serde_json::to_value(reason)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_owned));
                            out.push(Ok(Decoded::Done {
                                finish_reason: reason,
                            }));
                        }
                    }
                    if let Some(usage) = chunk.usage {
                        out.push(Ok(Decoded::Usage {
                            input_tokens: Some(u64::from(usage.prompt_tokens)),
                            output_tokens: Some(u64::from(usage.completion_tokens)),
                        }));
                    }
                    out
                }
                // A stream our limits stopped reaches us only as "the event stream broke":
                // say what really happened.
                Err(e) => vec![Err(match refused.get() {
                    Some(detail) => Error::BadResponse {
                        upstream,
                        detail: detail.clone(),
                    },
                    None => from_openai(upstream, &presented, e),
                })],
            };
            futures::stream::iter(pieces)
        })
        .boxed())
}

#[allow(deprecated)] // `max_tokens`: the field most OpenAI-compatible providers still read
fn openai_request(
    request: &ChatRequest,
    model: &str,
    max_completion_tokens: bool,
) -> Result<CreateChatCompletionRequest> {
    let bad = |e: OpenAIError| Error::Internal(format!("cannot build the request: {e}"));
    let mut messages: Vec<ChatCompletionRequestMessage> =
        Vec::with_capacity(request.messages.len());
    for message in &request.messages {
        let built = match message.role {
            Role::System => ChatCompletionRequestSystemMessageArgs::default()
                .content(message.content.clone())
                .build()
                .map_err(bad)?
                .into(),
            Role::User => ChatCompletionRequestUserMessageArgs::default()
                .content(message.content.clone())
                .build()
                .map_err(bad)?
                .into(),
            Role::Assistant => ChatCompletionRequestAssistantMessageArgs::default()
                .content(message.content.clone())
                .build()
                .map_err(bad)?
                .into(),
        };
        messages.push(built);
    }
    let mut args = CreateChatCompletionRequestArgs::default();
    args.model(model)
        .messages(messages)
        .stream(true)
        .stream_options(ChatCompletionStreamOptions {
            include_usage: Some(true),
            include_obfuscation: None,
        });
    let mut body = args.build().map_err(bad)?;
    if let Some(max) = request.max_tokens {
        if max_completion_tokens {
            body.max_completion_tokens = Some(max);
        } else {
            body.max_tokens = Some(max);
        }
    }
    Ok(body)
}

/// async-openai's view of an endpoint: our base URL and our (sensitive) headers, and no key of
/// its own, so nothing is ever taken from `OPENAI_API_KEY`.
#[derive(Debug)]
struct EndpointConfig {
    base: String,
    headers: HeaderMap,
    no_key: secrecy::SecretString,
}

impl async_openai::config::Config for EndpointConfig {
    fn headers(&self) -> HeaderMap {
        self.headers.clone()
    }
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
    fn query(&self) -> Vec<(&str, &str)> {
        Vec::new()
    }
    fn api_base(&self) -> &str {
        &self.base
    }
    fn api_key(&self) -> &secrecy::SecretString {
        &self.no_key
    }
}

/// The HTTP layer under async-openai (and our adapters): only the endpoint's origin, a timeout
/// for the answer's headers, no retries, and error answers turned into typed errors here, so
/// the library never sees (or logs) an error body.
#[derive(Debug, Clone)]
struct GuardedSend {
    endpoint: Arc<Endpoint>,
    model: String,
    /// Why [`bounded`] stopped the answer, if it did.
    refused: Arc<OnceLock<String>>,
    /// The answer, when the upstream sent it whole rather than streamed.
    whole: Arc<OnceLock<FullAnswer>>,
}

impl tower::Service<HttpRequestFactory> for GuardedSend {
    type Response = reqwest::Response;
    type Error = OpenAIError;
    type Future = Pin<Box<dyn Future<Output = Result<reqwest::Response, OpenAIError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, factory: HttpRequestFactory) -> Self::Future {
        let endpoint = self.endpoint.clone();
        let model = self.model.clone();
        let refused = self.refused.clone();
        let whole = self.whole.clone();
        Box::pin(async move {
            let request = factory.build().await?;
            let response = send(&endpoint, request, &model).await.map_err(boxed)?;
            if is_whole_json(&response) {
                // async-openai can only read a stream: read the whole answer here, and stop
                // the library with an error `open_openai` knows to look behind.
                let answer = read_whole(&endpoint, response, openai::decode_full)
                    .await
                    .map_err(boxed)?;
                let _ = whole.set(answer);
                return Err(boxed(Error::Internal("answered whole".into())));
            }
            Ok(bounded(response, refused))
        })
    }
}

/// The most bytes one streamed OpenAI-compatible answer may take on the wire: about twice what
/// the longest answer any model writes today (128k tokens at ~250 bytes a chunk) needs.
///
/// async-openai reads the body on a task of its own into an unbounded queue, whether or not we
/// are ready for the next piece; without this cap a fast upstream and a slow reader (a paused
/// terminal) would fill memory with queued chunks.
pub const MAX_STREAM_BYTES: usize = 64 << 20;

/// The answer with its body checked as it arrives against the SSE limits (async-openai's event
/// decoder would otherwise buffer an endless line or event until memory runs out) and against
/// [`MAX_STREAM_BYTES`].
fn bounded(response: reqwest::Response, refused: Arc<OnceLock<String>>) -> reqwest::Response {
    type BoxError = Box<dyn std::error::Error + Send + Sync>;
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    let mut limits = SseLimits::new();
    let mut total = 0usize;
    let body = response.bytes_stream().map(move |chunk| {
        let chunk = chunk.map_err(|e| -> BoxError { Box::new(e) })?;
        total = total.saturating_add(chunk.len());
        let checked = if total > MAX_STREAM_BYTES {
            Err(crate::chat::DecodeError(format!(
                "the answer passed {} MiB on the wire",
                MAX_STREAM_BYTES >> 20
            )))
        } else {
            limits.check(&chunk)
        };
        if let Err(e) = checked {
            let _ = refused.set(e.0.clone());
            return Err(Box::new(e) as BoxError);
        }
        Ok(chunk)
    });
    let mut bounded = http::Response::new(reqwest::Body::wrap_stream(body));
    *bounded.status_mut() = status;
    *bounded.version_mut() = version;
    *bounded.headers_mut() = headers;
    reqwest::Response::from(bounded)
}

/// Sends one request to the endpoint, guarded as described on [`GuardedSend`].
pub async fn send(
    endpoint: &Endpoint,
    request: reqwest::Request,
    model: &str,
) -> Result<reqwest::Response> {
    let origin = request.url().origin().ascii_serialization();
    if origin != endpoint.base.origin() {
        return Err(Error::UnsafeRoute {
            reason: format!(
                "a request was about to go to {origin} instead of {}",
                endpoint.base.origin()
            ),
        });
    }
    let host = endpoint.base.host();
    let response =
        match tokio::time::timeout(endpoint.first_byte, endpoint.client.execute(request)).await {
            Err(_) => {
                return Err(Error::UpstreamTimeout {
                    upstream: endpoint.upstream,
                    phase: "response",
                    after: endpoint.first_byte,
                });
            }
            Ok(Err(e)) => {
                return Err(classify_transport(
                    endpoint.upstream,
                    &host,
                    &e,
                    "response",
                    endpoint.first_byte,
                ));
            }
            Ok(Ok(response)) => response,
        };
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let headers = response.headers().clone();
    // A body that breaks off is read as far as it came.
    let body = crate::http::read_limited(response, MAX_ERROR_BODY)
        .await
        .unwrap_or_default();
    tracing::debug!(upstream = %endpoint.upstream, status = status.as_u16(), "upstream answered with an error");
    Err(classify_status(
        endpoint.upstream,
        endpoint.wire,
        status,
        &headers,
        &body,
        Some(&endpoint.presented),
        model,
    ))
}

/// The largest whole answer read when an upstream does not stream (far more than any model
/// writes in one answer).
pub const MAX_WHOLE_ANSWER: usize = 16 << 20;

/// A successful answer to a streaming request that is one JSON body, not an event stream: some
/// OpenAI-, Anthropic- and Gemini-compatible gateways answer so.
fn is_whole_json(response: &reqwest::Response) -> bool {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

/// Reads and decodes a whole answer; what cannot be read is a typed error that quotes nothing
/// of the body beyond a scrubbed provider message.
async fn read_whole(
    endpoint: &Endpoint,
    response: reqwest::Response,
    full: fn(&[u8]) -> std::result::Result<FullAnswer, crate::chat::DecodeError>,
) -> Result<FullAnswer> {
    let host = endpoint.base.host();
    let body = crate::http::read_limited(response, MAX_WHOLE_ANSWER)
        .await
        .map_err(|e| classify_transport(endpoint.upstream, &host, &e, "answer", Duration::ZERO))?;
    full(&body).map_err(|e| Error::BadResponse {
        upstream: endpoint.upstream,
        detail: crate::providers::error_body::scrub(&e.0, Some(&endpoint.presented)),
    })
}

/// A whole answer as the pieces a stream would have given.
fn whole_stream(answer: FullAnswer) -> DecodedStream {
    let mut pieces = Vec::with_capacity(3);
    if !answer.text.is_empty() {
        pieces.push(Ok(Decoded::Delta(answer.text)));
    }
    if let Some(usage) = answer.usage {
        pieces.push(Ok(Decoded::Usage {
            input_tokens: Some(usage.input_tokens),
            output_tokens: Some(usage.output_tokens),
        }));
    }
    pieces.push(Ok(Decoded::Done {
        finish_reason: answer.finish_reason,
    }));
    futures::stream::iter(pieces).boxed()
}

async fn open_sse<F>(
    endpoint: &Endpoint,
    wire: crate::chat::WireRequest,
    model: &str,
    decode: F,
    full: fn(&[u8]) -> std::result::Result<FullAnswer, crate::chat::DecodeError>,
) -> Result<DecodedStream>
where
    F: FnMut(
            &crate::chat::sse::SseEvent,
        ) -> std::result::Result<Vec<Decoded>, crate::chat::DecodeError>
        + Send
        + 'static,
{
    let mut url = reqwest::Url::parse(&endpoint.base.join(&wire.path))
        .map_err(|e| Error::Internal(format!("bad URL: {e}")))?;
    if !wire.query.is_empty() {
        url.query_pairs_mut().extend_pairs(wire.query.iter());
    }
    let body = serde_json::to_vec(&wire.body)
        .map_err(|e| Error::Internal(format!("cannot encode the request: {e}")))?;
    let mut request = reqwest::Request::new(reqwest::Method::POST, url);
    *request.headers_mut() = endpoint.headers.clone();
    request
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    *request.body_mut() = Some(body.into());
    let response = send(endpoint, request, model).await?;
    if is_whole_json(&response) {
        return Ok(whole_stream(read_whole(endpoint, response, full).await?));
    }
    let upstream = endpoint.upstream;
    let host = endpoint.base.host();
    let state = (
        response.bytes_stream().boxed(),
        SseDecoder::new(),
        std::collections::VecDeque::<Result<Decoded>>::new(),
        false,
        decode,
    );
    Ok(futures::stream::unfold(
        state,
        move |(mut bytes, mut decoder, mut queue, mut ended, mut decode)| {
            let host = host.clone();
            async move {
                loop {
                    if let Some(item) = queue.pop_front() {
                        return Some((item, (bytes, decoder, queue, ended, decode)));
                    }
                    if ended {
                        return None;
                    }
                    match bytes.next().await {
                        Some(Ok(chunk)) => match decoder.push(&chunk) {
                            Ok(events) => {
                                for event in &events {
                                    match decode(event) {
                                        Ok(pieces) => queue.extend(pieces.into_iter().map(Ok)),
                                        Err(e) => queue.push_back(Err(Error::BadResponse {
                                            upstream,
                                            detail: e.0,
                                        })),
                                    }
                                }
                            }
                            Err(e) => {
                                queue.push_back(Err(Error::BadResponse {
                                    upstream,
                                    detail: e.0,
                                }));
                                ended = true;
                            }
                        },
                        Some(Err(e)) => {
                            queue.push_back(Err(classify_transport(
                                upstream,
                                &host,
                                &e,
                                "next token",
                                Duration::ZERO,
                            )));
                            ended = true;
                        }
                        None => ended = true,
                    }
                }
            }
        },
    )
    .boxed())
}

fn boxed(err: Error) -> OpenAIError {
    OpenAIError::Boxed(Box::new(err))
}

/// Turns what async-openai hands back into our error, without formatting anything it carries
/// that could hold an answer or a body; a message it passes on loses the key that was sent.
fn from_openai(upstream: Upstream, presented: &ApiKey, err: OpenAIError) -> Error {
    match err {
        OpenAIError::Boxed(inner) => match inner.downcast::<Error>() {
            Ok(ours) => *ours,
            Err(other) => Error::Internal(format!("HTTP layer: {other}")),
        },
        OpenAIError::Reqwest(e) => {
            classify_transport(upstream, "", &e, "next token", Duration::ZERO)
        }
        OpenAIError::JSONDeserialize(..) => Error::BadResponse {
            upstream,
            detail: "a piece of the answer was not the expected JSON".into(),
        },
        OpenAIError::StreamError(_) => Error::StreamCut {
            upstream,
            detail: "the event stream broke".into(),
            partial: String::new(),
        },
        OpenAIError::ApiError(api) => Error::RequestRefused {
            upstream,
            status: api.status_code.as_u16(),
            detail: crate::providers::error_body::scrub(&api.api_error.message, Some(presented)),
        },
        OpenAIError::InvalidArgument(text) => Error::Internal(format!("invalid request: {text}")),
        other => Error::Internal(format!(
            "unexpected client error: {}",
            std::any::type_name_of_val(&other)
        )),
    }
}
