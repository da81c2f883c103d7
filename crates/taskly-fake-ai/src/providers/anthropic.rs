//! The Anthropic flavor under `/anthropic/v1`: `x-api-key` plus `anthropic-version`, models and messages.

pub(super) mod errors;
mod wire;

use crate::call::Call;
use crate::flavor::Flavor;
use crate::reply::Reply;
use crate::state::Shared;

enum Route<'a> {
    Models,
    Model(&'a str),
    Messages,
}

fn route<'a>(call: &'a Call) -> Option<Route<'a>> {
    let rest = call.rest(Flavor::Anthropic)?;
    match (call.method.as_str(), rest) {
        ("GET", "/models") => Some(Route::Models),
        ("POST", "/messages") => Some(Route::Messages),
        ("GET", _) => rest
            .strip_prefix("/models/")
            .filter(|id| !id.is_empty())
            .map(Route::Model),
        _ => None,
    }
}

pub(super) fn answer(call: &Call, shared: &Shared) -> Reply {
    let Some(route) = route(call) else {
        return errors::not_found_path();
    };
    match presented_key(call) {
        Some(key) if shared.accepts_provider_key(key) => {}
        Some(_) => return errors::invalid_key(),
        None => return errors::missing_key(),
    }
    if call
        .header("anthropic-version")
        .is_none_or(|v| v.trim().is_empty())
    {
        return errors::missing_version();
    }
    let models = &shared.config.anthropic_models;
    let known = |id: &str| models.iter().any(|m| m == id);
    match route {
        Route::Models => Reply::ok(wire::model_list(models)),
        Route::Model(id) if known(id) => Reply::ok(wire::model_object(id)),
        Route::Model(id) => errors::model_not_found(id),
        Route::Messages => wire::messages(call, shared, |model| {
            (!known(model)).then(|| errors::model_not_found(model))
        }),
    }
}

pub(super) fn presented_key(call: &Call) -> Option<&str> {
    call.header("x-api-key")
        .map(str::trim)
        .filter(|k| !k.is_empty())
}
