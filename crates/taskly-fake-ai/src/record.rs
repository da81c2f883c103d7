//! One request as the fake received it, kept so tests can check what a client really sent.

use serde::{Deserialize, Serialize};

use crate::flavor::Flavor;

/// A request as received, recorded before it was answered (faulted ones included).
///
/// In JSON the body is UTF-8 text (invalid bytes replaced), which is what the control API serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path without the query, e.g. `/openai/v1/chat/completions`.
    pub path: String,
    /// The raw query string without `?`, if any (Gemini's `key=` stays visible here).
    pub query: Option<String>,
    /// Every header (repeated names grouped together), names lower case, values as lossy UTF-8.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    #[serde(with = "lossy_text")]
    pub body: Vec<u8>,
    /// The flavor its path belongs to, if any.
    pub flavor: Option<Flavor>,
    /// For a proxy call whose token the issuer's introspection found active: the `sub` it named,
    /// i.e. the account the answer is billed to. `None` for static proxy tokens, provider calls,
    /// refused tokens, and calls a fault answered before any token check.
    #[serde(default)]
    pub proxy_subject: Option<String>,
}

impl RecordedRequest {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text, invalid UTF-8 replaced.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn body_json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

mod lossy_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(body: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&String::from_utf8_lossy(body))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<u8>, D::Error> {
        String::deserialize(deserializer).map(String::into_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lookup_ignores_case_and_json_keeps_body_as_text() {
        let request = RecordedRequest {
            method: "POST".into(),
            path: "/openai/v1/chat/completions".into(),
            query: None,
            headers: vec![("authorization".into(), "Bearer k".into())],
            body: b"{\"a\":1}".to_vec(),
            flavor: Some(Flavor::OpenAi),
            proxy_subject: None,
        };
        assert_eq!(request.header("Authorization"), Some("Bearer k"));
        assert_eq!(request.header("x-api-key"), None);
        let json = serde_json::to_value(&request).expect("serializes");
        assert_eq!(json["body"], "{\"a\":1}");
        assert_eq!(json["flavor"], "openai");
        assert_eq!(json["proxy_subject"], serde_json::Value::Null);
        let back: RecordedRequest = serde_json::from_value(json.clone()).expect("round-trips");
        assert_eq!(back, request);
        // A record from a fake that predates the member still reads.
        let mut older = json;
        older
            .as_object_mut()
            .expect("an object")
            .remove("proxy_subject");
        let back: RecordedRequest = serde_json::from_value(older).expect("reads without it");
        assert_eq!(back, request);
    }
}
