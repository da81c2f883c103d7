//! Hands each request to the flavor it names, and has that flavor render scripted failures.

mod anthropic;
mod azure;
mod gemini;
mod openai;
mod proxy;

use crate::call::Call;
use crate::fault::Failure;
use crate::flavor::Flavor;
use crate::introspect::Verdict;
use crate::reply::Reply;
use crate::state::Shared;

/// What the issuer says about a proxy call's token: the one check that has to wait on the
/// network, so it runs before the (synchronous) answer is built, and the answer takes its verdict.
pub(crate) async fn introspect(flavor: Flavor, call: &Call, shared: &Shared) -> Verdict {
    match flavor {
        Flavor::Proxy => proxy::introspect(call, shared).await,
        _ => Verdict::NotAsked,
    }
}

/// The flavor's normal answer (auth checks and request validation included); `verdict` is what
/// [`introspect`] found, and only the proxy reads it.
pub(crate) fn answer(flavor: Flavor, call: &Call, shared: &Shared, verdict: &Verdict) -> Reply {
    match flavor {
        Flavor::OpenAi => openai::answer(call, shared),
        Flavor::Azure => azure::answer(call, shared),
        Flavor::Anthropic => anthropic::answer(call, shared),
        Flavor::Gemini => gemini::answer(call, shared),
        Flavor::Proxy => proxy::answer(call, shared, verdict),
    }
}

/// A scripted failure in the flavor's own status, headers and body.
pub(crate) fn failure(flavor: Flavor, failure: Failure, call: &Call, shared: &Shared) -> Reply {
    match flavor {
        Flavor::OpenAi => openai::errors::failure(failure, call, shared),
        Flavor::Azure => azure::errors::failure(failure, call, shared),
        Flavor::Anthropic => anthropic::errors::failure(failure, call, shared),
        Flavor::Gemini => gemini::errors::failure(failure, call, shared),
        Flavor::Proxy => proxy::errors::failure(failure, call, shared),
    }
}
