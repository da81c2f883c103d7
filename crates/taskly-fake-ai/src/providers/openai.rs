//! The OpenAI flavor under `/openai/v1`: Bearer keys, models, chat completions, and OpenRouter's `/key`.

pub(super) mod errors;
pub(super) mod wire;

use axum::http::Method;
use serde_json::json;

use crate::call::Call;
use crate::flavor::Flavor;
use crate::keys;
use crate::reply::Reply;
use crate::state::Shared;

/// The endpoints of the OpenAI-compatible flavors (not every flavor serves every one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Route<'a> {
    Models,
    Model(&'a str),
    Chat,
    Key,
}

impl<'a> Route<'a> {
    pub(super) fn of(method: &Method, rest: &'a str) -> Option<Self> {
        match (method.as_str(), rest) {
            ("GET", "/models") => Some(Route::Models),
            ("POST", "/chat/completions") => Some(Route::Chat),
            ("GET", "/key") => Some(Route::Key),
            ("GET", _) => rest
                .strip_prefix("/models/")
                .filter(|id| !id.is_empty())
                .map(Route::Model),
            _ => None,
        }
    }
}

pub(super) fn answer(call: &Call, shared: &Shared) -> Reply {
    let Some(route) = call
        .rest(Flavor::OpenAi)
        .and_then(|rest| Route::of(&call.method, rest))
    else {
        return errors::invalid_url(call);
    };
    let key = match presented_key(call) {
        None => return errors::missing_key(),
        Some(key) if !shared.accepts_provider_key(key) => return errors::incorrect_key(key),
        Some(key) => key,
    };
    let models = &shared.config.models;
    let known = |id: &str| models.iter().any(|m| m == id);
    match route {
        Route::Models => Reply::ok(wire::model_list(
            models.iter().map(|id| (id.as_str(), "system")),
        )),
        Route::Model(id) if known(id) => Reply::ok(wire::model_object(id, "system")),
        Route::Model(id) => errors::model_not_found(id),
        Route::Chat => wire::chat(call, shared, |model| {
            (!known(model)).then(|| errors::model_not_found(model))
        }),
        Route::Key => Reply::ok(key_info(key)),
    }
}

pub(super) fn presented_key(call: &Call) -> Option<&str> {
    call.header("authorization").and_then(keys::bearer)
}

/// OpenRouter's `GET /key`: the one cheap call that proves a key works there.
fn key_info(key: &str) -> serde_json::Value {
    json!({"data": {
        "label": keys::mask(key),
        "usage": 0,
        "limit": null,
        "limit_remaining": null,
        "is_free_tier": false,
        "is_provisioning_key": false,
        "rate_limit": {"requests": 20, "interval": "10s"},
    }})
}
