//! Which models a request to a provider can use: the enabled key's (remembered from its last
//! validation) or, through Taskly, the proxy's list for that provider.

use serde::Serialize;

use crate::chat::upstream;
use crate::providers::ModelList;
use crate::providers::classify;
use crate::routing::{RouteInfo, RouteKind, Router};
use crate::{Error, ProviderId, Result, Vault};

/// The most bytes read of a models list.
const MAX_BODY: usize = 8 * 1024 * 1024;

/// The models on offer, and through which route.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ModelsOffer {
    /// Personal key or Taskly.
    pub route: RouteInfo,
    /// Model ids, sorted (through Taskly, without the `provider/` prefix).
    pub models: Vec<String>,
}

/// Lists the models for `provider` on the route a request would take now.
pub async fn offered(vault: &Vault, router: &Router, provider: ProviderId) -> Result<ModelsOffer> {
    let decision = router.decide(provider).await?;
    if decision.info.kind == RouteKind::Personal {
        let id = decision.info.key_id.clone().unwrap_or_default();
        let key = vault.get(&id).await?;
        return Ok(ModelsOffer {
            route: decision.info.clone(),
            models: key.models,
        });
    }
    let endpoint = &decision.endpoint;
    let mut request = reqwest::Request::new(
        reqwest::Method::GET,
        reqwest::Url::parse(&endpoint.base.join("/models"))
            .map_err(|e| Error::Internal(format!("bad URL: {e}")))?,
    );
    *request.headers_mut() = endpoint.headers.clone();
    let response = upstream::send(endpoint, request, "").await?;
    // One byte past the limit tells a list that is too large from one that just fits.
    let body = crate::http::read_limited(response, MAX_BODY + 1)
        .await
        .map_err(|e| Error::BadResponse {
            upstream: endpoint.upstream,
            detail: e.to_string(),
        })?;
    if body.len() > MAX_BODY {
        return Err(Error::BadResponse {
            upstream: endpoint.upstream,
            detail: "the models list is too large".into(),
        });
    }
    let prefix = format!("{}/", provider.as_str());
    let models = classify::models_list(ModelList::DataIds, &body, |id| id.strip_prefix(&prefix))
        .ok_or_else(|| Error::BadResponse {
            upstream: endpoint.upstream,
            detail: "the models list is not JSON".into(),
        })?;
    Ok(ModelsOffer {
        route: decision.info.clone(),
        models,
    })
}
