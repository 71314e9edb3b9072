//! Errors as JS sees them: real `Error` objects with a `name`, a stable `code`, the `fault`
//! and structured `data`, built from the Rust error's `code()`.

use serde_json::Value;

use crate::protocol::json::jv;
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;

use crate::client::{ClientError, ExpiryReason, Fault};
use crate::protocol::jsonrpc::ErrorObject;

use super::convert;

/// Why a promise of the JS API rejects.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The engine's own error.
    Client(ClientError),
    /// The tool call was answered with a JSON-RPC error (a failed task's stored error, or
    /// the answer to a plain call).
    Rpc(ErrorObject),
    /// The task was cancelled.
    Cancelled { status_message: Option<String> },
    /// The engine stopped following the task.
    Expired(ExpiryReason),
    /// The caller's `AbortSignal` fired.
    Aborted,
    /// An argument from JS had the wrong shape.
    InvalidArgument(String),
}

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Self {
        Self::Client(e)
    }
}

impl Failure {
    /// The stable code JS sees as `error.code`.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            Self::Client(e) => e.code(),
            Self::Rpc(_) => "call_rpc_error",
            Self::Cancelled { .. } => "call_cancelled",
            Self::Expired(_) => "call_expired",
            Self::Aborted => "aborted",
            Self::InvalidArgument(_) => "invalid_argument",
        }
    }

    fn fault(&self) -> &'static str {
        let fault = match self {
            Self::Client(e) => e.fault(),
            Self::Rpc(_) => Fault::Peer,
            Self::Expired(ExpiryReason::Ttl) => Fault::Peer,
            Self::Cancelled { .. }
            | Self::Expired(_)
            | Self::Aborted
            | Self::InvalidArgument(_) => Fault::Caller,
        };
        match fault {
            Fault::Peer => "peer",
            Fault::Caller => "caller",
            Fault::Transport => "transport",
        }
    }

    fn message(&self) -> String {
        match self {
            Self::Client(e) => e.to_string(),
            Self::Rpc(e) => format!("the tool call failed: {} ({})", e.message, e.code),
            Self::Cancelled { status_message: Some(m) } => format!("the task was cancelled: {m}"),
            Self::Cancelled { status_message: None } => "the task was cancelled".into(),
            Self::Expired(ExpiryReason::Deadline) => "the call's deadline passed".into(),
            Self::Expired(_) => "the task's time to live ran out".into(),
            Self::Aborted => "the operation was aborted".into(),
            Self::InvalidArgument(what) => format!("invalid argument: {what}"),
        }
    }

    /// What the error is about, as plain JSON (`error.data`).
    fn data(&self) -> Value {
        match self {
            Self::Client(e) => client_data(e),
            Self::Rpc(e) => jv!({"code": e.code.0, "message": e.message, "data": e.data}),
            Self::Cancelled { status_message } => jv!({"statusMessage": status_message}),
            Self::Expired(reason) => jv!({"reason": match reason {
                ExpiryReason::Deadline => "deadline",
                _ => "ttl",
            }}),
            Self::Aborted => jv!({}),
            Self::InvalidArgument(what) => jv!({"reason": what}),
        }
    }

    /// A JS `Error` with `name` (`AbortError` for aborts, else `McpTasksError`), `code`,
    /// `fault` and `data`, of the class that `McpTasksError` answers `instanceof` for.
    pub(crate) fn to_js(&self) -> JsValue {
        let name = if matches!(self, Self::Aborted) { "AbortError" } else { "McpTasksError" };
        let data = convert::to_js(&convert::compact(self.data()));
        tasks_error(&self.message(), name, self.code(), self.fault(), &data)
    }
}

#[wasm_bindgen(module = "/src/wasm/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = tasksError)]
    fn tasks_error(message: &str, name: &str, code: &str, fault: &str, data: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = isTasksError)]
    fn is_tasks_error(value: &JsValue) -> bool;
}

/// An `AbortError` (code `aborted`) of this package with its own message: what the signal
/// of a withdrawn hosted question aborts with.
#[cfg(feature = "host")]
pub(crate) fn abort_error(message: &str, fault: &str, data: &JsValue) -> JsValue {
    tasks_error(message, "AbortError", "aborted", fault, data)
}

/// The class of the errors every promise of this package rejects with: `error instanceof
/// McpTasksError` holds for each of them (an `AbortError` too). Not constructed by callers.
#[wasm_bindgen(skip_typescript)]
pub struct McpTasksError;

#[wasm_bindgen]
impl McpTasksError {
    /// `instanceof McpTasksError`.
    #[wasm_bindgen(js_name = "[Symbol.hasInstance]")]
    pub fn has_instance(value: &JsValue) -> bool {
        is_tasks_error(value)
    }
}

