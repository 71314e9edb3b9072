//! Deterministic simulations of what each generation promises the host: a server restart
//! with and without a durable store, `Protocol::Auto`, resuming from a reference, input,
//! cancel, deadlines and TTL, progress. Same harness as `client_sim.rs`: nothing sleeps;
//! `SIM_SEED=<n>` replays a failing run and `SIM_LOG=1` traces it.

mod sim;

use mcp_tasks::client::{CallOutcome, ClientError, Engine, ExpiryReason, Protocol, ToolCall};
use mcp_tasks::task::Generation;
use serde_json::json;

use sim::endpoint::{Mode, Server, ServerConfig};
use sim::harness::{both, clean_world, config, engine, job, only_outcome, text, with_seed};
use sim::world::{HostConfig, NetConfig, World, args};

/// A restart with a durable store keeps extension tasks (no sessions to lose); without
/// one the tasks are reported lost. 2025-11-25 tasks belong to their session and are lost
/// either way.
#[test]
fn server_restart_durable_or_not() {
    for (mode, protocol) in both() {
        for durable in [true, false] {
            with_seed("restart", 41, |seed| {
                let mut cfg = ServerConfig::clean(mode);
                cfg.durable = durable;
                let mut w = clean_world(cfg, protocol, seed);
                for i in 0..30 {
                    w.call_at(i * 20, job(4000));
                }
                w.restart_at(2000);
                assert!(w.run(120_000), "{mode:?} durable={durable}");
                let survive = durable && mode == Mode::Extension;
                for rec in w.calls.values() {
                    match (only_outcome(rec), survive) {
                        (CallOutcome::Completed(_), true) => {}
                        (CallOutcome::Error(ClientError::TaskLost { .. }), false) => {}
                        (other, _) => panic!("{mode:?} durable={durable}: {other:?}"),
                    }
                }
            });
        }
    }
}

/// `Protocol::Auto` probes with `server/discover`, falls back to `initialize` on a
/// 2025-11-25 server per the dual-era rules, and remembers the answer per endpoint so the
/// next engine does not probe.
#[test]
fn auto_detects_and_remembers_the_generation() {
    with_seed("auto", 51, |seed| {
        for (mode, want) in [
            (Mode::Legacy, Generation::Legacy),
            (Mode::Dual, Generation::Extension),
            (Mode::Extension, Generation::Extension),
        ] {
            let mut w = clean_world(ServerConfig::clean(mode), Protocol::Auto, seed);
            let id = w.call_now(job(1000));
            assert!(w.run(60_000));
            assert!(matches!(only_outcome(&w.calls[&id]), CallOutcome::Completed(_)));
            assert_eq!(w.engine.generation(), Some(want), "{mode:?}");
            let memory = w.engine.endpoint_memory().to_json();

            let mut again = config(Protocol::Auto, seed);
            again.memory = mcp_tasks::client::EndpointMemory::from_json(&memory).unwrap();
            let server = Server::new(ServerConfig::clean(mode), seed);
            let mut w2 = World::new(
                Engine::new(again),
                server,
                NetConfig::clean(),
                HostConfig::default(),
                seed,
            );
            let id = w2.call_now(job(1000));
            assert!(w2.run(60_000));
            assert!(matches!(only_outcome(&w2.calls[&id]), CallOutcome::Completed(_)));
            assert!(
                w2.requests < w.requests || mode != Mode::Legacy,
                "{mode:?}: remembered, no probe"
            );
        }
    });
}

/// A task reference outlives its engine: a new engine resumes following the task.
#[test]
fn resume_from_a_reference_in_a_new_engine() {
    for (mode, protocol) in both() {
        with_seed("resume", 61, |seed| {
            let mut w = clean_world(ServerConfig::clean(mode), protocol, seed);
            let id = w.call_now(ToolCall::new("job", args(json!({"ms": 4000, "steps": 2}))));
            // Run until the task exists, then throw the engine away.
            while w.calls[&id].task.is_none() {
                assert!(!w.run(50));
            }
            let reference = w.engine.reference(id).unwrap();
            let text = reference.to_json();
            let reference = mcp_tasks::client::TaskReference::from_json(&text).unwrap();
            w.replace_engine(engine(protocol, seed + 1));
            w.forget_calls();
            let resumed = w.engine.resume(w.now, reference, None).unwrap();
            w.track(resumed);
            w.pump();
            assert!(w.run(60_000), "{mode:?}");
            let outcome = only_outcome(&w.calls[&resumed]);
            assert!(text_of(outcome).starts_with("done"), "{mode:?}: {outcome:?}");
        });
    }
}

