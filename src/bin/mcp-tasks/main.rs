//! `mcp-tasks`: the reference MCP Tasks server (`serve`) and a task-aware client (`call`).

mod call;
mod progress;
mod prompt;
mod serve;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("{}", usage());
        return ExitCode::from(2);
    };
    match command.as_str() {
        "serve" => serve::main(rest),
        "call" => call::main(rest),
        "-h" | "--help" | "help" => {
            println!("{}", usage());
            ExitCode::SUCCESS
        }
        other => {
            eprintln!("unknown command: {other}\n{}", usage());
            ExitCode::from(2)
        }
    }
}

fn usage() -> String {
    format!("usage:\n  {}\n  {}", serve::USAGE, call::USAGE)
}
