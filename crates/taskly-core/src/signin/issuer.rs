//! Taskly's sign-in service as an OpenID Provider: its address checked like a provider's, its
//! metadata from discovery, and the OAuth client made from it.
//!
//! Every request to the issuer goes through the core's own HTTP client (redirects off, no
//! system proxy for loopback) with a bounded body: `openidconnect` is used without its HTTP
//! feature, which pins another reqwest.

use std::time::Duration;

use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClient, CoreClientAuthMethod, CoreGrantType,
    CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm,
    CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::{
    AdditionalProviderMetadata, ClientId, DeviceAuthorizationUrl, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, HttpRequest, HttpResponse, IssuerUrl, ProviderMetadata,
};
use serde::{Deserialize, Serialize};

use crate::config::AuthSettings;
use crate::providers::base_url::BaseUrl;
use crate::{Error, Result};

/// The most an issuer's answer may be (metadata, keys, tokens are a few KiB).
const MAX_BODY: usize = 256 * 1024;

/// Discovery fields `openidconnect`'s core metadata does not name.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub(crate) struct ExtraMetadata {
    /// RFC 8628.
    pub device_authorization_endpoint: Option<DeviceAuthorizationUrl>,
    /// RFC 7009.
    pub revocation_endpoint: Option<String>,
    /// RFC 9207: the issuer sends `iss` with the authorization response.
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
}

impl AdditionalProviderMetadata for ExtraMetadata {}

type Metadata = ProviderMetadata<
    ExtraMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// The OAuth client for the issuer, as discovery sets it up.
pub(crate) type OidcClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// A discovered issuer.
#[derive(Debug, Clone)]
pub(crate) struct Issuer {
    /// The issuer URL exactly as configured and as the metadata states it.
    pub url: String,
    /// Its address, checked (https, or http to this machine).
    pub base: BaseUrl,
    /// The client id.
    pub client_id: String,
    /// The OAuth client.
    pub client: OidcClient,
    /// Extra endpoints.
    pub extra: ExtraMetadata,
    /// The HTTP client for it.
    pub http: reqwest::Client,
    /// How long a whole request may take.
    pub timeout: Duration,
}

/// Checks the configured issuer URL like a provider's base URL: `https://`, or `http://` only
/// to this machine.
pub(crate) fn checked_url(settings: &AuthSettings) -> Result<BaseUrl> {
    BaseUrl::parse(&settings.issuer).map_err(|_| Error::InvalidConfig {
        name: "TASKLY_AUTH_URL",
        reason: "it must be an https:// URL (or http:// to this machine)".into(),
    })
}

impl Issuer {
    /// Finds the issuer's endpoints and keys (OpenID Connect discovery). The metadata's
    /// `issuer` must be the configured URL, or nothing is trusted.
    pub(crate) async fn discover(
        settings: &AuthSettings,
        clients: &crate::http::HttpClients,
        timeout: Duration,
    ) -> Result<Self> {
        let base = checked_url(settings)?;
        let url = settings.issuer.trim_end_matches('/').to_owned();
        let issuer_url = IssuerUrl::new(url.clone()).map_err(|_| Error::InvalidConfig {
            name: "TASKLY_AUTH_URL",
            reason: "it is not a URL".into(),
        })?;
        let http = clients.client(base.is_loopback()).clone();
        let adapter = adapter(&http, timeout);
        let metadata = Metadata::discover_async(issuer_url, &adapter)
            .await
            .map_err(|e| discovery_error(&url, &e))?;
        let extra = metadata.additional_metadata().clone();
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(settings.client_id.clone()),
            None,
        );
        Ok(Self {
            url,
            base,
            client_id: settings.client_id.clone(),
            client,
            extra,
            http,
            timeout,
        })
    }

    /// The function `openidconnect` sends its requests with.
    pub(crate) fn http(
        &self,
    ) -> impl Fn(HttpRequest) -> futures::future::BoxFuture<'static, Result<HttpResponse, HttpFailure>>
    {
        adapter(&self.http, self.timeout)
    }

    /// An endpoint the metadata names, checked to be on a trusted address (https, or loopback
    /// http) before a token is sent there.
    pub(crate) fn endpoint(&self, url: &str, what: &'static str) -> Result<reqwest::Url> {
        BaseUrl::parse(url).map_err(|_| Error::AuthUnreachable {
            issuer: self.url.clone(),
            detail: format!("its {what} address is not https"),
        })?;
        reqwest::Url::parse(url).map_err(|_| Error::AuthUnreachable {
            issuer: self.url.clone(),
            detail: format!("its {what} address is not a URL"),
        })
    }
}

/// Why a request to the issuer failed, for `openidconnect`'s error types.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct HttpFailure(pub String);

fn adapter(
    http: &reqwest::Client,
    timeout: Duration,
) -> impl Fn(HttpRequest) -> futures::future::BoxFuture<'static, Result<HttpResponse, HttpFailure>> + use<>
{
    let http = http.clone();
    move |request: HttpRequest| {
        let http = http.clone();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let url = reqwest::Url::parse(&parts.uri.to_string())
                .map_err(|_| HttpFailure("a request address is not a URL".into()))?;
            let response = http
                .request(parts.method, url)
                .headers(parts.headers)
                .body(body)
                .timeout(timeout)
                .send()
                .await
                .map_err(|e| HttpFailure(crate::http::innermost(&e)))?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = crate::http::read_limited(response, MAX_BODY)
                .await
                .map_err(|e| HttpFailure(crate::http::innermost(&e)))?;
            let mut built = http::Response::builder().status(status);
            if let Some(h) = built.headers_mut() {
                *h = headers;
            }
            built
                .body(body)
                .map_err(|_| HttpFailure("an unreadable answer".into()))
        })
    }
}

fn discovery_error<E: std::error::Error + 'static>(
    issuer: &str,
    err: &openidconnect::DiscoveryError<E>,
) -> Error {
    use openidconnect::DiscoveryError as D;
    let detail = match err {
        D::Request(e) => e.to_string(),
        D::Response(status, _, _) => format!("it answered {status}"),
        D::Validation(reason) => format!("its discovery document is not valid ({reason})"),
        D::Parse(_) => "its discovery document is not readable".to_owned(),
        other => crate::http::innermost(other),
    };
    Error::AuthUnreachable {
        issuer: issuer.to_owned(),
        detail,
    }
}
