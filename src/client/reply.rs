//! A success response's `result` as the engine hands it to whoever waited: left on the
//! tape it was scanned onto, so that the readers of hot results (tasks, tool results, task
//! pages) check and take what they need in place, and a tree is built only for the rest.

use std::sync::Arc;

use crate::protocol::WireError;
use crate::protocol::json::tape::{Node, Scanned};
use crate::protocol::json::{Object, Value};
use crate::protocol::legacy::WireShape;

/// The `result` object of a response.
pub(crate) enum ResultBody {
    /// On the tape of the message it came in (the usual case).
    Tape {
        /// The whole message, scanned.
        json: Arc<Scanned>,
        /// The token of `result`.
        at: usize,
    },
    /// Already a tree (a message that came in whole).
    Map(Object),
}

/// A response's `result` object as it came, kept on the tape it was read onto: for an
/// embedder that hands it on whole rather than rebuilding it from the typed fields (the JS
/// bindings build the caller's object straight from it).
#[derive(Clone)]
pub struct RawResult {
    json: Arc<Scanned>,
    at: usize,
}

impl RawResult {
    /// The result on its tape.
    pub fn node(&self) -> Node<'_> {
        self.json.doc().node(self.at)
    }

    /// The result as a tree.
    pub fn to_value(&self) -> Value {
        self.node().to_value()
    }
}

impl std::fmt::Debug for RawResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("RawResult").field(&self.to_value()).finish()
    }
}

impl std::fmt::Debug for ResultBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Tape { json, at } => {
                f.debug_tuple("Tape").field(&json.doc().node(*at).to_value()).finish()
            }
            Self::Map(map) => f.debug_tuple("Map").field(map).finish(),
        }
    }
}

impl ResultBody {
    /// The result on its tape, when it is on one.
    pub(crate) fn node(&self) -> Option<Node<'_>> {
        match self {
            Self::Tape { json, at } => Some(json.doc().node(*at)),
            Self::Map(_) => None,
        }
    }

    /// The result as it came, when it is on a tape.
    pub(crate) fn raw(&self) -> Option<RawResult> {
        match self {
            Self::Tape { json, at } => Some(RawResult { json: json.clone(), at: *at }),
            Self::Map(_) => None,
        }
    }

    /// The result read as the wire shape `T`.
    pub(crate) fn read<T: WireShape>(self) -> Result<T, WireError> {
        match &self {
            Self::Tape { json, at } => T::from_node(json.doc().node(*at)),
            Self::Map(_) => T::from_map(self.into_map()),
        }
    }

    /// The result as a tree.
    pub(crate) fn into_map(self) -> Object {
        match self {
            Self::Tape { json, at } => json.doc().node(at).to_map(),
            Self::Map(map) => map,
        }
    }
}
