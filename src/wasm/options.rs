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
    for (name, value) in convert::headers(options)? {
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
    // The backoff jitter only needs to differ between clients, not to be secret.
    config.seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
    Ok(config)
}
