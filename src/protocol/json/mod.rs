//! JSON without serde: a parser from bytes to [`Value`], a writer back to text, and typed
//! reads of fields out of a peer's object.
//!
//! The client's path (and so the npm package) goes through these instead of serde's
//! generic machinery, which was compiled anew for every type and made up half the package.
//! The value type stays `serde_json::Value`, so embedders and the receiver see no change.

mod build;
mod parse;
pub(crate) mod read;
pub mod tape;
mod write;

pub use build::{ToJson, items};
#[allow(unused_imports)] // `jv_items` is used only by arrays with items
pub(crate) use build::{jv, jv_fields, jv_items, jv_value};
pub use parse::{JsonError, JsonProblem, MAX_DEPTH, parse, parse_object};
pub use read::{Field, Fields, FromJson, kind_of, kind_of_node};
pub use write::{
    object_to_ascii_string, to_ascii_string, to_string, write_object, write_str, write_str_ascii,
    write_u64, write_value,
};

pub use serde_json::{Map, Number, Value};

/// A JSON object as it travels: params, results, `_meta`.
pub type Object = Map<String, Value>;

/// Builds an object by inserting pair by pair. `collect()` into a map would sort the pairs
/// first, with a sort compiled anew for every pair type (some 20 KB of the package).
pub fn object_from(pairs: impl IntoIterator<Item = (String, Value)>) -> Object {
    let mut map = Object::new();
    for (k, v) in pairs {
        map.insert(k, v);
    }
    map
}
