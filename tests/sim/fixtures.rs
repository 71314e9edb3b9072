//! The simulation's fixture tools, run in virtual time from the endpoint's commands: what
//! a tool does comes from its arguments (`ms`, `steps`, `input`, `fail`), and every report
//! goes back through the endpoint like any embedder's.

use std::collections::{BTreeMap, BTreeSet};

use mcp_tasks::protocol::jsonrpc::{ErrorCode, ErrorObject};
use mcp_tasks::protocol::legacy::{TaskSupport, Tool};
use mcp_tasks::receiver::http::{BeforeTaskAnswer, StartTool, ToolDescriptor, ToolReport, WorkId};
use mcp_tasks::task::InputRequest;
use mcp_tasks::time::UnixMillis;
use serde_json::{Map, Value, json};

/// The tools: `echo` (never a task), `job` (optional), `must_task` (always a task) and
/// `ask_first` (a task that, under 2026-07-28, asks who is calling before it exists).
pub fn tools() -> Vec<ToolDescriptor> {
    let tool = |name: &str, support: TaskSupport| ToolDescriptor::new(Tool::new(name, support));
    let ask_first = tool("ask_first", TaskSupport::Required).deciding_before_task();
    vec![
        tool("echo", TaskSupport::Forbidden),
        tool("job", TaskSupport::Optional),
        tool("must_task", TaskSupport::Required),
        ask_first,
    ]
}

/// What `ask_first` needs before its task exists: who is calling, until a round brings
/// the answer.
pub fn before_task(
    arguments: Map<String, Value>,
    responses: Option<&Map<String, Value>>,
) -> BeforeTaskAnswer {
    if responses.is_some_and(|r| r.contains_key("who")) {
        return BeforeTaskAnswer::Ready(arguments);
    }
    let who = InputRequest {
        method: "elicitation/create".into(),
        params: obj(json!({"message": "Who?",
            "requestedSchema": {"type": "object", "properties": {"name": {"type": "string"}}}})),
    };
    BeforeTaskAnswer::Ask([("who".to_owned(), who)].into_iter().collect())
}

/// What a call asks the work to do.
#[derive(Clone, Debug, Default)]
struct Plan {
    ms: u64,
    steps: u64,
    input: bool,
    fail: Option<String>,
}

impl Plan {
    fn from_args(args: &Map<String, Value>) -> Self {
        Self {
            ms: args.get("ms").and_then(Value::as_u64).unwrap_or(1000),
            steps: args.get("steps").and_then(Value::as_u64).unwrap_or(0),
            input: args.get("input").and_then(Value::as_bool).unwrap_or(false),
            fail: args.get("fail").and_then(Value::as_str).map(str::to_owned),
        }
    }

    fn end(&self, tag: &str) -> ToolReport {
        match self.fail.as_deref() {
            Some("rpc") => ToolReport::Error(ErrorObject::new(
                ErrorCode::INTERNAL_ERROR,
                format!("boom {tag}"),
            )),
            Some("tool") => ToolReport::Result(obj(json!({
                "content": [{"type": "text", "text": format!("failed {tag}")}], "isError": true}))),
            _ => ToolReport::Result(text(&format!("done {tag}"))),
        }
    }
}

/// One run of a tool.
#[derive(Debug)]
struct Job {
    plan: Plan,
    tag: String,
    /// Work left after the current wait, in ms.
    remaining: u64,
    next_at: Option<UnixMillis>,
    steps_done: u64,
    asked: bool,
    waiting: bool,
    stop: bool,
    /// A plain call: it only ends.
    plain: bool,
}

/// The running work, and when each run started and ended (by the tag of its call).
#[derive(Debug, Default)]
pub struct Fixtures {
    jobs: BTreeMap<WorkId, Job>,
    /// Wake-ups; entries whose job moved on are skipped.
    due: BTreeSet<(UnixMillis, WorkId)>,
    pub created: BTreeMap<String, UnixMillis>,
    pub finished: BTreeMap<String, UnixMillis>,
}

impl Fixtures {
    /// Starts a run; what it reports right away comes back.
    pub fn start(&mut self, now: UnixMillis, start: StartTool) -> Vec<(WorkId, ToolReport)> {
        let tag = start.progress_token.as_ref().and_then(Value::as_str).unwrap_or("?").to_owned();
        let plan = Plan::from_args(&start.arguments);
        let plain = matches!(start.work, WorkId::Call(_));
        if plain && (start.tool == "echo" || plan.ms == 0) {
            return vec![(start.work, ToolReport::Result(text(&format!("echo {tag}"))))];
        }
        if !plain {
            self.created.insert(tag.clone(), now);
        }
        let first = if plain {
            plan.ms
        } else if plan.steps > 0 {
            plan.ms / (plan.steps + 1)
        } else if plan.input {
            plan.ms / 2
        } else {
            plan.ms
        };
        let job = Job {
            remaining: plan.ms,
            next_at: Some(now.saturating_add(first)),
            plan,
            tag,
            steps_done: 0,
            asked: false,
            waiting: false,
            stop: false,
            plain,
        };
        self.jobs.insert(start.work.clone(), job);
        self.note(&start.work);
        Vec::new()
    }

