//! `ConnectOptions` as an engine [`Config`].

use wasm_bindgen::JsValue;

use crate::client::{Config, InputSupport, Protocol};
use crate::protocol::legacy::{Implementation, WireShape};

use super::convert;
use super::error::Failure;

/// The engine's configuration for `url` from a caller's connect options; a resumed task
/// fixes the generation.
pub(crate) fn config(
    url: String,
    options: &JsValue,
    generation: Option<crate::task::Generation>,
) -> Result<Config, Failure> {
    let mut config = Config::new(url);
    config.protocol = match (generation, convert::string(options, "protocol")?.as_deref()) {
        (Some(crate::task::Generation::Legacy), _) | (None, Some("2025-11-25")) => Protocol::Legacy,
        (Some(crate::task::Generation::Extension), _) | (None, Some("2026-07-28")) => {
            Protocol::Extension
        }
        (None, None | Some("auto")) => Protocol::Auto,
        (None, Some(other)) => {
            return Err(Failure::InvalidArgument(format!(
                "protocol must be \"auto\", \"2025-11-25\" or \"2026-07-28\", not {other:?}"
            )));
        }
    };
    if let Some(info) = convert::field(options, "clientInfo") {
        let info = Implementation::from_value(convert::from_js(info, "clientInfo")?)
            .map_err(|e| Failure::InvalidArgument(format!("clientInfo: {e}")))?;
        config.client_info = info;
    }
    for (name, value) in convert::string_entries(options, "headers")? {
        config.headers.push(name, value);
    }
    if convert::field(options, "onInputRequest").is_some() {
        config.inputs = InputSupport { elicitation: true, sampling: true, roots: false };
    }
    if let Some(ms) = convert::millis(options, "requestTimeoutMs")? {
        config.request_timeout_ms = ms;
    }
    if let Some(n) = convert::millis(options, "maxInFlight")? {
        config.max_in_flight = usize::try_from(n).unwrap_or(usize::MAX);
    }
    if let Some(ms) = convert::millis(options, "callTimeoutMs")? {
        config.call_timeout_ms = ms;
    }
    let poll = &mut config.poll;
    for (key, field) in [
        ("pollDefaultMs", &mut poll.default_ms),
        ("pollFloorMs", &mut poll.floor_ms),
        ("pollCapMs", &mut poll.cap_ms),
        ("backoffInitialMs", &mut config.backoff.initial_ms),
        ("backoffMaxMs", &mut config.backoff.max_ms),
    ] {
        if let Some(ms) = convert::millis(options, key)? {
            *field = ms;
        }
    }
    if poll.floor_ms > poll.cap_ms || config.backoff.initial_ms > config.backoff.max_ms {
        return Err(Failure::InvalidArgument(
            "pollFloorMs may not exceed pollCapMs, nor backoffInitialMs backoffMaxMs".into(),
        ));
    }
    if let Some(n) = convert::millis(options, "maxAttempts")? {
        config.backoff.max_attempts = u32::try_from(n).unwrap_or(u32::MAX);
    }
    for (key, field) in [
        ("maxBodyBytes", &mut config.max_body_bytes),
        ("maxEventBytes", &mut config.max_event_bytes),
    ] {
        if let Some(n) = convert::millis(options, key)? {
            *field = usize::try_from(n).unwrap_or(usize::MAX);
        }
    }
    // One switch for both notification streams: the 2025-11-25 GET stream and the
    // extension's `subscriptions/listen`.
    if let Some(listen) = convert::flag(options, "listen")? {
        config.standalone_stream = listen;
        config.listen = listen;
    }
    if let Some(memory) = convert::field(options, "endpointMemory") {
        for (endpoint, generation) in convert::string_entries(&memory, "endpoints")? {
            let generation = crate::task::Generation::from_protocol_version(&generation)
                .ok_or_else(|| {
                    Failure::InvalidArgument("endpointMemory: an unknown generation".into())
                })?;
            config.memory.remember(endpoint, generation);
        }
    }
    // The backoff jitter only needs to differ between clients, not to be secret.
    config.seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
    Ok(config)
}
