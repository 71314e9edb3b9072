//! Deterministic simulations of the requestor engine against the in-process receiver
//! behind a fake Streamable HTTP server, over a seeded network, on a virtual clock.
//! Nothing sleeps. A failing run prints its seed; `SIM_SEED=<n>` replays it and
//! `SIM_LOG=1` traces every request and event.

mod sim;

use mcp_tasks::client::{CallOutcome, ClientError, Engine, Failure, Protocol, TaskMode, ToolCall};
use serde_json::json;

use sim::SimRng;
use sim::endpoint::{Mode, Server, ServerConfig};
use sim::harness::{P, both, clean_world, config, engine, job, only_outcome, text, with_seed};
use sim::world::{CallRecord, HostConfig, NetConfig, World, args};

/// Thousands of tasks in one engine on a clean network, polled only (no notification
/// streams): every task ends once, completed, within ⌈D/P⌉ + 2 requests, and its result
/// reaches the host within a poll interval plus round trips of its completion.
#[test]
fn thousands_of_tasks_follow_the_poll_schedule() {
    for (mode, protocol) in both() {
        with_seed("thousands_polled", 7, |seed| {
            let mut cfg = ServerConfig::clean(mode);
            cfg.streams = false;
            let server = Server::new(cfg, seed);
            // The bounds below assume every request leaves when due: no cap on requests
            // in flight (tests/client_in_flight.rs covers the cap).
            let mut uncapped = config(protocol, seed);
            uncapped.max_in_flight = 0;
            let mut w = World::new(
                Engine::new(uncapped),
                server,
                NetConfig::clean(),
                HostConfig::default(),
                seed,
            );
            let mut rng = SimRng::new(seed);
            let n = 1000;
            for _ in 0..n {
                let ms = rng.range(300, 8000);
                let start = rng.range(0, 4000);
                w.call_at(start, job(ms));
            }
            assert!(w.run(600_000), "{mode:?}: not settled");
            let (mut worst_ratio_excess, mut total_req, mut total_bound) = (i64::MIN, 0u64, 0u64);
            let mut delays = Vec::new();
            for rec in w.calls.values() {
                let outcome = only_outcome(rec);
                let token = rec.token.as_deref().expect("became a task");
                assert_eq!(text(outcome), Some(format!("done {token}").as_str()), "{outcome:?}");
                let created = w.server.created()[token];
                let finished = w.server.finished()[token];
                let d = finished.0 - created.0;
                let bound = d.div_ceil(P) + 2;
                let requests = w.requests_of(rec);
                assert!(
                    requests <= bound,
                    "{mode:?}: {requests} requests for D={d} (bound {bound})"
                );
                worst_ratio_excess = worst_ratio_excess.max(requests as i64 - bound as i64);
                total_req += requests;
                total_bound += bound;
                let delay = rec.outcomes[0].0.0 - finished.0;
                // A poll interval, plus the latencies of the answer that was overtaken, of
                // the next poll's round trip and (2025-11-25) of tasks/result's.
                assert!(delay <= P + 5 * 30, "{mode:?}: result {delay} ms after completion");
                delays.push(delay);
            }
            delays.sort_unstable();
            eprintln!(
                "{mode:?} polled: {n} tasks, {} requests in all, task requests {total_req} vs Σ⌈D/P⌉+2 = {total_bound} (worst excess {worst_ratio_excess}), completion→result median {} ms, p99 {} ms, max {} ms",
                w.requests,
                delays[delays.len() / 2],
                delays[delays.len() * 99 / 100],
                delays[delays.len() - 1]
            );
        });
    }
}

/// The same with the notification streams on: notifications wake the engine early, so
/// results arrive sooner and with fewer polls.
#[test]
fn notifications_wake_the_loop_early() {
    for (mode, protocol) in both() {
        with_seed("thousands_notified", 11, |seed| {
            let mut w = clean_world(ServerConfig::clean(mode), protocol, seed);
            let mut rng = SimRng::new(seed);
            let n = 250;
            for _ in 0..n {
                let ms = rng.range(300, 8000);
                w.call_at(rng.range(0, 4000), job(ms));
            }
            assert!(w.run(600_000), "{mode:?}: not settled");
            let mut delays = Vec::new();
            let (mut total_req, mut total_bound) = (0, 0);
            for rec in w.calls.values() {
                let outcome = only_outcome(rec);
                assert!(matches!(outcome, CallOutcome::Completed(_)), "{outcome:?}");
                let token = rec.token.as_deref().unwrap();
                let (created, finished) = (w.server.created()[token], w.server.finished()[token]);
                let bound = (finished.0 - created.0).div_ceil(P) + 2;
                let requests = w.requests_of(rec);
                assert!(requests <= bound);
                total_req += requests;
                total_bound += bound;
                delays.push(rec.outcomes[0].0.0 - finished.0);
            }
            delays.sort_unstable();
            let median = delays[delays.len() / 2];
            assert!(
                median < P / 2,
                "{mode:?}: notifications should beat polling (median {median} ms)"
            );
            eprintln!(
                "{mode:?} notified: {n} tasks, {} requests in all, task requests {total_req} vs Σ⌈D/P⌉+2 = {total_bound}, completion→result median {median} ms, max {} ms",
                w.requests,
                delays[delays.len() - 1]
            );
        });
    }
}

