//! The Gemini flavor under `/gemini/v1beta`: `x-goog-api-key` (or `?key=`), models, generate and stream.

pub(super) mod errors;
mod wire;

use crate::call::Call;
use crate::flavor::Flavor;
use crate::keys;
use crate::reply::Reply;
use crate::state::Shared;

enum Route {
    Models,
    Model(String),
    Generate(String),
    Stream(String),
    CountTokens(String),
}

fn route(call: &Call) -> Option<Route> {
    let rest = call.rest(Flavor::Gemini)?;
    if (call.method.as_str(), rest) == ("GET", "/models") {
        return Some(Route::Models);
    }
    // Some clients escape the `:` of `model:method`.
    let target = keys::percent_decode(rest.strip_prefix("/models/")?);
    match (call.method.as_str(), target.split_once(':')) {
        ("GET", None) if !target.is_empty() => Some(Route::Model(target)),
        ("POST", Some((model, method))) if !model.is_empty() => {
            let model = model.to_owned();
            match method {
                "generateContent" => Some(Route::Generate(model)),
                "streamGenerateContent" => Some(Route::Stream(model)),
                "countTokens" => Some(Route::CountTokens(model)),
                _ => None,
            }
        }
        _ => None,
    }
}

pub(super) fn answer(call: &Call, shared: &Shared) -> Reply {
    let Some(route) = route(call) else {
        return errors::method_not_found();
    };
    match presented_key(call) {
        Some(key) if shared.accepts_provider_key(&key) => {}
        Some(_) => return errors::invalid_key(),
        None => return errors::unregistered_caller(),
    }
    let models = &shared.config.gemini_models;
    let check = |model: &str, method: &str| {
        (!models.iter().any(|m| m == model)).then(|| errors::model_not_found(model, method))
    };
    match route {
        Route::Models => Reply::ok(wire::model_list(models)),
        Route::Model(model) => match check(&model, "generateContent") {
            Some(refusal) => refusal,
            None => Reply::ok(wire::model_object(&model)),
        },
        Route::Generate(model) => check(&model, "generateContent")
            .unwrap_or_else(|| wire::generate(call, shared, &model, wire::Mode::Whole)),
        Route::Stream(model) => check(&model, "streamGenerateContent").unwrap_or_else(|| {
            let sse = call.query_param("alt").as_deref() == Some("sse");
            let mode = if sse {
                wire::Mode::Sse
            } else {
                wire::Mode::JsonArray
            };
            wire::generate(call, shared, &model, mode)
        }),
        Route::CountTokens(model) => {
            check(&model, "countTokens").unwrap_or_else(|| wire::count_tokens(call))
        }
    }
}

/// The header wins; Google also takes `?key=`, which the request log keeps visible.
pub(super) fn presented_key(call: &Call) -> Option<String> {
    call.header("x-goog-api-key")
        .map(str::to_owned)
        .or_else(|| call.query_param("key"))
        .map(|k| k.trim().to_owned())
        .filter(|k| !k.is_empty())
}
