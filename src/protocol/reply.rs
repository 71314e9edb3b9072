//! A message read off a tape (see [`Reply`]).

use super::json::FromJson;
use super::json::tape::{Kind, Node};
use super::jsonrpc::{EnvelopeError, Message, RequestId};

/// A message read off a tape, with a success response's `result` left on the tape: the
/// path responses take, so that their results are read in place (or handed to JS whole)
/// instead of built as a tree first.
pub enum Reply<'a> {
    /// A success response.
    Result {
        /// The id of the request it answers.
        id: RequestId,
        /// The `result` object.
        result: Node<'a>,
    },
    /// Any other message, built whole.
    Other(Message),
}

impl<'a> Reply<'a> {
    /// Classifies the message at `root`, checking it exactly as [`Message::from_value`]
    /// does.
    pub fn read(root: Node<'a>) -> Result<Self, EnvelopeError> {
        let plain_result = root.kind() == Kind::Object
            && root.get("method").is_none()
            && root.get("error").is_none()
            && root.get("jsonrpc").is_some_and(|v| v.is_str("2.0"));
        if let (true, Some(id), Some(result)) = (plain_result, root.get("id"), root.get("result")) {
            if let (Some(id), Kind::Object) = (RequestId::from_node(&id), result.kind()) {
                return Ok(Self::Result { id, result });
            }
        }
        // Anything else (including every malformed response) takes the one general path,
        // so that errors read the same whichever way a message came in.
        Message::from_value(root.to_value()).map(Self::Other)
    }
}
