//! `mcp-tasks call`: calls one tool, as a task where the server allows it, shows how it
//! goes, answers its questions on the terminal and prints the result.
//!
//! It hosts tasks for the server (2025-11-25): a question the server sends as a task is
//! answered whenever the person is ready, while the engine goes on following the call and
//! answering the server's polls; questions are asked one at a time, in order.
//!
//! Exit status: 0 completed, 1 failed or `isError`, 2 usage error, 3 cancelled or expired,
//! 4 transport or protocol error.

use std::io::{self, BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use mcp_tasks::client::{
    CallId, CallOutcome, ClientError, Config, Engine, Event, Failure, InputId, InputSupport,
    Protocol, ToolCall,
};
use mcp_tasks::native::Driver;
use mcp_tasks::protocol::legacy::{CallToolResult, WireShape};
use mcp_tasks::store::StoreConfig;
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;

use crate::progress::{Display, Shown};
use crate::prompt;

/// How to call `call`.
pub const USAGE: &str = "mcp-tasks call URL TOOL [ARGS_JSON] [--protocol auto|2025-11-25|2026-07-28] \
[--ttl MS] [--header 'Name: value']... [--json]";

const COMPLETED: u8 = 0;
const FAILED: u8 = 1;
const USAGE_ERROR: u8 = 2;
const CANCELLED: u8 = 3;
const BROKEN: u8 = 4;

/// What the command line asked for.
struct Request {
    config: Config,
    call: ToolCall,
    /// Machine-readable progress and input on stderr/stdin instead of the terminal UI.
    json: bool,
}

/// Runs `call` with the arguments after the command's name.
pub fn main(args: &[String]) -> ExitCode {
    let request = match parse(args) {
        Ok(r) => r,
        Err(message) => {
            eprintln!("{message}\nusage: {USAGE}");
            return ExitCode::from(USAGE_ERROR);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::from(BROKEN);
        }
    };
    ExitCode::from(runtime.block_on(run(request)))
}

fn parse(args: &[String]) -> Result<Request, String> {
    let mut positional = Vec::new();
    let mut protocol = Protocol::Auto;
    let mut ttl = None;
    let mut headers = Vec::new();
    let mut json = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().cloned().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--protocol" => {
                protocol = match value()?.as_str() {
                    "auto" => Protocol::Auto,
                    "2025-11-25" => Protocol::Legacy,
                    "2026-07-28" => Protocol::Extension,
                    other => return Err(format!("unknown protocol: {other}")),
                }
            }
            "--ttl" => {
                let v = value()?;
                ttl = Some(
                    v.parse::<u64>().map_err(|_| format!("--ttl wants milliseconds, not {v}"))?,
                );
            }
            "--header" => {
                let v = value()?;
                let (name, field) = v
                    .split_once(':')
                    .ok_or_else(|| format!("--header wants 'Name: value', not {v}"))?;
                headers.push((name.trim().to_owned(), field.trim().to_owned()));
            }
            "--json" => json = true,
            flag if flag.starts_with("--") => return Err(format!("unknown flag: {flag}")),
            _ => positional.push(arg.clone()),
        }
    }
    let (url, tool, arguments) = match positional.as_slice() {
        [url, tool] => (url, tool, None),
        [url, tool, args] => match serde_json::from_str::<Value>(args) {
            Ok(Value::Object(map)) => (url, tool, Some(map)),
            _ => return Err(format!("ARGS_JSON must be a JSON object, not {args}")),
        },
        _ => return Err("call needs URL and TOOL".to_owned()),
    };
    let mut config = Config::new(url.clone());
    config.protocol = protocol;
    config.inputs = InputSupport { elicitation: true, ..InputSupport::default() };
    config.seed = fresh_seed();
    // A person is waiting: give up on an unreachable server after seconds, not minutes.
    config.backoff.max_attempts = 5;
    config.backoff.max_ms = 4_000;
    for (name, value) in headers {
        config.headers.push(name, value);
    }
    let mut call = ToolCall::new(tool.clone(), arguments);
    if let Some(ttl) = ttl {
        call = call.ttl_ms(ttl);
    }
    Ok(Request { config, call, json })
}

/// Backoff jitter should differ between runs; a fixed seed would do if entropy fails.
fn fresh_seed() -> u64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return 0x5eed;
    }
    u64::from_le_bytes(bytes)
}

