//! A server with one tool of your own, `word_count {text}`: it counts the words of `text`
//! one at a time, slowly enough to watch, reporting its progress as it goes. Its
//! `taskSupport` is optional, so it runs as a task when the caller asks for one (in either
//! wire generation) and inline otherwise.
//!
//! ```sh
//! cargo run --release --all-features --example custom_tool -- --listen 127.0.0.1:8788
//! ```
//!
//! It prints `listening on http://ADDR/mcp` once it serves, and runs until Ctrl-C.

use std::net::SocketAddr;
use std::time::Duration;

use mcp_tasks::server::{
    CallToolResult, Config, Server, TaskSupport, Tool, ToolContext, ToolError, ToolResult, ToolSpec,
};
use serde_json::{Map, Value, json};

/// How long one word takes.
const PER_WORD: Duration = Duration::from_millis(200);

/// Counts the words of `text`.
struct WordCount;

impl Tool for WordCount {
    fn spec(&self) -> ToolSpec {
        let text = json!({"type": "string", "description": "The text to count."});
        ToolSpec::new("word_count", "Counts the words in `text`, one at a time.")
            .input_schema(
                json!({"type": "object", "properties": {"text": text}, "required": ["text"]}),
            )
            .task_support(TaskSupport::Optional)
    }

    async fn run(&self, args: Map<String, Value>, mut ctx: ToolContext) -> ToolResult {
        let Some(text) = args.get("text").and_then(Value::as_str) else {
            return Err(ToolError::invalid_params("text must be a string"));
        };
        let total = text.split_whitespace().count() as u64;
        for (done, word) in (1..).zip(text.split_whitespace()) {
            // Gives up with ToolError::Cancelled when the task is cancelled meanwhile.
            ctx.sleep(PER_WORD).await?;
            let message = format!("counted {done} of {total} words ({word})");
            // A status message travels in both generations; progress only in 2025-11-25.
            ctx.status(&message);
            ctx.progress(done, Some(total), Some(&message));
        }
        let unit = if total == 1 { "word" } else { "words" };
        Ok(CallToolResult::text(format!("{total} {unit}")))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listen = listen_address(std::env::args().skip(1))?;
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let server = Server::new(Config::default()).tool(WordCount)?.serve(listener)?;
    // One whole line, so that a script can wait for it.
    println!("listening on http://{}/mcp", server.local_addr());
    tokio::signal::ctrl_c().await?;
    server.shutdown().await;
    Ok(())
}

/// `--listen ADDR`, by default 127.0.0.1:8788.
fn listen_address(mut args: impl Iterator<Item = String>) -> Result<SocketAddr, String> {
    let mut listen = SocketAddr::from(([127, 0, 0, 1], 8788));
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--listen", Some(value)) => {
                listen = value.parse().map_err(|_| format!("not an address: {value}"))?;
            }
            _ => return Err(format!("usage: custom_tool [--listen ADDR] (got {arg})")),
        }
    }
    Ok(listen)
}
