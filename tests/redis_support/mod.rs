//! A real `redis-server` for a test: on a free loopback port, in a temporary directory,
//! ready once it answers PING, killed (and its directory removed) on drop.
//!
//! Without `redis-server` on PATH a test skips with a printed reason, unless `CI` is set:
//! then it fails, so a CI machine cannot pass by not running the tests
//! (`scripts/lib/install.sh` installs Debian's `redis-server`).
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// How long a starting server may take to answer PING.
const READY: Duration = Duration::from_secs(10);

pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    appendonly: bool,
}

/// Whether `redis-server` can run here; panics under `CI` when it cannot.
pub fn available() -> bool {
    let found = Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "redis-server is not installed and CI is set (scripts/lib/install.sh installs it)"
        );
        eprintln!("skipped: redis-server is not installed (apt-get install redis-server)");
    }
    found
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    listener.local_addr().expect("its address").port()
}

fn pong(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    if s.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 16];
    matches!(s.read(&mut buf), Ok(n) if buf[..n].starts_with(b"+PONG"))
}

impl RedisServer {
    /// Starts a server, or `None` (after saying why) when `redis-server` is missing.
    /// With `appendonly`, every write is logged to disk (fsync each second) and read back
    /// on [`restart`](Self::restart).
    pub fn start(appendonly: bool) -> Option<Self> {
        if !available() {
            return None;
        }
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "mcp-tasks-redis-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let mut server = Self { child: None, port: 0, dir, appendonly };
        // Another process may take the port between our probe and redis binding it.
        for _ in 0..3 {
            server.port = free_port();
            if server.spawn() {
                return Some(server);
            }
        }
        panic!("redis-server did not start on a free port in 3 attempts");
    }

    fn spawn(&mut self) -> bool {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", if self.appendonly { "yes" } else { "no" }])
            // Every write reaches the log before the reply: a kill loses nothing.
            .args(["--appendfsync", "always"])
            .args(["--dir", self.dir.to_str().expect("a UTF-8 temporary path")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        let deadline = Instant::now() + READY;
        while Instant::now() < deadline {
            if pong(self.port) {
                return true;
            }
            if let Some(child) = self.child.as_mut()
                && child.try_wait().ok().flatten().is_some()
            {
                self.child = None;
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.stop();
        false
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server (SIGKILL: no shutdown save) and waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts a stopped server again on the same port and directory.
    pub fn resume(&mut self) {
        assert!(self.child.is_none(), "resume a stopped server");
        assert!(self.spawn(), "redis-server restarts on port {}", self.port);
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// An `mcp-tasks serve` process from the built binary, on a free loopback port; killed on
/// drop.
pub struct Serve {
    child: Child,
    pub addr: std::net::SocketAddr,
}

impl Serve {
    /// Starts `BIN serve --listen 127.0.0.1:0 ARGS…` (`BIN` is the test's
    /// `env!("CARGO_BIN_EXE_mcp-tasks")`) and waits (bounded) for the line that names its
    /// address.
    // The child is waited for by `Drop`, and on the failing path below.
    #[allow(clippy::zombie_processes)]
    pub fn start(bin: &str, args: &[&str]) -> Self {
        use std::io::BufRead;
        let mut child = Command::new(bin)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("mcp-tasks serve starts");
        let stderr = child.stderr.take().expect("its stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        // Reads every line, so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + READY;
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            let Ok(line) = rx.recv_timeout(left) else { break };
            if let Some(rest) = line.split("MCP at http://").nth(1) {
                let addr = rest.trim_end_matches("/mcp").parse().expect("an address");
                return Self { child, addr };
            }
            seen.push(line);
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("mcp-tasks serve did not start: {seen:?}");
    }

    /// SIGKILL: the process gets no chance to finish or hand over anything.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        self.kill();
    }
}
