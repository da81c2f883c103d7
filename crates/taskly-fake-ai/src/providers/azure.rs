//! The Azure OpenAI v1 flavor under `/azure/openai/v1`: OpenAI's bodies, Azure's `api-key` header and errors.

pub(super) mod errors;

use crate::call::Call;
use crate::flavor::Flavor;
use crate::reply::Reply;
use crate::state::Shared;

use super::openai::{Route, wire};

pub(super) fn answer(call: &Call, shared: &Shared) -> Reply {
    let route = call
        .rest(Flavor::Azure)
        .and_then(|rest| Route::of(&call.method, rest))
        .filter(|route| *route != Route::Key);
    let Some(route) = route else {
        return errors::resource_not_found();
    };
    match presented_key(call) {
        Some(key) if shared.accepts_provider_key(key) => {}
        Some(_) => return errors::invalid_key(),
        // Azure takes Entra ID tokens as Bearer, never API keys, so a key sent that way is refused as a bad token.
        None if call.header("authorization").is_some() => return errors::bad_bearer_token(),
        None => return errors::missing_key(),
    }
    let deployments = &shared.config.models;
    let known = |id: &str| deployments.iter().any(|m| m == id);
    match route {
        Route::Models => Reply::ok(wire::model_list(
            deployments.iter().map(|id| (id.as_str(), "system")),
        )),
        Route::Model(id) if known(id) => Reply::ok(wire::model_object(id, "system")),
        Route::Model(_) => errors::resource_not_found(),
        Route::Chat => wire::chat(call, shared, |model| {
            (!known(model)).then(errors::deployment_not_found)
        }),
        Route::Key | Route::Balance => errors::resource_not_found(),
    }
}

pub(super) fn presented_key(call: &Call) -> Option<&str> {
    call.header("api-key")
        .map(str::trim)
        .filter(|k| !k.is_empty())
}
