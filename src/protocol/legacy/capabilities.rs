//! The `tasks` capability trees exchanged in `initialize`, inside capability objects that
//! keep everything else as sent.

use serde_json::Value;

use super::{Fields, Object, WireShape, nested, put, put_extra, put_shape, serde_via_shape};
use crate::protocol::WireError;
use crate::protocol::json::FromJson;

/// A capability leaf. The schema makes leaves objects (`{}`); the prose calls them booleans,
/// so `true` is accepted too. Whatever arrived is re-emitted unchanged.
#[derive(Clone, Debug, PartialEq)]
pub struct Flag(pub Value);

impl Default for Flag {
    /// `{}`, the form the schema and both SDKs use.
    fn default() -> Self {
        Self(Value::Object(Object::new()))
    }
}

impl Flag {
    /// Whether the leaf declares the capability: an object, or `true`.
    pub fn is_set(&self) -> bool {
        matches!(self.0, Value::Object(_) | Value::Bool(true))
    }
}

impl FromJson for Flag {
    const EXPECTED: &'static str = "a JSON value";
    fn from_json(value: &Value) -> Option<Self> {
        Some(Self(value.clone()))
    }
}

/// Implements [`WireShape`] for a capability node: its optional typed children (flags or
/// nodes) and everything else kept in `extra`.
macro_rules! node {
    ($name:ident, $what:literal, flags { $($flag:ident: $fkey:literal),* }, nodes { $($node:ident: $nkey:literal),* }) => {
        impl WireShape for $name {
            const WHAT: &'static str = $what;

            fn read(f: &Fields<'_>) -> Result<Self, WireError> {
                Ok(Self {
                    $($flag: f.optional($fkey)?,)*
                    $($node: nested(f, $nkey)?,)*
                    extra: f.rest(&[$($fkey,)* $($nkey,)*]),
                })
            }

            fn write(&self, map: &mut Object) {
                put_extra(map, &self.extra);
                $(put(map, $fkey, self.$flag.as_ref().map(|f| &f.0));)*
                $(put_shape(map, $nkey, self.$node.as_ref());)*
            }
        }

        serde_via_shape!($name);
    };
}

node!(
    ServerTasksCapability,
    "server tasks capability",
    flags { list: "list", cancel: "cancel" },
    nodes { requests: "requests" }
);
node!(ServerTaskRequests, "server task requests", flags {}, nodes { tools: "tools" });
node!(ToolsTaskRequests, "tools task requests", flags { call: "call" }, nodes {});
node!(
    ClientTasksCapability,
    "client tasks capability",
    flags { list: "list", cancel: "cancel" },
    nodes { requests: "requests" }
);
node!(
    ClientTaskRequests,
    "client task requests",
    flags {},
    nodes { sampling: "sampling", elicitation: "elicitation" }
);
node!(
    SamplingTaskRequests,
    "sampling task requests",
    flags { create_message: "createMessage" },
    nodes {}
);
node!(ElicitationTaskRequests, "elicitation task requests", flags { create: "create" }, nodes {});
node!(ServerCapabilities, "server capabilities", flags {}, nodes { tasks: "tasks" });
node!(ClientCapabilities, "client capabilities", flags {}, nodes { tasks: "tasks" });

fn is_set(flag: Option<&Flag>) -> bool {
    flag.is_some_and(Flag::is_set)
}

/// `capabilities.tasks` of a server (in the `initialize` result).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServerTasksCapability {
    /// The server serves `tasks/list`.
    pub list: Option<Flag>,
    /// The server serves `tasks/cancel`.
    pub cancel: Option<Flag>,
    /// Which requests may be task-augmented. The set is exhaustive.
    pub requests: Option<ServerTaskRequests>,
    /// Members this revision does not define, kept as sent.
    pub extra: Object,
}

/// `tasks.requests` of a server.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServerTaskRequests {
    /// `tools/*` requests.
    pub tools: Option<ToolsTaskRequests>,
    /// Members this revision does not define, kept as sent.
    pub extra: Object,
}

