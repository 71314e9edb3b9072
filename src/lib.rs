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
#[cfg(all(target_family = "wasm", target_os = "unknown", feature = "worker"))]
pub mod worker;
