//! `resultType`: what kind of answer a 2026-07-28 result is.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::fields::Fields;
use crate::protocol::WireError;

/// The key every 2026-07-28 result carries.
pub const RESULT_TYPE: &str = "resultType";

/// The `resultType` of a result. Values this crate does not know are kept as sent.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ResultType {
    /// `"complete"`: the final answer to the request (also what an absent field means).
    Complete,
    /// `"input_required"`: the server needs input before answering (multi-round-trip).
    InputRequired,
    /// `"task"`: the request became a task; the result is a `CreateTaskResult`.
    Task,
    /// Any other value, kept as-is.
    Other(String),
}

impl ResultType {
    /// The wire spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Complete => "complete",
            Self::InputRequired => "input_required",
            Self::Task => "task",
            Self::Other(s) => s,
        }
    }

    /// Reads `resultType` from a result object: `None` when absent (which means
    /// [`ResultType::Complete`]), an error when it is not a string.
    pub fn read(
        result: &Map<String, Value>,
        what: &'static str,
    ) -> Result<Option<Self>, WireError> {
        Ok(Fields::new(result, what)
            .optional::<String>(RESULT_TYPE)?
            .map(|s| Self::from(s.as_str())))
    }

    /// The value an absent `resultType` stands for.
    pub fn or_default(found: Option<&Self>) -> &Self {
        found.unwrap_or(&Self::Complete)
    }
}

impl From<&str> for ResultType {
    fn from(s: &str) -> Self {
        match s {
            "complete" => Self::Complete,
            "input_required" => Self::InputRequired,
            "task" => Self::Task,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for ResultType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ResultType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ResultType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(Self::from(s.as_ref()))
    }
}

impl From<ResultType> for Value {
    fn from(t: ResultType) -> Self {
        Value::String(t.as_str().to_owned())
    }
}

/// Requires an effective `resultType` of `expected` (absent reads as `"complete"`).
pub(super) fn expect(found: Option<&ResultType>, expected: ResultType) -> Result<(), WireError> {
    let effective = ResultType::or_default(found);
    if *effective == expected {
        Ok(())
    } else {
        Err(WireError::UnexpectedResultType {
            expected: match expected {
                ResultType::Complete => "complete",
                ResultType::InputRequired => "input_required",
                ResultType::Task => "task",
                ResultType::Other(_) => "a known resultType",
            },
            found: effective.as_str().to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn absent_reads_as_complete_and_unknown_is_kept() {
        let empty = Map::new();
        let found = ResultType::read(&empty, "x").unwrap();
        assert_eq!(found, None);
        assert_eq!(ResultType::or_default(found.as_ref()), &ResultType::Complete);
        let Value::Object(m) = json!({"resultType": "streaming"}) else { unreachable!() };
        let t = ResultType::read(&m, "x").unwrap().unwrap();
        assert_eq!(t, ResultType::Other("streaming".into()));
        assert_eq!(Value::from(t), json!("streaming"));
    }

    #[test]
    fn non_string_is_malformed() {
        let Value::Object(m) = json!({"resultType": 3}) else { unreachable!() };
        assert_eq!(ResultType::read(&m, "x").unwrap_err().code(), "wire_malformed");
    }

    #[test]
    fn expect_reports_the_effective_value() {
        let err = expect(None, ResultType::Task).unwrap_err();
        assert!(
            matches!(err, WireError::UnexpectedResultType { expected: "task", ref found } if found == "complete")
        );
        assert!(expect(None, ResultType::Complete).is_ok());
    }
}
