//! Shared helpers: a started server, a client, and an SSE reader.

use std::time::Duration;

use futures::StreamExt;
use serde_json::Value;
use taskly_fake_ai::{FakeAi, FakeAiConfig, Flavor};

pub const KEY: &str = "sk-test-abcdefghijklmnop1234";
pub const TOKEN: &str = "tpx-test-token-0001";

pub fn config() -> FakeAiConfig {
    FakeAiConfig {
        provider_keys: vec![KEY.to_owned()],
        proxy_tokens: vec![TOKEN.to_owned()],
        ..FakeAiConfig::default()
    }
}

pub async fn server() -> FakeAi {
    FakeAi::start(config()).await.expect("the fake starts")
}

pub async fn server_with(config: FakeAiConfig) -> FakeAi {
    FakeAi::start(config).await.expect("the fake starts")
}

pub fn client() -> reqwest::Client {
    client_with_timeout(Duration::from_secs(10))
}

/// A client that never goes through a proxy (the fake is on loopback) and gives up after `timeout`.
pub fn client_with_timeout(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(timeout)
        .build()
        .expect("a client builds")
}

/// A request for `path` under the flavor's base URL, with that flavor's credential headers.
pub fn request(
    fake: &FakeAi,
    flavor: Flavor,
    method: reqwest::Method,
    path: &str,
) -> reqwest::RequestBuilder {
    let url = format!("{}{path}", fake.base_url(flavor));
    let builder = client().request(method, url);
    match flavor {
        Flavor::OpenAi => builder.bearer_auth(KEY),
        Flavor::Proxy => builder.bearer_auth(TOKEN),
        Flavor::Azure => builder.header("api-key", KEY),
        Flavor::Anthropic => builder
            .header("x-api-key", KEY)
            .header("anthropic-version", "2023-06-01"),
        Flavor::Gemini => builder.header("x-goog-api-key", KEY),
    }
}

/// The usual chat call for a flavor, plain or streamed.
pub fn chat(fake: &FakeAi, flavor: Flavor, text: &str, stream: bool) -> reqwest::RequestBuilder {
    let post = reqwest::Method::POST;
    match flavor {
        Flavor::OpenAi | Flavor::Azure | Flavor::Proxy => {
            let model = if flavor == Flavor::Proxy {
                "openai/gpt-4o-mini"
            } else {
                "gpt-4o-mini"
            };
            request(fake, flavor, post, "/chat/completions").json(&serde_json::json!({
                "model": model,
                "messages": [{"role": "user", "content": text}],
                "stream": stream,
            }))
        }
        Flavor::Anthropic => request(fake, flavor, post, "/messages").json(&serde_json::json!({
            "model": "claude-sonnet-4-5",
            "max_tokens": 100,
            "messages": [{"role": "user", "content": text}],
            "stream": stream,
        })),
        Flavor::Gemini => {
            let method = if stream {
                "streamGenerateContent?alt=sse"
            } else {
                "generateContent"
            };
            request(
                fake,
                flavor,
                post,
                &format!("/models/gemini-2.5-flash:{method}"),
            )
            .json(&serde_json::json!({"contents": [{"role": "user", "parts": [{"text": text}]}]}))
        }
    }
}

pub async fn json(response: reqwest::Response) -> Value {
    response.json().await.expect("a JSON body")
}

/// One server-sent event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub event: Option<String>,
    pub data: String,
}

impl Event {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data).expect("event data is JSON")
    }
}

/// Split an SSE body into events (accepts `\n\n` and `\r\n\r\n` separators).
pub fn parse_sse(text: &str) -> Vec<Event> {
    let normalized = text.replace("\r\n", "\n");
    normalized
        .split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            let mut event = None;
            let mut data = Vec::new();
            for line in block.lines() {
                if let Some(name) = line.strip_prefix("event: ") {
                    event = Some(name.to_owned());
                } else if let Some(value) = line.strip_prefix("data: ") {
                    data.push(value);
                }
            }
            Event {
                event,
                data: data.join("\n"),
            }
        })
        .collect()
}

/// Read a whole body chunk by chunk; returns what arrived and whether the body ended in an error.
pub async fn read_until_end(response: reqwest::Response) -> (String, bool) {
    let mut stream = response.bytes_stream();
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(bytes) => body.extend_from_slice(&bytes),
            Err(_) => return (String::from_utf8_lossy(&body).into_owned(), true),
        }
    }
    (String::from_utf8_lossy(&body).into_owned(), false)
}

/// Wait (briefly) until `check` holds; the server notices some things a moment after the client acts.
pub async fn eventually(mut check: impl FnMut() -> bool) -> bool {
    for _ in 0..100 {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    check()
}
