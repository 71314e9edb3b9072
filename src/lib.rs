#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod client;
pub mod id;
mod id_map;
#[cfg(feature = "native")]
pub mod native;
pub mod protocol;
pub mod receiver;
#[cfg(feature = "redis")]
pub mod redis;
#[cfg(feature = "server")]
pub mod server;
pub mod store;
pub mod task;
pub mod time;

#[cfg(all(target_family = "wasm", target_os = "unknown"))]
pub mod wasm;

/// Whether an engine made with `Engine::with_hosted_tasks` hosts tasks: everywhere but the
/// npm package's default entry (wasm without feature `host`), whose engine never hosts any;
/// false there, it lets the build drop the engine's hosting code, which the package could
/// not prove unreachable otherwise.
pub(crate) const HOSTING: bool =
    cfg!(any(feature = "host", not(all(target_family = "wasm", target_os = "unknown"))));
#[cfg(all(target_family = "wasm", target_os = "unknown", feature = "worker"))]
pub mod worker;
