//! `mcp-tasks serve`: the reference MCP Tasks server.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use mcp_tasks::server::{Config, serve};

/// How to call `serve`.
pub const USAGE: &str = "mcp-tasks serve [--listen 127.0.0.1:8787] [--www DIR] [--pkg DIR] \
[--allow-origin ORIGIN]... [--task-tools] [--demo-duration MS] [--poll-interval MS] \
[--max-live-per-owner N] [--max-tasks-per-owner N] [--max-bytes-per-owner BYTES]
    [--max-sessions N] [--max-connections N] [--max-authorization-bytes N]
    [--max-stream-backlog-bytes N] [--stream-max-age MS] [--header-read-timeout MS]
    [--body-read-timeout MS] [--idle-timeout MS] [--write-timeout MS]
    [--store memory|redis://HOST:PORT] [--store-prefix P] [--store-poll MS] [--store-lease MS]

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
                            8388608); the store-wide budgets stay at their defaults
  --max-sessions N          2025-11-25 sessions at once; more get 503 (default 1000)
  --max-connections N       connections at once; more get 503 and close (default 1024)
  --max-authorization-bytes N
                            the longest Authorization header; longer get 431 (default 8192)
  --max-stream-backlog-bytes N
                            how far an SSE reader may fall behind before it is cut off
                            (default 1048576)
  --stream-max-age MS       a session stream ends for its client to resume after this
                            (default 600000)
  --header-read-timeout MS  a request head must arrive within this of its first byte
                            (default 10000; 0: none)
  --body-read-timeout MS    a request body must arrive within this; else 408 (default 30000)
  --idle-timeout MS         a connection without a request closes after this (default 60000)
  --write-timeout MS        a client that takes no bytes for this is let go (default 30000)
  --store URL               where tasks live: memory (default) or redis://HOST:PORT[/DB],
                            shared by every server given the same URL and prefix
  --store-prefix P          the prefix of this server's Redis keys (default mcp-tasks)
  --store-poll MS           how often running work looks for answers and cancels that came
                            through another server (default 250)
  --store-lease MS          a task whose server sent no heartbeat for this long is failed by
                            another server (default 30000)";

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
            "--max-sessions" => config.max_sessions = count(&value()?)?,
            "--max-connections" => config.max_connections = count(&value()?)?,
            "--max-authorization-bytes" => config.max_authorization_bytes = count(&value()?)?,
            "--max-stream-backlog-bytes" => config.max_stream_backlog_bytes = count(&value()?)?,
            "--stream-max-age" => config.stream_max_age = millis(&value()?)?,
            "--header-read-timeout" => config.header_read_timeout = millis(&value()?)?,
            "--body-read-timeout" => config.body_read_timeout = millis(&value()?)?,
            "--idle-timeout" => config.idle_timeout = millis(&value()?)?,
            "--write-timeout" => config.write_timeout = millis(&value()?)?,
            "--store" => {
                let v = value()?;
                config.store_url = (v != "memory").then_some(v);
            }
            "--store-prefix" => config.store_prefix = value()?,
            "--store-poll" => config.store_poll = millis(&value()?)?,
            "--store-lease" => config.store_lease = millis(&value()?)?,
            other => return Err(format!("unknown flag: {other}")),
        }
    }
    config.pkg = pkg.or_else(|| {
        let default = PathBuf::from("pkg");
        default.is_dir().then_some(default)
    });
    Ok((listen, config))
}

fn count(v: &str) -> Result<usize, String> {
    v.parse().map_err(|_| format!("not a count: {v}"))
}

fn millis(v: &str) -> Result<std::time::Duration, String> {
    let ms = v.parse().map_err(|_| format!("not a number of milliseconds: {v}"))?;
    Ok(std::time::Duration::from_millis(ms))
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
    fn store_flags_pick_a_shared_store_and_its_timers() {
        let (_, config) = parse(&[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.store_url, None, "memory by default");
        let args: Vec<String> = [
            "--store",
            "redis://127.0.0.1:6390",
            "--store-prefix",
            "blue",
            "--store-poll",
            "40",
            "--store-lease",
            "5000",
        ]
        .map(String::from)
        .into();
        let (_, config) = parse(&args).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.store_url.as_deref(), Some("redis://127.0.0.1:6390"));
        assert_eq!(config.store_prefix, "blue");
        assert_eq!(config.store_poll, std::time::Duration::from_millis(40));
        assert_eq!(config.store_lease, std::time::Duration::from_millis(5000));
        let memory = ["--store", "memory"].map(String::from);
        assert_eq!(parse(&memory).map(|(_, c)| c.store_url), Ok(None));
    }

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

    #[test]
    fn the_limit_flags_set_the_server_config() {
        let args: Vec<String> = [
            "--max-sessions",
            "5",
            "--max-connections",
            "6",
            "--max-authorization-bytes",
            "7",
            "--max-stream-backlog-bytes",
            "8",
            "--stream-max-age",
            "9",
            "--header-read-timeout",
            "10",
            "--body-read-timeout",
            "11",
            "--idle-timeout",
            "12",
            "--write-timeout",
            "0",
        ]
        .map(String::from)
        .into();
        let Ok((_, c)) = parse(&args) else { panic!("the flags parse") };
        let ms = std::time::Duration::from_millis;
        assert_eq!((c.max_sessions, c.max_connections), (5, 6));
        assert_eq!((c.max_authorization_bytes, c.max_stream_backlog_bytes), (7, 8));
        assert_eq!((c.stream_max_age, c.header_read_timeout), (ms(9), ms(10)));
        assert_eq!((c.body_read_timeout, c.idle_timeout, c.write_timeout), (ms(11), ms(12), ms(0)));
        assert!(parse(&["--max-sessions".into(), "many".into()]).is_err());
    }
}