/// `tasks.requests.tools` of a server.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ToolsTaskRequests {
    /// `tools/call` may be task-augmented.
    pub call: Option<Flag>,
    /// Members this revision does not define, kept as sent.
    pub extra: Object,
}

impl ServerTasksCapability {
    /// Declares `tasks.list`.
    pub fn with_list(mut self) -> Self {
        self.list = Some(Flag::default());
        self
    }

    /// Declares `tasks.cancel`.
    pub fn with_cancel(mut self) -> Self {
        self.cancel = Some(Flag::default());
        self
    }

    /// Declares `tasks.requests.tools.call`.
    pub fn with_tool_call(mut self) -> Self {
        let requests = self.requests.get_or_insert_with(Default::default);
        let tools = requests.tools.get_or_insert_with(Default::default);
        tools.call = Some(Flag::default());
        self
    }

    /// Whether the server serves `tasks/list`.
    pub fn supports_list(&self) -> bool {
        is_set(self.list.as_ref())
    }

    /// Whether the server serves `tasks/cancel`.
    pub fn supports_cancel(&self) -> bool {
        is_set(self.cancel.as_ref())
    }

    /// Whether `tools/call` may be task-augmented.
    pub fn supports_tool_call(&self) -> bool {
        let tools = self.requests.as_ref().and_then(|r| r.tools.as_ref());
        is_set(tools.and_then(|t| t.call.as_ref()))
    }
}

/// `capabilities.tasks` of a client (in the `initialize` request).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClientTasksCapability {
    /// The client serves `tasks/list`.
    pub list: Option<Flag>,
    /// The client serves `tasks/cancel`.
    pub cancel: Option<Flag>,
    /// Which server-to-client requests may be task-augmented. The set is exhaustive.
    pub requests: Option<ClientTaskRequests>,
    /// Members this revision does not define, kept as sent.
    pub extra: Object,
}

/// `tasks.requests` of a client.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClientTaskRequests {
    /// `sampling/*` requests.
    pub sampling: Option<SamplingTaskRequests>,
    /// `elicitation/*` requests.
    pub elicitation: Option<ElicitationTaskRequests>,
    /// Members this revision does not define, kept as sent.
    pub extra: Object,
}

/// `tasks.requests.sampling` of a client.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SamplingTaskRequests {
    /// `sampling/createMessage` may be task-augmented.
    pub create_message: Option<Flag>,
    /// Members this revision does not define, kept as sent.
    pub extra: Object,
}

/// `tasks.requests.elicitation` of a client.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ElicitationTaskRequests {
    /// `elicitation/create` may be task-augmented.
    pub create: Option<Flag>,
    /// Members this revision does not define, kept as sent.
    pub extra: Object,
}

impl ClientTasksCapability {
    /// Declares `tasks.list`.
    pub fn with_list(mut self) -> Self {
        self.list = Some(Flag::default());
        self
    }

    /// Declares `tasks.cancel`.
    pub fn with_cancel(mut self) -> Self {
        self.cancel = Some(Flag::default());
        self
    }

    /// Declares `tasks.requests.sampling.createMessage`.
    pub fn with_sampling_create_message(mut self) -> Self {
        let requests = self.requests.get_or_insert_with(Default::default);
        let sampling = requests.sampling.get_or_insert_with(Default::default);
        sampling.create_message = Some(Flag::default());
        self
    }

    /// Declares `tasks.requests.elicitation.create`.
    pub fn with_elicitation_create(mut self) -> Self {
        let requests = self.requests.get_or_insert_with(Default::default);
        let elicitation = requests.elicitation.get_or_insert_with(Default::default);
        elicitation.create = Some(Flag::default());
        self
    }

    /// Whether the client serves `tasks/list`.
    pub fn supports_list(&self) -> bool {
        is_set(self.list.as_ref())
    }

    /// Whether the client serves `tasks/cancel`.
    pub fn supports_cancel(&self) -> bool {
        is_set(self.cancel.as_ref())
    }

