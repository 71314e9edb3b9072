//! A load generator for `mcp-tasks serve` on loopback (`scripts/load.sh` builds and runs
//! both). Cohorts run at once until the deadline: task creators (`build_report` tasks,
//! both generations), pollers (`tasks/get`), slow readers (GET streams, held
//! `tasks/result`, `subscriptions/listen`, read slowly or not at all), slowloris
//! connections, oversize requests, and normal clients calling `roll_dice` whose latency
//! is the figure of merit. Then every created task's result is fetched. Prints a table;
//! exits 1 when a task was lost or a normal client or creator failed.
//!
//! ```text
//! load --addr 127.0.0.1:PORT [--pid PID] [--secs 90] [--tasks 10000] [--owners 20]
//!      [--pollers 50] [--poll-gap-ms 20] [--slow 30] [--slowloris 50] [--oversize 2]
//!      [--normal 10] [--normal-gap-ms 20] [--max-body 1048576] [--drain-secs 60]
//!      [--stop 1]   (SIGTERM to --pid at the end, with the rude connections still open)
//! ```

mod http;
mod polite;
mod rude;
mod stats;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http::{Conn, Owner};
use polite::{Fetched, Run};
use rude::Stream;
use stats::{Cohort, mib, rss_kib};

/// What to run.
struct Args {
    addr: SocketAddr,
    pid: Option<u32>,
    secs: u64,
    tasks: usize,
    owners: usize,
    pollers: usize,
    poll_gap: Duration,
    slow: usize,
    slowloris: usize,
    oversize: usize,
    normal: usize,
    normal_gap: Duration,
    max_body: usize,
    drain_secs: u64,
    /// Stop the server (SIGTERM to `pid`) at the end, with the rude connections still
    /// open, and time how long it takes.
    stop: bool,
}

