//! `subscriptions/listen` params and `notifications/subscriptions/acknowledged` params,
//! with the extension's `notifications.taskIds`.

use serde_json::{Map, Value};

use super::fields::{Fields, put_opt, serde_via_map};
use crate::id::TaskId;
use crate::protocol::WireError;

/// The `notifications` object of a listen request or its acknowledgement: what to report.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NotificationSelection {
    /// `taskIds`: tasks whose status changes to report (`notifications/tasks`).
    pub task_ids: Option<Vec<TaskId>>,
    /// The core selections (`toolsListChanged`, `resourceSubscriptions`, ...), kept as sent.
    pub other: Map<String, Value>,
}

impl NotificationSelection {
    /// A selection of only these tasks.
    pub fn tasks(task_ids: Vec<TaskId>) -> Self {
        Self { task_ids: Some(task_ids), other: Map::new() }
    }

    fn read(f: &Fields<'_>) -> Result<Self, WireError> {
        let map: Map<String, Value> = f.required("notifications")?;
        let inner = Fields::new(&map, f.what());
        let task_ids = inner.optional("taskIds")?;
        let mut other = map.clone();
        other.remove("taskIds");
        Ok(Self { task_ids, other })
    }

    fn to_value(&self) -> Value {
        let mut map = self.other.clone();
        if let Some(ids) = &self.task_ids {
            let ids = ids.iter().map(|id| Value::from(id.as_str())).collect();
            map.insert("taskIds".into(), Value::Array(ids));
        }
        Value::Object(map)
    }
}

macro_rules! selection_params {
    ($ty:ident, $what:literal, $doc:literal) => {
        #[doc = $doc]
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct $ty {
            /// `notifications`.
            pub notifications: NotificationSelection,
            /// `_meta`.
            pub meta: Option<Map<String, Value>>,
        }

        impl $ty {
            /// Parses params; `notifications` is required.
            pub fn from_map(map: &Map<String, Value>) -> Result<Self, WireError> {
                let f = Fields::new(map, $what);
                Ok(Self {
                    notifications: NotificationSelection::read(&f)?,
                    meta: f.object_field("_meta")?,
                })
            }

            /// Parses a JSON value (which must be an object).
            pub fn from_value(value: &Value) -> Result<Self, WireError> {
                Self::from_map(Fields::object(value, $what)?)
            }

            /// The params object.
            pub fn to_map(&self) -> Map<String, Value> {
                let mut map = Map::new();
                map.insert("notifications".into(), self.notifications.to_value());
                put_opt(&mut map, "_meta", self.meta.clone());
                map
            }
        }

        serde_via_map!($ty);
    };
}

selection_params!(
    ListenParams,
    "subscriptions/listen params",
    "Params of `subscriptions/listen`: what the client wants reported on the stream."
);
selection_params!(
    SubscriptionsAcknowledgedParams,
    "notifications/subscriptions/acknowledged params",
    "Params of `notifications/subscriptions/acknowledged`: what the server agreed to report."
);