    /// Whether `sampling/createMessage` may be task-augmented.
    pub fn supports_sampling_create_message(&self) -> bool {
        let sampling = self.requests.as_ref().and_then(|r| r.sampling.as_ref());
        is_set(sampling.and_then(|s| s.create_message.as_ref()))
    }

    /// Whether `elicitation/create` may be task-augmented.
    pub fn supports_elicitation_create(&self) -> bool {
        let elicitation = self.requests.as_ref().and_then(|r| r.elicitation.as_ref());
        is_set(elicitation.and_then(|e| e.create.as_ref()))
    }
}

/// A server's `capabilities`: `tasks` typed, everything else kept as sent.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServerCapabilities {
    /// What the server offers for tasks; absent means it creates none.
    pub tasks: Option<ServerTasksCapability>,
    /// `tools`, `resources`, `experimental` and the rest.
    pub extra: Object,
}

impl ServerCapabilities {
    /// Whether `tools/call` may be task-augmented with this server.
    pub fn supports_task_tool_call(&self) -> bool {
        self.tasks.as_ref().is_some_and(ServerTasksCapability::supports_tool_call)
    }
}

/// A client's `capabilities`: `tasks` typed, everything else kept as sent.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClientCapabilities {
    /// What the client offers for tasks; absent means it creates none.
    pub tasks: Option<ClientTasksCapability>,
    /// `sampling`, `elicitation`, `roots` and the rest.
    pub extra: Object,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_tree_queries_and_builds() {
        let spec = json!({"tasks":{"list":{},"cancel":{},"requests":{"tools":{"call":{}}}}});
        let caps = ServerCapabilities::from_value(spec.clone()).unwrap();
        assert!(caps.supports_task_tool_call());
        let tasks = caps.tasks.as_ref().unwrap();
        assert!(tasks.supports_list() && tasks.supports_cancel());
        assert_eq!(caps.to_value(), spec);
        let built = ServerTasksCapability::default().with_list().with_cancel().with_tool_call();
        assert_eq!(&built, tasks);

        let partial =
            ServerCapabilities::from_value(json!({"tasks":{"list":{}},"tools":{}})).unwrap();
        assert!(!partial.supports_task_tool_call());
        assert!(!partial.tasks.as_ref().unwrap().supports_cancel());
        assert!(!ServerCapabilities::default().supports_task_tool_call());
    }

    #[test]
    fn client_tree_queries_and_builds() {
        let spec = json!({"tasks":{"list":{},"cancel":{},"requests":{
            "sampling":{"createMessage":{}},"elicitation":{"create":{}}}}});
        let caps = ClientCapabilities::from_value(spec.clone()).unwrap();
        let tasks = caps.tasks.as_ref().unwrap();
        assert!(tasks.supports_sampling_create_message());
        assert!(tasks.supports_elicitation_create());
        assert_eq!(caps.to_value(), spec);
        let built = ClientTasksCapability::default()
            .with_list()
            .with_cancel()
            .with_sampling_create_message()
            .with_elicitation_create();
        assert_eq!(&built, tasks);
        let only_list = ClientTasksCapability::default().with_list();
        assert!(!only_list.supports_elicitation_create());
        assert!(!only_list.supports_sampling_create_message());
    }

    #[test]
    fn leaves_accept_true_and_keep_unknown_members() {
        let v = json!({"tasks":{"list":true,"cancel":false,"future":{"x":1},
            "requests":{"tools":{"call":{},"other":{}},"prompts":{"get":{}}}},
            "experimental":{},"tools":{"listChanged":false}});
        let caps = ServerCapabilities::from_value(v.clone()).unwrap();
        let tasks = caps.tasks.as_ref().unwrap();
        assert!(tasks.supports_list());
        assert!(!tasks.supports_cancel());
        assert!(tasks.supports_tool_call());
        assert_eq!(caps.to_value(), v);
        assert!(matches!(
            ServerCapabilities::from_value(json!({"tasks":{"requests":[]}})),
            Err(WireError::Malformed { .. })
        ));
    }
}
