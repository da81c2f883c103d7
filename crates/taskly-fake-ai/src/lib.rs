//! A loopback stand-in for AI providers (OpenAI, Azure OpenAI, Anthropic, Gemini) and the Taskly proxy.
//!
//! Start one with [`FakeAi::start`], point a client at [`FakeAi::base_url`], then inspect what it
//! received with [`FakeAi::requests`] or make it misbehave with [`FakeAi::push_fault`]. The same
//! controls are served over HTTP under `/_control/` for tests that run in another process:
//!
//! | method and path              | does                                                              |
//! | ---------------------------- | ----------------------------------------------------------------- |
//! | `GET /_control/health`       | `{"status":"ok"}`                                                 |
//! | `GET /_control/stats`        | `{"disconnects":N,"requests":N,"recorded":N}`                     |
//! | `GET /_control/requests`     | the recorded requests as JSON (bodies as lossy UTF-8 text)        |
//! | `DELETE /_control/requests`  | forget them                                                       |
//! | `GET /_control/faults`       | the faults still queued                                           |
//! | `POST /_control/faults`      | queue one, e.g. `{"fault":{"rate_limited":{"retry_after_secs":2}},"flavor":"openai"}` |
//! | `DELETE /_control/faults`    | drop all queued faults                                            |
//! | `POST /_control/keys`        | `{"key":"..."}`: accept this provider key from now on             |
//! | `DELETE /_control/keys`      | `{"key":"..."}`: stop accepting it                                |
//!
//! Faults are written in snake case: `"unauthorized"`, `"hang"`, `{"slow":250}` (milliseconds),
//! `{"cut_stream_after":3}`, `{"huge_body":1048576}`, `{"huge_error_body":1048576}`,
//! `"hang_after_headers"`, `{"stall_after":2}`, `{"keep_alive_forever":100}`,
//! `{"drip_forever":100}`, `{"redirect":{"status":307,"location":"http://…"}}`, and so on.
//!
//! The proxy accepts its static `proxy_tokens` and, with [`FakeAiConfig::introspection`] set, any
//! token the configured OpenID issuer says is active (RFC 7662). It asks on every call, so a token
//! revoked at the issuer is refused on the very next one, and records the `sub` it was told in
//! [`RecordedRequest::proxy_subject`]; an issuer that cannot answer makes the proxy answer `503`
//! with code `introspection_unavailable`.

mod answer;
mod call;
mod clock;
mod config;
mod control;
mod dispatch;
mod fault;
mod figures;
mod flavor;
mod introspect;
mod keys;
mod providers;
mod record;
mod reply;
mod server;
mod state;

pub use config::{FakeAiConfig, Introspection};
pub use fault::{Fault, ScriptedFault};
pub use figures::{BalanceInfo, DeepSeekBalance, OpenRouterKey};
pub use flavor::Flavor;
pub use record::RecordedRequest;
pub use server::FakeAi;
