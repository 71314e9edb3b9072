//! Reading fields out of a peer's JSON object: the crate's shared reader, and the serde
//! bridge for types that are read and written by hand.

pub(super) use crate::protocol::json::Fields;
pub(super) use crate::protocol::json::read::put_opt;

use crate::protocol::{Mismatch, WireError};

/// A malformed `what`, described in words.
pub(super) fn malformed(what: &'static str, expected: String, found: String) -> WireError {
    WireError::Malformed { what, source: Mismatch::new(None, expected, found) }
}

/// Implements `Serialize` and `Deserialize` for a wire type through its `to_map` and
/// `from_map`, so the type also works with serde-based bindings.
macro_rules! serde_via_map {
    ($ty:ty) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.to_map().serialize(s)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let map = serde_json::Map::<String, serde_json::Value>::deserialize(d)?;
                Self::from_map(&map).map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(super) use serde_via_map;