    /// The endpoint asked the work to stop: it does at once.
    pub fn cancel(&mut self, now: UnixMillis, work: &WorkId) {
        if let Some(job) = self.jobs.get_mut(work) {
            job.stop = true;
            job.next_at = Some(now);
        }
        self.note(work);
    }

    /// Answers arrived: the work waiting for them goes on.
    pub fn answered(&mut self, now: UnixMillis, work: &WorkId) {
        if let Some(job) = self.jobs.get_mut(work) {
            if job.waiting {
                job.waiting = false;
                job.next_at = Some(now.saturating_add(job.remaining));
            }
        }
        self.note(work);
    }

    /// Forgets every run (the store they reported to is gone).
    pub fn clear(&mut self) {
        self.jobs.clear();
        self.due.clear();
    }

    /// The task work still running, to be adopted by a restarted endpoint.
    pub fn tasks(&self) -> impl Iterator<Item = &WorkId> {
        self.jobs.iter().filter(|(_, j)| !j.plain).map(|(w, _)| w)
    }

    /// Plain calls die with the process that ran them.
    pub fn drop_plain(&mut self) {
        self.jobs.retain(|_, j| !j.plain);
    }

    /// When the work next needs [`Fixtures::step`].
    pub fn next_due(&mut self) -> Option<UnixMillis> {
        while let Some((t, work)) = self.due.first().cloned() {
            if self.jobs.get(&work).and_then(|j| j.next_at) == Some(t) {
                return Some(t);
            }
            self.due.pop_first();
        }
        None
    }

    /// Advances every run due by `now`; returns their reports in order.
    pub fn step(&mut self, now: UnixMillis) -> Vec<(WorkId, ToolReport)> {
        let mut reports = Vec::new();
        while let Some((t, work)) = self.due.first().cloned() {
            if t > now {
                break;
            }
            self.due.pop_first();
            if self.jobs.get(&work).and_then(|j| j.next_at) == Some(t) {
                self.step_one(now, &work, &mut reports);
                self.note(&work);
            }
        }
        reports
    }

    fn step_one(
        &mut self,
        now: UnixMillis,
        work: &WorkId,
        reports: &mut Vec<(WorkId, ToolReport)>,
    ) {
        let Some(job) = self.jobs.get_mut(work) else { return };
        job.next_at = None;
        if job.stop {
            let tag = job.tag.clone();
            self.jobs.remove(work);
            self.finished.insert(tag, now);
            reports.push((work.clone(), ToolReport::Cancelled));
            return;
        }
        if job.waiting {
            return;
        }
        let plan = job.plan.clone();
        if !job.plain && job.steps_done < plan.steps {
            job.steps_done += 1;
            let i = job.steps_done;
            job.next_at = Some(now.saturating_add(plan.ms / (plan.steps + 1)));
            reports.push((work.clone(), ToolReport::Status(format!("step {i}/{}", plan.steps))));
            let progress = ToolReport::Progress {
                progress: i as f64,
                total: Some(plan.steps as f64),
                message: None,
            };
            reports.push((work.clone(), progress));
            if i < plan.steps || !plan.input {
                return;
            }
        }
        if !job.plain && plan.input && !job.asked {
            job.asked = true;
            job.waiting = true;
            job.remaining = plan.ms / 2;
            job.next_at = None;
            let request = InputRequest {
                method: "elicitation/create".into(),
                params: obj(json!({"message": "Proceed?", "requestedSchema": {"type": "object",
                    "properties": {"confirm": {"type": "boolean"}}}})),
            };
            reports.push((work.clone(), ToolReport::Ask(request)));
            return;
        }
        let tag = job.tag.clone();
        self.jobs.remove(work);
        if !matches!(work, WorkId::Call(_)) {
            self.finished.insert(tag.clone(), now);
        }
        reports.push((work.clone(), plan.end(&tag)));
    }

    fn note(&mut self, work: &WorkId) {
        if let Some(t) = self.jobs.get(work).and_then(|j| j.next_at) {
            self.due.insert((t, work.clone()));
        }
    }
}

fn text(text: &str) -> Map<String, Value> {
    obj(json!({"content": [{"type": "text", "text": text}]}))
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}