/// What a call in the mixed workload asked for.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Done,
    ToolError,
    RpcError,
    Input,
    Plain,
    Echo,
    Required,
}

fn mixed_call(kind: Kind, ms: u64) -> ToolCall {
    match kind {
        Kind::Done => job(ms),
        Kind::ToolError => ToolCall::new("job", args(json!({"ms": ms, "fail": "tool"}))),
        Kind::RpcError => ToolCall::new("job", args(json!({"ms": ms, "fail": "rpc"}))),
        Kind::Input => ToolCall::new("job", args(json!({"ms": ms, "input": true, "steps": 2}))),
        Kind::Plain => job(ms).mode(TaskMode::Plain),
        Kind::Echo => ToolCall::new("echo", None),
        Kind::Required => ToolCall::new("must_task", args(json!({"ms": ms, "steps": 3}))),
    }
}

/// Checks an outcome against what the call asked for, allowing what the faults can cause.
fn check_outcome(kind: Kind, rec: &CallRecord, faults: bool) {
    let outcome = only_outcome(rec);
    if rec.cancelled_by_host {
        // A cancel can lose the race with the end of the call.
        if matches!(outcome, CallOutcome::Cancelled { .. }) {
            return;
        }
    }
    let ok = match (kind, outcome) {
        (Kind::Done | Kind::Input | Kind::Plain | Kind::Required, CallOutcome::Completed(r)) => {
            r.content[0]["text"].as_str().is_some_and(|t| t.starts_with("done"))
        }
        (Kind::Echo, CallOutcome::Completed(r)) => {
            r.content[0]["text"].as_str().is_some_and(|t| t.starts_with("echo"))
        }
        (Kind::ToolError, CallOutcome::Failed(Failure::Tool(r))) => r.is_error(),
        (Kind::RpcError, CallOutcome::Failed(Failure::Rpc(e))) => e.message.starts_with("boom"),
        // Retries can run out on a bad enough network.
        (_, CallOutcome::Error(e)) if faults => matches!(
            e,
            ClientError::Transport { .. }
                | ClientError::Timeout { .. }
                | ClientError::ServerUnavailable { .. }
                | ClientError::RateLimited { .. }
                | ClientError::MissingResponse { .. }
        ),
        _ => false,
    };
    assert!(
        ok,
        "{kind:?}: unexpected outcome {outcome:?} (host cancelled: {})",
        rec.cancelled_by_host
    );
}

fn mixed_workload(
    w: &mut World,
    rng: &mut SimRng,
    n: usize,
) -> Vec<(mcp_tasks::client::CallId, Kind)> {
    let kinds = [
        Kind::Done,
        Kind::Done,
        Kind::ToolError,
        Kind::RpcError,
        Kind::Input,
        Kind::Plain,
        Kind::Echo,
        Kind::Required,
    ];
    let mut made = Vec::new();
    for i in 0..n {
        let kind = kinds[rng.range(0, kinds.len() as u64 - 1) as usize];
        let ms = rng.range(200, 5000);
        w.labelled_call_at(rng.range(0, 3000), mixed_call(kind, ms), i as u64);
        made.push(kind);
    }
    if !w.run(1_200_000) {
        let open: Vec<_> = w
            .calls
            .iter()
            .filter(|(_, c)| c.outcomes.is_empty())
            .map(|(id, c)| (*id, made[c.label as usize], c.task.clone()))
            .collect();
        panic!(
            "not settled at {}: {} of {} calls open: {open:?}",
            w.now.0,
            open.len(),
            w.calls.len()
        );
    }
    w.calls.iter().map(|(id, rec)| (*id, made[rec.label as usize])).collect()
}

/// A hostile network and an overloaded server: drops before and after the server acts,
/// silent losses, cut SSE streams, 5xx, 429 with Retry-After, SSE bodies split into tiny
/// chunks, reordering across exchanges, host cancels. Every call still ends exactly once,
/// with the outcome it asked for (or a transport error once retries run out).
#[test]
fn faulty_network_every_call_ends_once() {
    for (mode, protocol) in both() {
        for default_seed in [21, 22, 23] {
            with_seed("faulty", default_seed, |seed| {
                let mut cfg = ServerConfig::clean(mode);
                cfg.sse_rate = 0.5;
                cfg.fail_5xx = 0.04;
                cfg.rate_429 = 0.02;
                let server = Server::new(cfg, seed);
                let host = HostConfig { think: (20, 1500), cancel: 0.1 };
                let mut w =
                    World::new(engine(protocol, seed), server, NetConfig::faulty(), host, seed);
                let mut rng = SimRng::new(seed ^ 0xabc);
                let calls = mixed_workload(&mut w, &mut rng, 120);
                let mut errors = 0;
                for (id, kind) in &calls {
                    let rec = &w.calls[id];
                    check_outcome(*kind, rec, true);
                    errors += usize::from(matches!(rec.outcomes[0].1, CallOutcome::Error(_)));
                }
                assert!(errors * 20 <= calls.len(), "{errors} of {} calls gave up", calls.len());
                eprintln!(
                    "{mode:?} faulty seed {seed}: {} calls, {} requests, {} given up, {} violations, {} inputs answered, {} progress events",
                    calls.len(),
                    w.requests,
                    errors,
                    w.violations.len(),
                    w.inputs_answered,
                    w.progress_events
                );
            });
        }
    }
}