async fn run(request: Request) -> u8 {
    let engine = Engine::with_hosted_tasks(request.config, StoreConfig::default());
    let mut driver = Driver::new(engine);
    let call = match driver.engine().call_tool(Driver::now(), request.call) {
        Ok(call) => call,
        Err(e) => return report_error(&e),
    };
    let mut ui = Ui::new(request.json);
    let mut cancelling = false;
    let code = loop {
        let event = tokio::select! {
            event = driver.next_event() => event,
            Some((input, answer)) = ui.answers.recv() => {
                ui.asking = None;
                if let Err(e) = driver.engine().answer_input(Driver::now(), input, answer) {
                    ui.note(&format!("could not answer: {e}"));
                }
                ui.ask_next();
                continue;
            }
            _ = tokio::signal::ctrl_c() => {
                if cancelling {
                    break CANCELLED;
                }
                cancelling = true;
                ui.note("cancelling the task (Ctrl-C again to leave at once)");
                if let Err(e) = driver.engine().cancel(Driver::now(), call) {
                    break report_error(&e);
                }
                continue;
            }
        };
        let Some(event) = event else {
            ui.note("the engine stopped without an outcome");
            break BROKEN;
        };
        if let Some(code) = ui.handle(call, event) {
            break code;
        }
    };
    ui.finish();
    close(&mut driver).await;
    code
}

/// Ends the session politely, without letting a dead server hold the exit.
async fn close(driver: &mut Driver) {
    driver.engine().close(Driver::now());
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while let Some(event) = driver.next_event().await {
            if matches!(event, Event::Closed) {
                break;
            }
        }
    })
    .await;
}

fn report_error(error: &ClientError) -> u8 {
    eprintln!("mcp-tasks: {error} [{}]", error.code());
    BROKEN
}

/// A question waiting for the person.
struct Question {
    input: InputId,
    method: String,
    params: Map<String, Value>,
}

/// The terminal (or JSON-lines) side of the call.
struct Ui {
    json: bool,
    display: Display<io::Stderr>,
    shown: Shown,
    /// Questions not asked yet, oldest first.
    questions: Vec<Question>,
    /// The question on the terminal now.
    asking: Option<InputId>,
    /// Answers from the person, read off the runtime.
    answers: mpsc::UnboundedReceiver<(InputId, Map<String, Value>)>,
    answered: mpsc::UnboundedSender<(InputId, Map<String, Value>)>,
}

impl Ui {
    fn new(json: bool) -> Self {
        let terminal = !json && io::stderr().is_terminal();
        let (answered, answers) = mpsc::unbounded_channel();
        Self {
            json,
            display: Display::new(io::stderr(), terminal),
            shown: Shown::default(),
            questions: Vec::new(),
            asking: None,
            answers,
            answered,
        }
    }

    fn note(&mut self, text: &str) {
        if self.json {
            self.emit(json!({"event": "note", "text": text}));
        } else {
            let _ = self.display.note(text);
        }
    }

    fn emit(&self, value: Value) {
        eprintln!("{value}");
    }

    fn show(&mut self) {
        if self.json {
            self.emit(status_event(&self.shown));
        } else {
            let _ = self.display.show(&self.shown);
        }
    }

    fn finish(&mut self) {
        let _ = self.display.finish();
    }

    /// Handles one event of our call; `Some(exit status)` once it has an outcome.
    fn handle(&mut self, call: CallId, event: Event) -> Option<u8> {
        match event {
            Event::TaskCreated { call: c, task, .. } if c == call => {
                self.shown.status = Some(task.status().to_string());
                self.shown.message = task.status_message.clone();
                self.note(&format!("task {} created", task.task_id.as_str()));
                self.show();
            }
            Event::StatusChanged { call: c, status, status_message } if c == call => {
                self.shown.status = Some(status.to_string());
                self.shown.message = status_message;
                self.show();
            }
            Event::Progress { call: c, progress, total, message } if c == call => {
                self.shown.progress = Some((progress, total));
                if message.is_some() {
                    self.shown.message = message;
                }
                self.show();
            }
            Event::ModelImmediateResponse { call: c, text } if c == call => self.note(&text),
            Event::InputRequested { input, method, params, .. } => {
                self.questions.push(Question { input, method, params });
                self.ask_next();
            }
            Event::TaskHosted { task, .. } => {
                self.note(&format!("the server asks as task {}", task.task_id.as_str()));
            }
            Event::InputWithdrawn { input, reason } => {
                self.questions.retain(|q| q.input != input);
                self.note(&format!("the server no longer needs an answer ({reason:?})"));
            }
            Event::ProtocolViolation { error, .. } => {
                self.note(&format!("the server broke the protocol: {error} [{}]", error.code()));
            }
            Event::Disconnected { error } => return Some(report_error(&error)),
            Event::Outcome { call: c, outcome } if c == call => {
                return Some(self.outcome(outcome));
            }
            _ => {}
        }
        None
    }

    /// Puts the oldest waiting question to the person, unless one is being asked. The
    /// answer is read off the runtime and comes back through `answers`.
    fn ask_next(&mut self) {
        if self.asking.is_some() || self.questions.is_empty() {
            return;
        }
        let Question { input, method, params } = self.questions.remove(0);
        let _ = self.display.finish();
        if method != "elicitation/create" {
            self.note(&format!("cannot answer {method} here; declining"));
            let _ = self.answered.send((input, decline()));
            return;
        }
        self.asking = Some(input);
        let json = self.json;
        if json {
            self.emit(json!({"event": "input", "method": method, "params": params}));
        }
        let params = Value::Object(params);
        let answered = self.answered.clone();
        tokio::task::spawn_blocking(move || {
            let stdin = io::stdin();
            let mut input_lines = stdin.lock();
            let asked = if json {
                read_json_answer(&mut input_lines)
            } else {
                prompt::elicit(&params, &mut input_lines, &mut io::stderr())
            };
            let answer = match asked {
                Ok(Value::Object(answer)) => answer,
                _ => decline(),
            };
            let _ = answered.send((input, answer));
        });
    }

