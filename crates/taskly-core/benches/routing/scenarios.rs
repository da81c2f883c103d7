//! The four request paths the harness drives at every concurrency level, what they share, and
//! the one-request dispatch; the decision and its parts, timed alone, are declared here too.

use std::sync::Arc;

use reqwest::header::HeaderValue;
use taskly_core::chat::ChatRequest;
use taskly_core::chat::run::ChatService;
use taskly_core::routing::RouteKind;

use crate::harness::Sample;

// Driven at every level, as requests.
#[path = "scenarios/bare.rs"]
pub(crate) mod bare;
#[path = "scenarios/full.rs"]
pub(crate) mod full;

// Timed alone, once, before the levels: a decision, its parts, and two costs next to it.
#[path = "scenarios/blocking_hop.rs"]
pub(crate) mod blocking_hop;
#[path = "scenarios/client_build.rs"]
pub(crate) mod client_build;
#[path = "scenarios/decide.rs"]
pub(crate) mod decide;
#[path = "scenarios/sqlite_select.rs"]
pub(crate) mod sqlite_select;
#[path = "scenarios/sqlite_write.rs"]
pub(crate) mod sqlite_write;

/// The request paths, in the order every round takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scenario {
    BarePlain,
    BareStream,
    FullPersonal,
    FullTaskly,
}

impl Scenario {
    pub(crate) const ALL: [Scenario; 4] = [
        Scenario::BarePlain,
        Scenario::BareStream,
        Scenario::FullPersonal,
        Scenario::FullTaskly,
    ];

    /// The scenario's key in `routing.json`'s `levels[].scenarios`.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Scenario::BarePlain => "bare_plain",
            Scenario::BareStream => "bare_stream",
            Scenario::FullPersonal => "full_personal",
            Scenario::FullTaskly => "full_taskly",
        }
    }

    pub(crate) fn label(self) -> &'static str {
        match self {
            Scenario::BarePlain => "bare reqwest, plain",
            Scenario::BareStream => "bare reqwest, stream",
            Scenario::FullPersonal => "full path, personal key",
            Scenario::FullTaskly => "full path, Taskly proxy",
        }
    }
}

/// Everything a request needs, shared by the workers.
pub(crate) struct Ctx {
    pub(crate) client: reqwest::Client,
    pub(crate) url: String,
    pub(crate) auth: HeaderValue,
    pub(crate) plain_body: Vec<u8>,
    pub(crate) stream_body: Vec<u8>,
    pub(crate) personal: Arc<ChatService>,
    pub(crate) taskly: Arc<ChatService>,
    pub(crate) request: ChatRequest,
}

pub(crate) async fn once(ctx: &Ctx, scenario: Scenario) -> Result<Sample, String> {
    match scenario {
        Scenario::BarePlain => bare::bare(ctx, &ctx.plain_body, false).await,
        Scenario::BareStream => bare::bare(ctx, &ctx.stream_body, true).await,
        Scenario::FullPersonal => {
            full::full(&ctx.personal, ctx.request.clone(), RouteKind::Personal).await
        }
        Scenario::FullTaskly => {
            full::full(&ctx.taskly, ctx.request.clone(), RouteKind::Taskly).await
        }
    }
}