/// The fields of each engine error, named as in JS. Listing every variant here (no `_` arm)
/// makes a new variant a compile error until it is mapped.
fn client_data(e: &ClientError) -> Value {
    use ClientError::*;
    match e {
        MalformedMessage { request, source } => {
            jv!({"request": request.as_str(), "detail": source.to_string()})
        }
        MalformedResult { request, source } => {
            jv!({"request": request.as_str(), "detail": source.to_string()})
        }
        UnexpectedStatus { request, status }
        | ServerUnavailable { request, status }
        | Unauthorized { request, status } => {
            jv!({"request": request.as_str(), "status": status})
        }
        UnexpectedContentType { request, content_type } => {
            jv!({"request": request.as_str(), "contentType": content_type})
        }
        OversizeBody { request, limit } => jv!({"request": request.as_str(), "limit": limit}),
        OversizeEvent { request, source } => {
            jv!({"request": request.as_str(), "detail": source.to_string()})
        }
        MissingResponse { request } | RateLimited { request } | Timeout { request } => {
            jv!({"request": request.as_str()})
        }
        UnknownResponse { id } => jv!({"id": id.to_string()}),
        UnexpectedRequest { method } => jv!({"method": method}),
        TerminalRegression { task_id, kept, reported } => {
            jv!({"taskId": task_id.as_str(), "kept": kept.as_str(), "reported": reported.as_str()})
        }
        WrongTask { expected, got } => jv!({"expected": expected.as_str(), "got": got.as_str()}),
        UnsupportedProtocol { offered } => jv!({"offered": offered}),
        Rpc { request, error } => jv!({
            "request": request.as_str(),
            "rpcError": super::convert::compact(
                jv!({"code": error.code.0, "message": error.message, "data": error.data})
            ),
        }),
        TaskLost { task_id } => jv!({"taskId": task_id.as_str()}),
        UnknownCall { call } | CallFinished { call } | NotATask { call } => {
            jv!({"call": call.to_string()})
        }
        UnknownInput { input } | InputAnswered { input } => jv!({"input": input.to_string()}),
        TaskNotAllowed { tool } => jv!({"tool": tool}),
        NotSupported { feature } => jv!({"feature": feature.to_string()}),
        Closed => jv!({}),
        BadReference { reason } => jv!({"reason": reason.to_string()}),
        Transport { request, failure } => jv!({
            "request": request.as_str(),
            "failure": failure.code(),
            "detail": failure.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use js_sys::Reflect;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;
    use crate::client::RequestKind;
    use crate::protocol::http::TransportFailure;
    use crate::protocol::jsonrpc::ErrorCode;

    /// One value of every engine error variant (the engine's own list, which fails to
    /// compile when a variant is missing).
    fn every_client_error() -> Vec<ClientError> {
        crate::client::every_error_variant()
    }

    fn get(target: &JsValue, key: &str) -> JsValue {
        Reflect::get(target, &JsValue::from_str(key)).unwrap()
    }

    #[wasm_bindgen_test]
    fn every_failure_is_a_js_error_with_name_code_fault_and_data() {
        let mut failures: Vec<Failure> =
            every_client_error().into_iter().map(Failure::from).collect();
        let rpc = ErrorObject::new(ErrorCode::INVALID_PARAMS, "bad").with_data(jv!({"x": 1}));
        failures.extend([
            Failure::Rpc(rpc),
            Failure::Cancelled { status_message: Some("stop".into()) },
            Failure::Expired(ExpiryReason::Deadline),
            Failure::Expired(ExpiryReason::Ttl),
            Failure::Aborted,
            Failure::InvalidArgument("name must be a string".into()),
        ]);
        let mut codes = Vec::new();
        for failure in &failures {
            let js = failure.to_js();
            let error = js.dyn_ref::<js_sys::Error>().expect("an Error instance");
            assert!(McpTasksError::has_instance(&js), "instanceof McpTasksError");
            let name = String::from(error.name());
            let expected_name =
                if failure.code() == "aborted" { "AbortError" } else { "McpTasksError" };
            assert_eq!(name, expected_name);
            assert!(!String::from(error.message()).is_empty());
            assert_eq!(get(&js, "code").as_string().as_deref(), Some(failure.code()));
            let fault = get(&js, "fault").as_string().unwrap();
            assert!(["peer", "caller", "transport"].contains(&fault.as_str()), "{fault}");
            let data = get(&js, "data");
            assert!(data.is_object() && !js_sys::Array::is_array(&data), "{:?}", failure);
            // Plain objects, never ES Maps.
            assert!(!data.is_instance_of::<js_sys::Map>());
            // The TypeScript union of codes lists it.
            let quoted = format!("\"{}\"", failure.code());
            assert!(
                include_str!("types.d.ts").contains(&quoted),
                "ErrorCode in types.d.ts lacks {quoted}"
            );
            codes.push(failure.code());
        }
        // Every client error code arrives unchanged, and distinct variants stay distinct.
        let client_codes: Vec<_> = every_client_error().iter().map(ClientError::code).collect();
        assert!(client_codes.iter().all(|c| codes.contains(c)));
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), failures.len() - 1, "only the two expiry reasons share a code");
        assert!(!McpTasksError::has_instance(&js_sys::Error::new("other").into()));
    }

    #[wasm_bindgen_test]
    fn rpc_errors_carry_the_peer_error_in_data() {
        let rpc = ErrorObject::new(ErrorCode::INVALID_PARAMS, "bad").with_data(jv!({"x": 1}));
        let js = Failure::Rpc(rpc).to_js();
        let data = get(&js, "data");
        assert_eq!(get(&data, "code").as_f64(), Some(-32602.0));
        assert_eq!(get(&get(&data, "data"), "x").as_f64(), Some(1.0));
        let transport = ClientError::Transport {
            request: RequestKind::CallTool,
            failure: TransportFailure::Refused("cors".into()),
        };
        let data = get(&Failure::from(transport).to_js(), "data");
        assert_eq!(get(&data, "failure").as_string().as_deref(), Some("transport.refused"));
        assert_eq!(get(&data, "request").as_string().as_deref(), Some("tools/call"));
    }
}
