//! A `sigv4-conformance serve` process for the integration tests that talk to it
//! (tests/serve.rs, tests/clients.rs): started on 127.0.0.1 port 0, its port read from its first
//! stdout line, its stderr log collected, killed when dropped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_sigv4-conformance");
/// The suite's example credentials, which the servers verify with.
pub const AKID: &str = "AKIDEXAMPLE";
pub const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
/// The official suite's signing time, for `--clock`.
pub const CLOCK: &str = "2015-08-30T12:36:00Z";

/// A running server, killed on drop.
pub struct Server {
    pub child: Child,
    pub port: u16,
    log: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Everything the server wrote to stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

/// `sigv4-conformance serve` with the example credentials and `extra` arguments.
pub fn start(extra: &[&str]) -> Server {
    // Tests that read a diagnosis wait for it, however busy the machine running them is.
    let budget: &[&str] = if extra.contains(&"--diagnosis-budget") {
        &[]
    } else {
        &["--diagnosis-budget", "120"]
    };
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--access-key",
            AKID,
            "--secret-key",
            SECRET,
        ])
        .args(budget)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the server");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let port = first
        .trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port on the first stdout line: {first:?}"));
    assert!(
        first.starts_with("listening on http://127.0.0.1:"),
        "{first}"
    );
    let log = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&log);
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let mut log = sink.lock().unwrap();
            log.push_str(&line);
            log.push('\n');
        }
    });
    Server { child, port, log }
}
