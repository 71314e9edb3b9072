//! Running tool code for the endpoint: a tool's decision before its task
//! ([`Output::BeforeTask`]), and its run ([`Output::StartTool`]) in the background, as a
//! task's work or a plain call, reported back when it ends.

use std::sync::{Arc, MutexGuard};

use serde_json::{Map, Value};

use super::ctx::{ToolContext, ToolError};
use super::state::{Shared, State};
use super::tool::{BeforeTask, ToolResult};
use super::unwind::{Guarded, guard};
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject};
use crate::protocol::legacy::{CallToolResult, WireShape};
use crate::receiver::http::{BeforeTaskAnswer, Output, ReportError, StartTool, ToolReport, WorkId};
use crate::store::StoreError;

/// Acts on the work and decisions the endpoint queued, until none are left. Tool runs
/// start under the lock that queued them, so that a cancel cannot come before the run
/// can be stopped; decisions are taken outside it, since they are the tool's own code.
pub(crate) fn dispatch<'a>(shared: &'a Arc<Shared>, mut st: MutexGuard<'a, State>) {
    loop {
        let queued = st.take_queued();
        if queued.is_empty() {
            return;
        }
        for output in queued {
            match output {
                Output::StartTool(start) => start_tool(shared, &mut st, start),
                Output::BeforeTask { call, tool, arguments, input_responses } => {
                    drop(st);
                    let answer = decide(shared, &tool, arguments, input_responses.as_ref());
                    st = shared.lock();
                    let now = st.now();
                    // False when the client left meanwhile: nothing to do then.
                    let _ = st.endpoint().handle_before_task(now, call, answer);
                    st.flush();
                }
                _ => {}
            }
        }
    }
}

/// What tool `name` needs before its task starts.
fn decide(
    shared: &Shared,
    name: &str,
    arguments: Map<String, Value>,
    responses: Option<&Map<String, Value>>,
) -> BeforeTaskAnswer {
    let Some(entry) = shared.tools.get(name) else {
        return BeforeTaskAnswer::Ready(arguments);
    };
    match guard(|| entry.tool.before_task_dyn(arguments, responses)) {
        Ok(BeforeTask::Ready(arguments)) => BeforeTaskAnswer::Ready(arguments),
        Ok(BeforeTask::Ask(requests)) => BeforeTaskAnswer::Ask(requests),
        Err(error) => BeforeTaskAnswer::Fail(error),
    }
}

/// Runs the tool `start` names in the background and reports how it ended.
fn start_tool(shared: &Arc<Shared>, st: &mut State, start: StartTool) {
    let StartTool { work, tool, arguments, caller, .. } = start;
    let Some(tool) = shared.tools.get(&tool).map(|e| e.tool.clone()) else {
        // The endpoint lists only registered tools, so this is a server bug: say so.
        let e = ErrorObject::new(ErrorCode::INTERNAL_ERROR, format!("no tool {tool} runs here"));
        let now = st.now();
        let _ = st.endpoint().handle_tool_report(now, &work, ToolReport::Error(e));
        return st.flush();
    };
    let host = shared.clone();
    match &work {
        WorkId::Task(id) => {
            let wake = st.register_work(id);
            if let Some(leases) = &shared.shared_store {
                let lease =
                    u64::try_from(shared.config.store_lease.as_millis()).unwrap_or(u64::MAX);
                // Without a lease, a crash of this server would leave the task working
                // forever; the work still runs if Redis refuses now (the next renewal
                // takes it in).
                let _ = leases.renew(std::slice::from_ref(id), st.now().saturating_add(lease));
            }
            let ctx = ToolContext::task(shared.clone(), caller, id.clone(), wake);
            tokio::spawn(async move {
                let outcome = Guarded::new(tool.run_boxed(arguments, ctx)).await;
                finish(&host, &work, outcome);
            });
        }
        WorkId::Call(n) => {
            let n = *n;
            let ctx = ToolContext::plain(shared.clone(), caller);
            let run = tokio::spawn(async move {
                let outcome = Guarded::new(tool.run_boxed(arguments, ctx)).await;
                finish(&host, &work, outcome);
            });
            st.track_call(n, run.abort_handle());
        }
    }
}

/// Reports how `work`'s tool run ended.
fn finish(shared: &Shared, work: &WorkId, outcome: ToolResult) {
    let report = match outcome {
        Ok(result) => ToolReport::Result(result.to_map()),
        Err(ToolError::Cancelled) => ToolReport::Cancelled,
        Err(ToolError::InputRefused(error)) => ToolReport::Result(refused(&error).to_map()),
        Err(other) => ToolReport::Error(other.into_error_object()),
    };
    let mut st = shared.lock();
    let now = st.now();
    // A report after the task ended (a cancel won) is refused; that is expected, and the
    // first terminal status stays.
    let reported = st.endpoint().handle_tool_report(now, work, report);
    match work {
        WorkId::Task(id) => {
            st.unregister_work(id);
            // An ending the store could not take keeps its lease, no longer renewed: when
            // it lapses, a server fails the task rather than leaving it working forever.
            let unstored = matches!(reported, Err(ReportError::Store(StoreError::Backend(_))));
            if let (Some(leases), false) = (&shared.shared_store, unstored) {
                let _ = leases.release(id);
            }
        }
        WorkId::Call(n) => st.untrack_call(*n),
    }
    st.flush();
}

/// The tool result of a run that needed input the requestor refused with an error: a tool
/// error (`isError`), since the protocol exchange itself went fine.
fn refused(error: &ErrorObject) -> CallToolResult {
    CallToolResult::error_text(format!(
        "The client could not answer the tool's input request: {} ({})",
        error.message, error.code.0
    ))
}
