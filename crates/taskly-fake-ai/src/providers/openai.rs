//! The OpenAI flavor under `/openai/v1`: Bearer keys, models, chat completions, OpenRouter's
//! `/key`, and DeepSeek's `/user/balance` (at `/openai/user/balance`: DeepSeek serves it beside
//! its API, not below `/v1`).

pub(super) mod errors;
pub(super) mod wire;

use axum::http::Method;

use crate::call::Call;
use crate::figures;
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
    Balance,
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

/// DeepSeek's balance, beside the flavor's `/v1` as `https://api.deepseek.com/user/balance` is
/// beside `https://api.deepseek.com/v1`.
const BALANCE_PATH: &str = "/openai/user/balance";

pub(super) fn answer(call: &Call, shared: &Shared) -> Reply {
    let balance = call.method == Method::GET && call.path.trim_end_matches('/') == BALANCE_PATH;
    let Some(route) = call
        .rest(Flavor::OpenAi)
        .and_then(|rest| Route::of(&call.method, rest))
        .or(balance.then_some(Route::Balance))
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
        Route::Key => Reply::ok(figures::openrouter_key(
            &shared.config.openrouter_key,
            &keys::mask(key),
        )),
        Route::Balance => Reply::ok(figures::deepseek_balance(&shared.config.deepseek_balance)),
    }
}

pub(super) fn presented_key(call: &Call) -> Option<&str> {
    call.header("authorization").and_then(keys::bearer)
}
