//! HTTP exchanges as plain values, shared by the requestor engine and every driver.
//!
//! The engine builds whole requests (URL, method, every MCP header, body) and consumes
//! responses as a head, body chunks and an end. A driver only moves these bytes; it never
//! looks inside them. Every response is delivered the same way, JSON or SSE, so a driver
//! needs one code path and the engine decides how to read the body from `Content-Type`.

use std::fmt;

/// Which exchange a request or response belongs to; unique per engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExchangeId(pub u64);

impl fmt::Display for ExchangeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// The HTTP methods Streamable HTTP uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// Opens the standalone SSE stream, or resumes one with `Last-Event-ID`.
    Get,
    /// Sends a JSON-RPC message.
    Post,
    /// Ends a session.
    Delete,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// Header fields in order, names as given; lookups ignore ASCII case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// Appends a field (a repeated name is kept, as HTTP allows).
    pub fn push(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.push((name.into(), value.into()));
    }

    /// Replaces every field of this name with one field.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.0.push((name.to_owned(), value.into()));
    }

    /// The first value of a field, by case-insensitive name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Every field, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// How many fields there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<N: Into<String>, V: Into<String>> FromIterator<(N, V)> for Headers {
    fn from_iter<T: IntoIterator<Item = (N, V)>>(iter: T) -> Self {
        Self(iter.into_iter().map(|(n, v)| (n.into(), v.into())).collect())
    }
}

/// A complete request for a driver to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// Names the exchange in the response inputs.
    pub id: ExchangeId,
    /// The method.
    pub method: Method,
    /// The absolute URL.
    pub url: String,
    /// Every header to send, `Content-Type` and `Accept` included.
    pub headers: Headers,
    /// The body, when there is one (always UTF-8 JSON here).
    pub body: Option<String>,
    /// Whether the server may keep this exchange open for long (a stream, a held
    /// `tasks/result`, a plain tool call), so that a driver must be able to abort it alone.
    /// The others are answered at once: a driver where an abort handle per request is dear
    /// (Node's `AbortController`) may abort them only with the whole client, and drop a
    /// response the engine no longer wants when it arrives.
    pub long_lived: bool,
}

/// The status line and headers of a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    /// The HTTP status code.
    pub status: u16,
    /// The response headers.
    pub headers: Headers,
}

impl ResponseHead {
    /// Whether the body is an event stream (`text/event-stream`, parameters ignored).
    pub fn is_event_stream(&self) -> bool {
        self.media_type().is_some_and(|t| t.eq_ignore_ascii_case("text/event-stream"))
    }

    /// Whether the body is JSON (`application/json`, parameters ignored).
    pub fn is_json(&self) -> bool {
        self.media_type().is_some_and(|t| t.eq_ignore_ascii_case("application/json"))
    }

    fn media_type(&self) -> Option<&str> {
        self.headers.get("content-type").map(|v| v.split(';').next().unwrap_or("").trim())
    }
}

/// Why a driver could not complete an exchange. The engine treats all of these as
/// transient (it backs off and retries where that is safe).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportFailure {
    /// No connection could be made, or it broke before a response head arrived.
    #[error("could not reach the server: {0}")]
    Connect(String),
    /// The body broke off before its end.
    #[error("the response body broke off: {0}")]
    BodyInterrupted(String),
    /// The environment refused the request (for example a browser's CORS check).
    #[error("the environment refused the request: {0}")]
    Refused(String),
}

impl TransportFailure {
    /// A stable code for this failure.
    pub fn code(&self) -> &'static str {
        match self {
            TransportFailure::Connect(_) => "transport.connect",
            TransportFailure::BodyInterrupted(_) => "transport.body_interrupted",
            TransportFailure::Refused(_) => "transport.refused",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lookup_ignores_case_and_set_replaces_every_copy() {
        let mut h: Headers =
            [("Content-Type", "text/event-stream; charset=utf-8")].into_iter().collect();
        h.push("mcp-session-id", "a");
        h.push("MCP-Session-Id", "b");
        assert_eq!(h.get("MCP-SESSION-ID"), Some("a"));
        h.set("Mcp-Session-Id", "c");
        assert_eq!(h.get("mcp-session-id"), Some("c"));
        assert_eq!(h.len(), 2);
        let head = ResponseHead { status: 200, headers: h };
        assert!(head.is_event_stream());
        assert!(!head.is_json());
    }

    #[test]
    fn json_is_recognised_with_parameters_and_missing_type_is_neither() {
        let json = ResponseHead {
            status: 200,
            headers: [("content-type", "Application/JSON ; charset=utf-8")].into_iter().collect(),
        };
        assert!(json.is_json());
        let none = ResponseHead { status: 202, headers: Headers::new() };
        assert!(!none.is_json() && !none.is_event_stream());
    }

    #[test]
    fn failure_codes_are_distinct() {
        let all = [
            TransportFailure::Connect(String::new()),
            TransportFailure::BodyInterrupted(String::new()),
            TransportFailure::Refused(String::new()),
        ];
        let mut codes: Vec<_> = all.iter().map(TransportFailure::code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
    }
}