    fn outcome(&mut self, outcome: CallOutcome) -> u8 {
        self.finish();
        match outcome {
            CallOutcome::Completed(result) => print_result(&result, COMPLETED),
            CallOutcome::Failed(Failure::Tool(result)) => print_result(&result, FAILED),
            CallOutcome::Failed(Failure::Rpc(error)) => {
                let error = serde_json::to_string(&error).unwrap_or_else(|_| error.message.clone());
                eprintln!("mcp-tasks: the call failed: {error}");
                FAILED
            }
            CallOutcome::Cancelled { status_message } => {
                eprintln!(
                    "mcp-tasks: cancelled{}",
                    status_message.map(|m| format!(": {m}")).unwrap_or_default()
                );
                CANCELLED
            }
            CallOutcome::Expired(reason) => {
                eprintln!("mcp-tasks: stopped following the task ({reason:?})");
                CANCELLED
            }
            CallOutcome::Error(error) => report_error(&error),
            _ => BROKEN,
        }
    }
}

/// The `--json` line for what is shown: `status` is the task's, or null while a plain call
/// (which has no task status) runs.
fn status_event(shown: &Shown) -> Value {
    let (progress, total) = shown.progress.unzip();
    json!({
        "event": "status", "status": shown.status, "statusMessage": shown.message,
        "progress": progress, "total": total.flatten(),
    })
}

fn decline() -> Map<String, Value> {
    let mut answer = Map::new();
    answer.insert("action".into(), Value::String("decline".into()));
    answer
}

/// One JSON object per line; end of input cancels.
fn read_json_answer(input: &mut impl BufRead) -> io::Result<Value> {
    let mut line = String::new();
    if input.read_line(&mut line)? == 0 {
        return Ok(json!({"action": "cancel"}));
    }
    serde_json::from_str(&line).map_err(io::Error::other)
}

fn print_result(result: &CallToolResult, code: u8) -> u8 {
    let text = serde_json::to_string_pretty(&Value::Object(result.to_map())).unwrap_or_default();
    let mut stdout = io::stdout().lock();
    if writeln!(stdout, "{text}").and_then(|()| stdout.flush()).is_err() {
        return BROKEN;
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn flags_and_positionals_are_read_in_any_order() {
        let r = parse(&args(&[
            "--protocol",
            "2026-07-28",
            "http://x/mcp",
            "slow",
            r#"{"n":1}"#,
            "--ttl",
            "5000",
            "--header",
            "Authorization: Bearer t:1",
            "--json",
        ]))
        .expect("valid");
        assert_eq!(r.config.endpoint, "http://x/mcp");
        assert_eq!(r.config.protocol, Protocol::Extension);
        assert_eq!(r.config.headers.get("authorization"), Some("Bearer t:1"));
        assert_eq!(r.call.name, "slow");
        assert_eq!(r.call.ttl_ms, Some(5000));
        assert_eq!(r.call.arguments.and_then(|a| a.get("n").cloned()), Some(json!(1)));
        assert!(r.json);
    }

    #[test]
    fn bad_command_lines_are_usage_errors() {
        for bad in [
            &["http://x"][..],
            &["http://x", "t", "[1]"],
            &["http://x", "t", "--ttl", "soon"],
            &["http://x", "t", "--protocol", "2024"],
            &["http://x", "t", "--header", "no-colon"],
            &["http://x", "t", "--frobnicate"],
            &["http://x", "t", "--ttl"],
        ] {
            assert!(parse(&args(bad)).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn a_plain_calls_progress_has_a_null_status_never_an_empty_one() {
        let plain = Shown { status: None, message: None, progress: Some((1.0, Some(2.0))) };
        assert_eq!(
            status_event(&plain),
            json!({"event": "status", "status": null, "statusMessage": null,
                "progress": 1.0, "total": 2.0})
        );
        let task = Shown { status: Some("working".into()), ..plain };
        assert_eq!(status_event(&task)["status"], "working");
    }

    #[test]
    fn json_answers_are_read_a_line_at_a_time() {
        let mut input = "{\"action\":\"accept\",\"content\":{\"ok\":true}}\n".as_bytes();
        assert_eq!(
            read_json_answer(&mut input).unwrap(),
            json!({"action":"accept","content":{"ok":true}})
        );
        assert_eq!(read_json_answer(&mut input).unwrap(), json!({"action":"cancel"}));
        assert!(read_json_answer(&mut "not json\n".as_bytes()).is_err());
    }
}
