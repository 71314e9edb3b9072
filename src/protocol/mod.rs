//! Wire types: the JSON-RPC envelope and the task shapes of both generations.
//!
//! Parsing is lenient where the spec and real peers are (unknown fields, any timestamp
//! precision, `_meta` anywhere); emitting is exact.

mod error;
pub mod extension;
pub mod http;
pub mod json;
pub mod jsonrpc;
pub mod legacy;
pub mod meta;
mod reply;
pub mod sse;

pub use error::{Mismatch, WireError};
