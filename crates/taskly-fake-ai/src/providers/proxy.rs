//! The Taskly proxy under `/proxy/v1`: OpenAI's wire format, proxy tokens (static, or active at
//! the issuer), and `provider/model` names.

pub(super) mod errors;

use crate::call::Call;
use crate::flavor::Flavor;
use crate::introspect::Verdict;
use crate::keys;
use crate::reply::Reply;
use crate::state::Shared;

use super::openai::{self, Route, wire};

/// Ask the issuer about the presented token, unless there is no issuer, no token, or a static
/// token that needs no asking.
pub(super) async fn introspect(call: &Call, shared: &Shared) -> Verdict {
    let Some(introspector) = &shared.introspector else {
        return Verdict::NotAsked;
    };
    match presented_token(call) {
        Some(token) if !shared.accepts_proxy_token(token) => introspector.check(token).await,
        _ => Verdict::NotAsked,
    }
}

pub(super) fn answer(call: &Call, shared: &Shared, verdict: &Verdict) -> Reply {
    let route = call
        .rest(Flavor::Proxy)
        .and_then(|rest| Route::of(&call.method, rest))
        .filter(|route| *route != Route::Key);
    let Some(route) = route else {
        return openai::errors::invalid_url(call);
    };
    match (presented_token(call), verdict) {
        (Some(token), _) if shared.accepts_proxy_token(token) => {}
        (Some(_), Verdict::Active { .. }) => {}
        (Some(_), Verdict::Unavailable(reason)) => {
            return errors::introspection_unavailable(reason);
        }
        (Some(_), Verdict::NotAsked | Verdict::Inactive) => return errors::invalid_token(),
        (None, _) => return errors::missing_token(),
    }
    let models = catalogue(shared);
    let known = |id: &str| models.iter().any(|(m, _)| m == id);
    match route {
        Route::Models => Reply::ok(wire::model_list(
            models.iter().map(|(id, owner)| (id.as_str(), *owner)),
        )),
        Route::Model(id) if known(id) => Reply::ok(wire::model_object(id, owner_of(id))),
        Route::Model(id) => openai::errors::model_not_found(id),
        Route::Chat => wire::chat(call, shared, |model| {
            if !is_provider_model(model) {
                Some(errors::unqualified_model(model))
            } else if !known(model) {
                Some(openai::errors::model_not_found(model))
            } else {
                None
            }
        }),
        Route::Key | Route::Balance => openai::errors::invalid_url(call),
    }
}

pub(super) fn presented_token(call: &Call) -> Option<&str> {
    call.header("authorization").and_then(keys::bearer)
}

/// `provider/model`, both parts non-empty, exactly one slash.
fn is_provider_model(name: &str) -> bool {
    matches!(name.split_once('/'), Some((provider, model)) if !provider.is_empty() && !model.is_empty() && !model.contains('/'))
}

fn owner_of(id: &str) -> &str {
    id.split_once('/')
        .map_or("taskly", |(provider, _)| provider)
}

/// Every provider's models, named `provider/model`, with their owner.
fn catalogue(shared: &Shared) -> Vec<(String, &'static str)> {
    let config = &shared.config;
    let named = |provider: &'static str, ids: &[String]| {
        ids.iter()
            .map(move |id| (format!("{provider}/{id}"), provider))
            .collect::<Vec<_>>()
    };
    [
        named("openai", &config.models),
        named("anthropic", &config.anthropic_models),
        named("gemini", &config.gemini_models),
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_model_names() {
        assert!(is_provider_model("openai/gpt-4o-mini"));
        assert!(!is_provider_model("gpt-4o-mini"));
        assert!(!is_provider_model("/gpt-4o"));
        assert!(!is_provider_model("openai/"));
        assert!(!is_provider_model("a/b/c"));
    }
}