/// Everything at once: the faulty network, an overloaded server, sessions dropped at
/// random and a restart. Calls whose task the server forgot may be reported lost; every
/// call still ends exactly once.
#[test]
fn chaos_every_call_ends_exactly_once() {
    for (mode, protocol) in both() {
        with_seed("chaos", 131, |seed| {
            let mut cfg = ServerConfig::clean(mode);
            cfg.sse_rate = 0.5;
            cfg.fail_5xx = 0.05;
            cfg.rate_429 = 0.03;
            cfg.durable = seed % 2 == 0;
            let server = Server::new(cfg, seed);
            let host = HostConfig { think: (20, 1500), cancel: 0.1 };
            let mut w = World::new(engine(protocol, seed), server, NetConfig::faulty(), host, seed);
            let mut rng = SimRng::new(seed ^ 0xc4a05);
            for _ in 0..3 {
                w.drop_session_at(rng.range(500, 6000));
            }
            w.restart_at(rng.range(1000, 5000));
            let calls = mixed_workload(&mut w, &mut rng, 120);
            let mut lost = 0;
            for (id, kind) in &calls {
                let rec = &w.calls[id];
                if matches!(only_outcome(rec), CallOutcome::Error(ClientError::TaskLost { .. })) {
                    lost += 1;
                    continue;
                }
                check_outcome(*kind, rec, true);
            }
            eprintln!(
                "{mode:?} chaos seed {seed}: {} calls, {} requests, {lost} lost, {} sessions",
                calls.len(),
                w.requests,
                w.connected
            );
        });
    }
}

/// The same workload on a clean network gives exactly the asked-for outcomes.
#[test]
fn mixed_workload_clean() {
    for (mode, protocol) in both() {
        with_seed("mixed_clean", 5, |seed| {
            let mut cfg = ServerConfig::clean(mode);
            cfg.sse_rate = 0.3;
            let mut w = clean_world(cfg, protocol, seed);
            let mut rng = SimRng::new(seed);
            let calls = mixed_workload(&mut w, &mut rng, 200);
            for (id, kind) in &calls {
                check_outcome(*kind, &w.calls[id], false);
            }
            assert!(w.violations.is_empty(), "{:?}", w.violations);
            assert!(w.inputs_answered > 0, "{mode:?}: no input answered");
            assert!(w.progress_events > 0 || mode == Mode::Extension, "no progress");
        });
    }
}

/// A 2025-11-25 session lost mid-flight: the engine starts a new session; tasks bound to
/// the old one are reported lost, calls made afterwards complete.
#[test]
fn legacy_session_loss_starts_a_new_session_and_reports_tasks_lost() {
    with_seed("session_loss", 31, |seed| {
        let mut w = clean_world(ServerConfig::clean(Mode::Legacy), Protocol::Legacy, seed);
        for i in 0..20 {
            w.call_at(i * 10, job(5000));
        }
        w.drop_session_at(2000);
        for i in 0..10 {
            w.call_at(3000 + i * 10, job(1000));
        }
        assert!(w.run(120_000));
        assert_eq!(w.connected, 2, "one new session");
        let (mut lost, mut done) = (0, 0);
        for rec in w.calls.values() {
            match only_outcome(rec) {
                CallOutcome::Error(ClientError::TaskLost { .. }) => lost += 1,
                CallOutcome::Completed(_) => done += 1,
                other => panic!("{other:?}"),
            }
        }
        assert_eq!((lost, done), (20, 10));
    });
}

/// Same seed, same run: the simulation (and so the engine) is deterministic.
#[test]
fn runs_are_reproducible() {
    let run = |seed| {
        let mut cfg = ServerConfig::clean(Mode::Legacy);
        cfg.sse_rate = 0.5;
        cfg.fail_5xx = 0.05;
        let server = Server::new(cfg, seed);
        let mut w = World::new(
            engine(Protocol::Legacy, seed),
            server,
            NetConfig::faulty(),
            HostConfig::default(),
            seed,
        );
        let mut rng = SimRng::new(seed);
        let _ = mixed_workload(&mut w, &mut rng, 40);
        let outcomes: Vec<String> = w.calls.values().map(|c| format!("{:?}", c.outcomes)).collect();
        (w.requests, w.now, outcomes)
    };
    assert_eq!(run(3), run(3));
}
