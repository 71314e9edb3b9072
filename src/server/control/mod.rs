//! Task-tools mode ([`Config::task_tools`](super::Config::task_tools)), for hosts that know
//! nothing of tasks and time out long tool calls.
//!
//! A plain call of a long tool starts its task and answers at once with a `CallToolResult`
//! that names the task in words a model can follow and in `structuredContent`. Ordinary
//! tools then do what `tasks/*` does, over the same store and with the same owner binding
//! (another owner's task is "not found"): `get_task_status`, `get_task_result`,
//! `cancel_task`, `list_my_tasks`, and `answer_task_input` for the questions a task asks.
//! Every answer comes at once; bad arguments give an `isError` result that says what to
//! fix, never a protocol error. The server's notes add what the store does not keep: the
//! tool each task runs and the progress it last reported, which a host without a progress
//! token sees nowhere else. The server's `instructions` (in `tools.rs`, with the note on
//! long tools' descriptions) tell the model how to follow a task.

mod answer;
mod cancel;
mod fields;
mod list;
mod view;

use serde_json::{Map, Value, json};

use super::ctx::{ToolContext, ToolError};
use super::state::Shared;
use super::tool::{Tool, ToolResult, ToolSpec};
use crate::protocol::legacy::CallToolResult;
use crate::receiver::Caller;
use crate::task::Task;
use fields::{Outcome, task_fields, task_id_schema, task_schema, with_structured};

const GET_TASK_STATUS: &str = "get_task_status";
const GET_TASK_RESULT: &str = "get_task_result";
const CANCEL_TASK: &str = "cancel_task";
const LIST_MY_TASKS: &str = "list_my_tasks";
const ANSWER_TASK_INPUT: &str = "answer_task_input";

const CONTROLS: [Control; 5] = [
    Control {
        name: GET_TASK_STATUS,
        answer: view::status,
        description: "Shows how a background task is doing: its status (working, \
                      input_required, completed, failed or cancelled), the tool it runs, \
                      its latest status message, how far it got (progress, out of total \
                      and as a percent when the tool knows its total) and timestamps, \
                      and, when it waits for input, the questions to put to the user. \
                      Answers at once: while it is working, call again later, waiting \
                      longer each time.",
        input: task_id_schema,
        output: view::status_schema,
    },
    Control {
        name: GET_TASK_RESULT,
        answer: view::result,
        description: "Collects the result of a background task. Once the task is done this \
                      is the result of the tool call that started it (an error result if it \
                      failed); while it still runs, this says so at once instead of waiting.",
        input: task_id_schema,
        output: view::result_schema,
    },
    Control {
        name: CANCEL_TASK,
        answer: cancel::cancel,
        description: "Stops a background task that is still running. A task that already \
                      ended stays as it is.",
        input: task_id_schema,
        output: task_schema,
    },
    Control {
        name: LIST_MY_TASKS,
        answer: list::list,
        description: "Lists your background tasks, oldest first, with the tool each runs, \
                      its status and progress. status narrows the list to tasks in that \
                      status (or any of a list of statuses), e.g. \"working\" for the ones \
                      still running. When there are more, the answer has a cursor: pass it, \
                      with the same status, to see the next page.",
        input: list::input_schema,
        output: list::output_schema,
    },
    Control {
        name: ANSWER_TASK_INPUT,
        answer: answer::answer,
        description: "Answers a question a background task asked (get_task_status shows it \
                      while the task is input_required). Put the question to the user and \
                      pass on their answer; never answer for them. For a form question, \
                      response holds the fields it asks for, e.g. {\"approve\": true}; to \
                      refuse, set action to \"decline\" and leave response out. key is \
                      needed only when several questions are open.",
        input: answer::input_schema,
        output: answer::output_schema,
    },
];

/// The control tools, to register.
pub(super) fn tools() -> impl Iterator<Item = impl Tool> {
    CONTROLS.into_iter()
}

/// One control tool: it answers at once, from the store and the server's notes.
#[derive(Clone, Copy)]
struct Control {
    name: &'static str,
    answer: fn(&Shared, &Caller, &Map<String, Value>) -> Outcome,
    description: &'static str,
    input: fn() -> Value,
    output: fn() -> Value,
}

impl Tool for Control {
    fn spec(&self) -> ToolSpec {
        ToolSpec::new(self.name, self.description)
            .input_schema((self.input)())
            .output_schema((self.output)())
    }

    /// Every outcome is a `CallToolResult`: what was wrong is said as an `isError` one.
    async fn run(&self, args: Map<String, Value>, ctx: ToolContext) -> ToolResult {
        // Registered only by this server, so it runs in this server's state.
        let Some(shared) = ctx.host().as_any().downcast_ref::<Shared>() else {
            return Err(ToolError::internal("a control tool runs only in mcp-tasks' server"));
        };
        let outcome = (self.answer)(shared, ctx.caller(), &args);
        Ok(outcome.unwrap_or_else(CallToolResult::error_text))
    }
}

/// The answer to a plain call that started task `task` of tool `name` for a caller that
/// did not ask for one: the task's handle, in words a model can follow and in
/// `structuredContent`.
pub(super) fn started(task: &Task, name: &str) -> CallToolResult {
    let id = task.task_id.as_str();
    let follow = json!({"taskId": id});
    let message = format!(
        "Started task {id} for {name}; it runs in the background. Call get_task_status with \
         {follow} to follow it, and get_task_result with {follow} to collect its result once \
         it is done. cancel_task with {follow} stops it."
    );
    let mut content = task_fields(task);
    content.insert("tool".into(), Value::from(name));
    with_structured(&message, false, content)
}