fn parse() -> Result<Args, String> {
    let mut flags = BTreeMap::new();
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        flags.insert(flag.trim_start_matches("--").to_owned(), value);
    }
    let num = |name: &str, default: u64| -> Result<u64, String> {
        flags.get(name).map_or(Ok(default), |v| v.parse().map_err(|_| format!("--{name}: {v}")))
    };
    let addr = flags.get("addr").ok_or("--addr is needed")?;
    Ok(Args {
        addr: addr.parse().map_err(|_| format!("--addr: {addr}"))?,
        pid: flags.get("pid").and_then(|p| p.parse().ok()),
        secs: num("secs", 90)?,
        tasks: num("tasks", 10_000)? as usize,
        owners: num("owners", 20)?.max(2) as usize,
        pollers: num("pollers", 50)? as usize,
        poll_gap: Duration::from_millis(num("poll-gap-ms", 20)?),
        slow: num("slow", 30)? as usize,
        slowloris: num("slowloris", 50)? as usize,
        oversize: num("oversize", 2)? as usize,
        normal: num("normal", 10)? as usize,
        normal_gap: Duration::from_millis(num("normal-gap-ms", 20)?),
        max_body: num("max-body", 1024 * 1024)? as usize,
        drain_secs: num("drain-secs", 60)?,
        stop: num("stop", 0)? != 0,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("load: {e}");
            return ExitCode::from(2);
        }
    };
    // Every wait below is bounded; this bounds their sum too, so that a mistake here
    // cannot hang the script.
    let most = Duration::from_secs(args.secs + args.drain_secs + 120);
    match tokio::time::timeout(most, run(args)).await {
        Ok(code) => code,
        Err(_) => {
            println!("FAILED: the load run did not finish in {} s", most.as_secs());
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> ExitCode {
    let start_rss = args.pid.and_then(rss_kib);
    // Half the owners are 2025-11-25 sessions, half 2026-07-28 bearer tokens, so that no
    // owner goes past the server's per-owner limit of live tasks.
    let mut owners = Vec::new();
    let mut setup = Conn::new(args.addr);
    for i in 0..args.owners {
        if i % 2 == 0 {
            match setup.open_session().await {
                Ok(owner) => owners.push(owner),
                Err(e) => {
                    eprintln!("load: cannot open a session: {e}");
                    return ExitCode::FAILURE;
                }
            }
        } else {
            owners.push(Owner::Ext(format!("creator-{i}")));
        }
    }
    let deadline = Instant::now() + Duration::from_secs(args.secs);
    let run = Arc::new(Run::new(args.addr, deadline));
    let create = Arc::new(Cohort::new("create tasks", args.owners));
    let poll = Arc::new(Cohort::new("poll tasks/get", args.pollers));
    let normal = Arc::new(Cohort::new("normal roll_dice", args.normal));
    let slow = Arc::new(Cohort::new("slow readers", args.slow));
    let loris = Arc::new(Cohort::new("slowloris", args.slowloris));
    let big = Arc::new(Cohort::new("oversize", args.oversize));

    let peak_rss = Arc::new(AtomicU64::new(0));
    if let Some(pid) = args.pid {
        let peak = peak_rss.clone();
        tokio::spawn(async move {
            while let Some((now, _)) = rss_kib(pid) {
                peak.fetch_max(now, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        });
    }

    let mut creators = Vec::new();
    for (i, owner) in owners.iter().enumerate() {
        let count = args.tasks / args.owners + usize::from(i < args.tasks % args.owners);
        creators.push(tokio::spawn(polite::create(
            run.clone(),
            owner.clone(),
            count,
            create.clone(),
        )));
    }
    let mut polite_work = Vec::new();
    for i in 0..args.pollers {
        polite_work.push(tokio::spawn(polite::poll(run.clone(), i, args.poll_gap, poll.clone())));
    }
    for i in 0..args.normal {
        let n = normal.clone();
        polite_work.push(tokio::spawn(polite::normal(run.clone(), i, args.normal_gap, n)));
    }
    let lorises: Vec<_> = (0..args.slowloris)
        .map(|_| tokio::spawn(rude::slowloris(args.addr, deadline, loris.clone())))
        .collect();
    let refusals = Arc::new(Mutex::new(BTreeMap::new()));
    for _ in 0..args.oversize {
        let (seen, b) = (refusals.clone(), big.clone());
        let gap = Duration::from_millis(200);
        polite_work.push(tokio::spawn(rude::oversize(
            args.addr,
            args.max_body,
            gap,
            deadline,
            seen,
            b,
        )));
    }

    for c in creators {
        let _ = c.await;
    }
    create.end();
    let created_at = deadline.saturating_duration_since(Instant::now());
    // The slow readers follow live tasks, so they start once the tasks exist.
    let slow_readers = start_slow_readers(&args, &run, &owners, deadline, &slow);

    for w in polite_work {
        let _ = w.await;
    }
    poll.end();
    normal.end();
    big.end();
    let mut slow_closed = 0;
    let mut slow_bytes = 0;
    // Connections the server still holds, kept open until it is stopped.
    let mut held_open = Vec::new();
    for s in slow_readers {
        if let Ok(end) = s.await {
            slow_closed += usize::from(end.closed);
            slow_bytes += end.bytes;
            held_open.extend(end.open);
        }
    }
    slow.end();
    let open_slow = held_open.len();
    let mut closed_after = Vec::new();
    for l in lorises {
        match l.await {
            Ok(rude::Loris::LetGo(secs)) => closed_after.push(secs),
            Ok(rude::Loris::Open(stream)) => held_open.push(stream),
            _ => {}
        }
    }
    loris.end();
    let open_loris = held_open.len() - open_slow;
    let rss_after_load = args.pid.and_then(rss_kib);

    let fetch = Arc::new(Cohort::new("final fetch", args.owners * 4));
    let fetched = fetch_all(&args, &run, &fetch).await;
    fetch.end();
    let end_rss = args.pid.and_then(rss_kib);
    let stopped = match args.pid {
        Some(pid) if args.stop => Some(rude::stop_server(pid).await),
        _ => None,
    };
    drop(held_open);

    slow.set_note(format!(
        "{} streams (GET, held tasks/result, listen; half never read): {slow_closed} closed by \
         the server, {} still open at the end; {:.1} MiB read",
        args.slow,
        args.slow.saturating_sub(slow_closed),
        slow_bytes as f64 / 1_048_576.0
    ));
    loris.set_note(slowloris_note(args.slowloris, &closed_after, args.secs));
    big.set_note(
        refusals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    let created = run.tasks().len();
    create.set_note(format!(
        "{created} live tasks created ({} s before the deadline)",
        created_at.as_secs()
    ));
    let statuses: Vec<String> = fetched.statuses.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    fetch.set_note(statuses.join(", "));

    println!("| cohort | clients | requests | req/s | p50 ms | p99 ms | errors | what happened |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    for c in [&create, &poll, &normal, &slow, &loris, &big, &fetch] {
        println!("{}", c.row());
    }
    println!();
    if let Some(pid) = args.pid {
        let peak = peak_rss.load(Ordering::Relaxed);
        let show = |r: Option<(u64, u64)>| r.map_or("-".into(), |(now, _)| mib(now));
        println!(
            "server RSS (pid {pid}): start {}, after the load {}, end {}, peak {} (sampled; \
             VmHWM {})",
            show(start_rss),
            show(rss_after_load),
            show(end_rss),
            mib(peak),
            end_rss.map_or("-".into(), |(_, hwm)| mib(hwm)),
        );
    }
    let lost = (created as u64).saturating_sub(fetched.results);
    println!("tasks: {created} created, {} results fetched, {lost} lost", fetched.results);
    match stopped {
        Some(Some(secs)) => println!(
            "server stopped on SIGTERM in {secs:.2} s, with {open_loris} slowloris and \
             {open_slow} slow-reader connections still open"
        ),
        Some(None) => {
            println!("FAILED: the server was gone before the stop, or did not stop in 30 s")
        }
        None => {}
    }
    let failed = lost > 0 || normal.errors() > 0 || create.errors() > 0 || created < args.tasks;
    if failed || matches!(stopped, Some(None)) {
        println!(
            "FAILED: tasks lost, normal clients or creators failed, or the server did not stop"
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// Starts the slow readers, cycling through the kinds of stream: each GET stream on its
/// own 2025-11-25 creator session (a second one would replace the first), held
/// `tasks/result` on live tasks, `listen` on 50 of a 2026-07-28 owner's tasks.
fn start_slow_readers(
    args: &Args,
    run: &Arc<Run>,
    owners: &[Owner],
    deadline: Instant,
    stats: &Arc<Cohort>,
) -> Vec<tokio::task::JoinHandle<rude::SlowEnd>> {
    let tasks = run.tasks();
    let sessions: Vec<&Owner> = owners.iter().filter(|o| matches!(o, Owner::Legacy(_))).collect();
    let of = |owner: &Owner, skip: usize, n: usize| -> Vec<String> {
        let mine = tasks.iter().filter(|(o, _)| same(o, owner)).map(|(_, id)| id.clone());
        mine.skip(skip).take(n).collect()
    };
    let mut handles = Vec::new();
    for i in 0..args.slow {
        let owner = owners[i % owners.len()].clone();
        let (kind, owner, ids) = match (i % 3, &owner) {
            (0, _) if i / 3 < sessions.len() => (Stream::Get, sessions[i / 3].clone(), Vec::new()),
            (_, Owner::Ext(_)) => (Stream::Listen, owner.clone(), of(&owner, i, 50)),
            _ => (Stream::Held, owner.clone(), of(&owner, i, 1)),
        };
        let never = i % 2 == 0;
        let s = stats.clone();
        handles
            .push(tokio::spawn(rude::slow_reader(args.addr, kind, owner, ids, never, deadline, s)));
    }
    handles
}

fn same(a: &Owner, b: &Owner) -> bool {
    match (a, b) {
        (Owner::Legacy(x), Owner::Legacy(y)) | (Owner::Ext(x), Owner::Ext(y)) => x == y,
        _ => false,
    }
}

/// Fetches every task's result, four connections per owner.
async fn fetch_all(args: &Args, run: &Arc<Run>, stats: &Arc<Cohort>) -> Fetched {
    let until = Instant::now() + Duration::from_secs(args.drain_secs);
    let tasks = run.tasks();
    let mut handles = Vec::new();
    for lane in 0..args.owners * 4 {
        let mine: Vec<_> = tasks.iter().skip(lane).step_by(args.owners * 4).cloned().collect();
        handles.push(tokio::spawn(polite::fetch(args.addr, mine, until, stats.clone())));
    }
    let mut all = Fetched::default();
    for h in handles {
        if let Ok(f) = h.await {
            all.results += f.results;
            for (k, v) in f.statuses {
                *all.statuses.entry(k).or_default() += v;
            }
        }
    }
    all
}

/// What the server did with the slowloris connections.
fn slowloris_note(total: usize, closed_after: &[f64], secs: u64) -> String {
    if closed_after.is_empty() {
        return format!("0 of {total} closed by the server: all still open after {secs} s");
    }
    let mut sorted = closed_after.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    format!(
        "{} of {total} closed by the server (median after {median:.1} s), {} still open after \
         {secs} s",
        sorted.len(),
        total - sorted.len()
    )
}
