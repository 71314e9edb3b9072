//! What the load generator counts: requests, errors and latencies per cohort, notes the
//! misbehaving cohorts write, and the server's resident memory.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// One cohort's tally.
pub struct Cohort {
    pub name: &'static str,
    pub clients: usize,
    requests: AtomicU64,
    errors: AtomicU64,
    /// Latencies of successful requests, in microseconds.
    latencies: Mutex<Vec<u32>>,
    /// The first few errors, to print.
    samples: Mutex<Vec<String>>,
    /// What the cohort saw that has no latency (connections closed, statuses).
    pub note: Mutex<String>,
    started: Instant,
    ended: Mutex<Option<Instant>>,
}

impl Cohort {
    pub fn new(name: &'static str, clients: usize) -> Self {
        Self {
            name,
            clients,
            requests: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            latencies: Mutex::new(Vec::new()),
            samples: Mutex::new(Vec::new()),
            note: Mutex::new(String::new()),
            started: Instant::now(),
            ended: Mutex::new(None),
        }
    }

    /// A request that succeeded after `took`.
    pub fn ok(&self, took: Duration) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let us = u32::try_from(took.as_micros()).unwrap_or(u32::MAX);
        lock(&self.latencies).push(us);
    }

    /// A request that failed.
    pub fn error(&self, what: impl Into<String>) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.errors.fetch_add(1, Ordering::Relaxed);
        let mut samples = lock(&self.samples);
        if samples.len() < 3 {
            samples.push(what.into());
        }
    }

    /// The cohort stopped sending now.
    pub fn end(&self) {
        *lock(&self.ended) = Some(Instant::now());
    }

    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    pub fn set_note(&self, note: String) {
        *lock(&self.note) = note;
    }

    /// One table row: clients, requests, requests/s, p50, p99, errors, note.
    pub fn row(&self) -> String {
        let requests = self.requests.load(Ordering::Relaxed);
        let secs = lock(&self.ended)
            .unwrap_or_else(Instant::now)
            .duration_since(self.started)
            .as_secs_f64()
            .max(0.001);
        let mut lat = lock(&self.latencies).clone();
        lat.sort_unstable();
        let pct = |p: f64| -> String {
            if lat.is_empty() {
                return "-".into();
            }
            let i = ((lat.len() as f64 - 1.0) * p).round() as usize;
            format!("{:.1}", f64::from(lat[i.min(lat.len() - 1)]) / 1000.0)
        };
        let rate =
            if requests == 0 { "-".into() } else { format!("{:.0}", requests as f64 / secs) };
        let mut note = lock(&self.note).clone();
        let samples = lock(&self.samples);
        if !samples.is_empty() {
            note.push_str(&format!(" first errors: {}", samples.join("; ")));
        }
        format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            self.name,
            self.clients,
            requests,
            rate,
            pct(0.5),
            pct(0.99),
            self.errors(),
            note.trim()
        )
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The server's resident memory in KiB: (now, peak), from `/proc/PID/status`.
pub fn rss_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// KiB as MiB with one decimal.
pub fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}