fn text_of(outcome: &CallOutcome) -> String {
    text(outcome).unwrap_or_default().to_owned()
}

/// Input: 2025-11-25 elicitation through the held `tasks/result` stream, extension
/// `inputRequests` through `tasks/update`, and a multi-round `tools/call` that asks before
/// it creates its task.
#[test]
fn input_requests_reach_the_host_and_answers_reach_the_task() {
    for (mode, protocol) in both() {
        with_seed("input", 71, |seed| {
            let mut w = clean_world(ServerConfig::clean(mode), protocol, seed);
            let a = w.call_now(ToolCall::new("job", args(json!({"ms": 2000, "input": true}))));
            let b = w.call_now(ToolCall::new("ask_first", args(json!({"ms": 500}))));
            assert!(w.run(60_000));
            for id in [a, b] {
                let outcome = only_outcome(&w.calls[&id]);
                assert!(text_of(outcome).starts_with("done"), "{mode:?}: {outcome:?}");
            }
            let want = if mode == Mode::Extension { 2 } else { 1 };
            assert_eq!(w.inputs_answered, want, "{mode:?}");
        });
    }
}

/// Cancel: a running task ends cancelled; a cancel that loses the race with completion
/// (2025-11-25 answers -32602) still yields the real outcome; cancelling twice is fine.
#[test]
fn cancel_semantics_per_generation() {
    for (mode, protocol) in both() {
        with_seed("cancel", 81, |seed| {
            let mut w = clean_world(ServerConfig::clean(mode), protocol, seed);
            let long = w.call_now(job(10_000));
            let short = w.call_now(job(300));
            while w.calls[&long].task.is_none() || w.server.finished().is_empty() {
                assert!(!w.run(20));
            }
            // `short` finished on the server; its result may not have reached the host yet.
            let now = w.now;
            w.engine.cancel(now, long).unwrap();
            w.engine.cancel(now, long).unwrap();
            let _ = w.engine.cancel(now, short);
            w.pump();
            assert!(w.run(60_000));
            assert!(
                matches!(only_outcome(&w.calls[&long]), CallOutcome::Cancelled { .. }),
                "{mode:?}"
            );
            let s = only_outcome(&w.calls[&short]);
            assert!(
                matches!(s, CallOutcome::Completed(_) | CallOutcome::Cancelled { .. }),
                "{mode:?}: {s:?}"
            );
            assert!(matches!(w.engine.cancel(w.now, long), Err(ClientError::CallFinished { .. })));
        });
    }
}

/// Deadlines: the caller's deadline and the task's TTL (plus grace) stop the following.
#[test]
fn deadlines_and_ttl_end_the_following() {
    for (mode, protocol) in both() {
        with_seed("deadline", 91, |seed| {
            let mut cfg = ServerConfig::clean(mode);
            cfg.default_ttl_ms = 3000;
            let server = Server::new(cfg, seed);
            let mut c = config(protocol, seed);
            c.ttl_grace_ms = 1000;
            let mut w =
                World::new(Engine::new(c), server, NetConfig::clean(), HostConfig::default(), seed);
            let deadline = w.now.saturating_add(2000);
            let a = w.call_now(job(60_000).deadline(deadline));
            let b = w.call_now(job(60_000));
            assert!(w.run(120_000));
            let a_out = only_outcome(&w.calls[&a]);
            assert!(
                matches!(a_out, CallOutcome::Expired(ExpiryReason::Deadline)),
                "{mode:?}: {a_out:?}"
            );
            assert!(w.calls[&a].outcomes[0].0 <= deadline.saturating_add(1));
            let b_out = only_outcome(&w.calls[&b]);
            assert!(
                matches!(b_out, CallOutcome::Expired(ExpiryReason::Ttl)),
                "{mode:?}: {b_out:?}"
            );
        });
    }
}

/// Progress and status messages of a 2025-11-25 task reach the host with its token.
#[test]
fn progress_and_status_messages_reach_the_host() {
    with_seed("progress", 101, |seed| {
        let mut w = clean_world(ServerConfig::clean(Mode::Legacy), Protocol::Legacy, seed);
        let id = w.call_now(ToolCall::new("job", args(json!({"ms": 3000, "steps": 4}))));
        assert!(w.run(60_000));
        assert!(matches!(only_outcome(&w.calls[&id]), CallOutcome::Completed(_)));
        assert_eq!(w.progress_events, 4);
        assert!(w.status_events >= 4, "{}", w.status_events);
    });
}
