//! `mcp-tasks serve`: the reference MCP Tasks server.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use mcp_tasks::server::{Config, serve};

/// How to call `serve`.
pub const USAGE: &str = "mcp-tasks serve [--listen 127.0.0.1:8787] [--www DIR] [--pkg DIR] \
[--allow-origin ORIGIN]... [--task-tools] [--demo-duration MS] [--poll-interval MS] \
[--max-live-per-owner N] [--max-tasks-per-owner N] [--max-bytes-per-owner BYTES]

  --task-tools              for hosts that do not speak MCP tasks: a plain call of a long
                            tool starts a task and answers at once with its id, and the tools
                            get_task_status, get_task_result, cancel_task, list_my_tasks and
                            answer_task_input are listed
  --demo-duration MS        how long build_report, deploy_release and import_contacts take,
                            not counting a wait for a person's answer (default 8000)
  --poll-interval MS        the pollInterval suggested to clients (default 1000)
  --max-live-per-owner N    how many unfinished tasks one owner may have (default 1000)
  --max-tasks-per-owner N   how many tasks, finished ones included, one owner may have
                            stored (default 1000)
  --max-bytes-per-owner B   how many bytes one owner's stored tasks may hold (default
                            8388608); the store-wide budgets stay at their defaults";

/// Runs `serve` with the arguments after the command's name.
pub fn main(args: &[String]) -> ExitCode {
    let (listen, config) = match parse(args) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("{message}\nusage: {USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(run(listen, config));
    // Connections were given their grace period in `shutdown`; do not wait on stragglers.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    code
}

fn parse(args: &[String]) -> Result<(SocketAddr, Config), String> {
    let mut it = args.iter();
    let mut listen: SocketAddr = ([127, 0, 0, 1], 8787).into();
    let mut config = Config::default();
    let mut pkg = None;
    while let Some(flag) = it.next() {
        let mut value = || it.next().cloned().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--listen" => {
                let v = value()?;
                listen = v.parse().map_err(|_| format!("not an address: {v}"))?;
            }
            "--www" => config.www = PathBuf::from(value()?),
            "--pkg" => pkg = Some(PathBuf::from(value()?)),
            "--allow-origin" => config.allowed_origins.push(value()?),
            "--task-tools" => config.task_tools = true,
            "--demo-duration" => {
                let v = value()?;
                let ms: u64 =
                    v.parse().map_err(|_| format!("not a number of milliseconds: {v}"))?;
                config.demo_duration = std::time::Duration::from_millis(ms);
            }
            "--poll-interval" => {
                let v = value()?;
                let ms = v.parse().map_err(|_| format!("not a number of milliseconds: {v}"))?;
                config.store.poll_interval_ms = Some(ms);
            }
            "--max-live-per-owner" => {
                let v = value()?;
                config.store.max_live_per_owner =
                    v.parse().map_err(|_| format!("not a count: {v}"))?;
            }
            "--max-tasks-per-owner" => {
                let v = value()?;
                config.store.max_tasks_per_owner =
                    v.parse().map_err(|_| format!("not a count: {v}"))?;
            }
            "--max-bytes-per-owner" => {
                let v = value()?;
                config.store.max_bytes_per_owner =
                    v.parse().map_err(|_| format!("not a number of bytes: {v}"))?;
            }
            other => return Err(format!("unknown flag: {other}")),
        }
    }
    config.pkg = pkg.or_else(|| {
        let default = PathBuf::from("pkg");
        default.is_dir().then_some(default)
    });
    Ok((listen, config))
}

async fn run(listen: SocketAddr, config: Config) -> ExitCode {
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {listen}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let server = match serve(listener, config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot serve: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("mcp-tasks: MCP at http://{}/mcp", server.local_addr());
    wait_for_signal().await;
    eprintln!("mcp-tasks: shutting down");
    server.shutdown().await;
    ExitCode::SUCCESS
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_flags_set_the_store_budgets() {
        let args: Vec<String> = ["--max-tasks-per-owner", "5", "--max-bytes-per-owner", "4096"]
            .map(String::from)
            .into();
        let (_, config) = parse(&args).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.store.max_tasks_per_owner, 5);
        assert_eq!(config.store.max_bytes_per_owner, 4096);
        let bad = ["--max-bytes-per-owner", "lots"].map(String::from);
        assert!(parse(&bad).is_err_and(|e| e.contains("not a number of bytes")));
    }
}
