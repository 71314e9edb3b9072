//! The well-behaved cohorts: task creators, pollers, clients calling a tool, and the
//! final fetch of every task's result.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::http::{Conn, Owner, Reply};
use crate::stats::Cohort;

/// The tasks created so far, and until when the cohorts run.
pub struct Run {
    pub addr: SocketAddr,
    pub deadline: Instant,
    tasks: Mutex<Vec<(Owner, String)>>,
}

impl Run {
    pub fn new(addr: SocketAddr, deadline: Instant) -> Self {
        Self { addr, deadline, tasks: Mutex::new(Vec::new()) }
    }

    fn add(&self, owner: Owner, id: String) {
        self.tasks.lock().unwrap_or_else(|e| e.into_inner()).push((owner, id));
    }

    /// The `k`th created task, wrapping around.
    fn pick(&self, k: usize) -> Option<(Owner, String)> {
        let tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
        if tasks.is_empty() { None } else { Some(tasks[k % tasks.len()].clone()) }
    }

    /// Every created task.
    pub fn tasks(&self) -> Vec<(Owner, String)> {
        self.tasks.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn running(&self) -> bool {
        Instant::now() < self.deadline
    }
}

/// A reply's JSON-RPC error or status, short, for an error sample.
fn why(reply: &Reply) -> String {
    let mut s = format!("{} {}", reply.status, reply.body.get("error").unwrap_or(&reply.body));
    s.truncate(120);
    s
}

/// Creates `count` `build_report` tasks for `owner`, one after another.
pub async fn create(run: Arc<Run>, owner: Owner, count: usize, stats: Arc<Cohort>) {
    let mut conn = Conn::new(run.addr);
    for _ in 0..count {
        let mut params = json!({"name": "build_report", "arguments": {"sections": 4}});
        if let Owner::Legacy(_) = owner {
            params["task"] = json!({"ttl": 3_600_000});
        }
        let t = Instant::now();
        match conn.call(&owner, "tools/call", Some("build_report"), params).await {
            Ok(reply) => match reply.result().and_then(|r| owner.created_task(r)) {
                Some(id) => {
                    stats.ok(t.elapsed());
                    run.add(owner.clone(), id);
                }
                None => stats.error(why(&reply)),
            },
            Err(e) => stats.error(e),
        }
    }
}

/// Asks `tasks/get` about created tasks in turn, `gap` apart, until the deadline.
pub async fn poll(run: Arc<Run>, i: usize, gap: Duration, stats: Arc<Cohort>) {
    let mut conn = Conn::new(run.addr);
    let mut k = i;
    while run.running() {
        let Some((owner, id)) = run.pick(k) else {
            tokio::time::sleep(gap).await;
            continue;
        };
        k = k.wrapping_add(7919);
        let t = Instant::now();
        match conn.call(&owner, "tasks/get", Some(&id), json!({"taskId": id})).await {
            Ok(reply) if reply.result().is_some_and(|r| r["status"].is_string()) => {
                stats.ok(t.elapsed())
            }
            Ok(reply) => stats.error(why(&reply)),
            Err(e) => stats.error(e),
        }
        tokio::time::sleep(gap).await;
    }
}

/// Calls `roll_dice` plainly, `gap` apart, until the deadline: a 2025-11-25 session for
/// even `i`, a 2026-07-28 caller for odd.
pub async fn normal(run: Arc<Run>, i: usize, gap: Duration, stats: Arc<Cohort>) {
    let mut conn = Conn::new(run.addr);
    let owner = if i % 2 == 0 {
        match conn.open_session().await {
            Ok(owner) => owner,
            Err(e) => return stats.error(e),
        }
    } else {
        Owner::Ext(format!("normal-{i}"))
    };
    while run.running() {
        let params = json!({"name": "roll_dice", "arguments": {"count": 2}});
        let t = Instant::now();
        match conn.call(&owner, "tools/call", Some("roll_dice"), params).await {
            Ok(reply)
                if reply.result().is_some_and(|r| {
                    r["content"].is_array() && r.get("isError") != Some(&Value::Bool(true))
                }) =>
            {
                stats.ok(t.elapsed())
            }
            Ok(reply) => stats.error(why(&reply)),
            Err(e) => stats.error(e),
        }
        tokio::time::sleep(gap).await;
    }
}

/// How the final fetch went.
#[derive(Default)]
pub struct Fetched {
    /// Tasks whose result came back.
    pub results: u64,
    /// Tasks by the status they ended in (or why nothing came).
    pub statuses: BTreeMap<String, u64>,
}

/// Waits for each of `tasks` to end (until `until`) and fetches its result: `tasks/result`
/// for 2025-11-25, the inline result of `tasks/get` for 2026-07-28.
pub async fn fetch(
    addr: SocketAddr,
    tasks: Vec<(Owner, String)>,
    until: Instant,
    stats: Arc<Cohort>,
) -> Fetched {
    let mut conn = Conn::new(addr);
    let mut out = Fetched::default();
    for (owner, id) in tasks {
        let status = loop {
            let t = Instant::now();
            let got = conn.call(&owner, "tasks/get", Some(&id), json!({"taskId": id})).await;
            let reply = match got {
                Ok(reply) => reply,
                Err(e) => {
                    stats.error(e);
                    break "unreachable".to_owned();
                }
            };
            let Some(result) = reply.result() else {
                stats.error(why(&reply));
                break "not found".to_owned();
            };
            stats.ok(t.elapsed());
            let status = result["status"].as_str().unwrap_or("?").to_owned();
            if !matches!(status.as_str(), "working" | "input_required") {
                if let Owner::Ext(_) = owner {
                    out.results += u64::from(result["result"]["content"].is_array());
                }
                break status;
            }
            if Instant::now() >= until {
                break format!("still {status}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        if let (Owner::Legacy(_), "completed" | "failed" | "cancelled") = (&owner, status.as_str())
        {
            let t = Instant::now();
            match conn.call(&owner, "tasks/result", Some(&id), json!({"taskId": id})).await {
                Ok(reply) if reply.result().is_some_and(|r| r["content"].is_array()) => {
                    stats.ok(t.elapsed());
                    out.results += 1;
                }
                Ok(reply) => stats.error(why(&reply)),
                Err(e) => stats.error(e),
            }
        }
        *out.statuses.entry(status).or_default() += 1;
    }
    out
}
