//! One running adapter process: a writer thread feeding its stdin, a reader thread splitting its
//! stdout into capped lines, and a reader thread keeping the tail of its stderr. The runner never
//! blocks on the child: every wait has a deadline.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How much of the adapter's stderr is kept.
const STDERR_TAIL: usize = 4096;

/// What the stdout reader saw.
#[derive(Debug)]
pub enum Event {
    /// One line, without its `\n`.
    Line(Vec<u8>),
    /// A line longer than the cap (its first bytes).
    TooLong(Vec<u8>),
    /// stdout closed: the adapter exited or closed it.
    Closed,
}

/// A started adapter process.
pub struct Process {
    child: Child,
    to_stdin: Option<Sender<Vec<u8>>>,
    events: Receiver<Event>,
    stderr: Arc<Mutex<VecDeque<u8>>>,
}

/// Splits a command string like a POSIX shell would (quotes, backslashes), without a shell.
pub fn split_command(command: &str) -> Result<Vec<String>, String> {
    match shlex::split(command) {
        Some(words) if !words.is_empty() => Ok(words),
        Some(_) => Err("the adapter command is empty".to_string()),
        None => Err(format!(
            "cannot split the adapter command {command:?} (unbalanced quotes?)"
        )),
    }
}

fn read_lines(stdout: impl Read, max_line: usize, events: Sender<Event>) {
    let mut reader = BufReader::with_capacity(1 << 16, stdout);
    loop {
        let mut line = Vec::new();
        loop {
            let buffer = match reader.fill_buf() {
                Ok(b) => b,
                Err(_) => {
                    let _ = events.send(Event::Closed);
                    return;
                }
            };
            if buffer.is_empty() {
                if !line.is_empty() {
                    let _ = events.send(Event::Line(line));
                }
                let _ = events.send(Event::Closed);
                return;
            }
            let (chunk, done) = match buffer.iter().position(|&b| b == b'\n') {
                Some(i) => (&buffer[..i], Some(i + 1)),
                None => (buffer, None),
            };
            if line.len() + chunk.len() > max_line {
                line.extend_from_slice(&chunk[..chunk.len().min(256)]);
                let _ = events.send(Event::TooLong(line));
                return;
            }
            line.extend_from_slice(chunk);
            match done {
                Some(n) => {
                    reader.consume(n);
                    break;
                }
                None => {
                    let n = buffer.len();
                    reader.consume(n);
                }
            }
        }
        if events.send(Event::Line(line)).is_err() {
            return;
        }
    }
}

fn keep_tail(stderr: impl Read, tail: Arc<Mutex<VecDeque<u8>>>) {
    let mut reader = BufReader::new(stderr);
    let mut chunk = [0u8; 4096];
    loop {
        match reader.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                let mut tail = match tail.lock() {
                    Ok(t) => t,
                    Err(p) => p.into_inner(),
                };
                tail.extend(&chunk[..n]);
                let excess = tail.len().saturating_sub(STDERR_TAIL);
                tail.drain(..excess);
            }
        }
    }
}

impl Process {
    /// Starts `argv` with piped stdin, stdout and stderr.
    pub fn start(argv: &[String], max_line: usize) -> Result<Process, String> {
        let (program, args) = argv.split_first().ok_or("the adapter command is empty")?;
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {program:?}: {e}"))?;
        let (Some(mut stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            let _ = child.wait();
            return Err("the adapter's pipes could not be set up".to_string());
        };
        let (to_stdin, from_runner) = mpsc::channel::<Vec<u8>>();
        std::thread::spawn(move || {
            // Batch what is queued, then flush: many requests per write when pipelined.
            while let Ok(first) = from_runner.recv() {
                let mut ok = stdin.write_all(&first).is_ok();
                while let (true, Ok(next)) = (ok, from_runner.try_recv()) {
                    ok = stdin.write_all(&next).is_ok();
                }
                if !ok || stdin.flush().is_err() {
                    return;
                }
            }
            // The runner dropped its sender: stdin closes here, and the adapter should exit.
        });
        let (events_tx, events) = mpsc::channel();
        std::thread::spawn(move || read_lines(stdout, max_line, events_tx));
        let tail = Arc::new(Mutex::new(VecDeque::new()));
        let tail_writer = Arc::clone(&tail);
        std::thread::spawn(move || keep_tail(stderr, tail_writer));
        Ok(Process {
            child,
            to_stdin: Some(to_stdin),
            events,
            stderr: tail,
        })
    }

    /// Queues one line (a `\n` is added) for the adapter's stdin. Never blocks.
    pub fn send(&self, mut line: Vec<u8>) {
        line.push(b'\n');
        if let Some(tx) = &self.to_stdin {
            let _ = tx.send(line);
        }
    }

    /// The next stdout event, waiting until `deadline` at most (`None` when it passed).
    pub fn next_event(&self, deadline: Instant) -> Option<Event> {
        let wait = deadline.saturating_duration_since(Instant::now());
        match self.events.recv_timeout(wait) {
            Ok(event) => Some(event),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => Some(Event::Closed),
        }
    }

    /// The last bytes the adapter wrote to stderr, as text.
    pub fn stderr_tail(&self) -> String {
        // Give the stderr reader a moment to catch up with a process that just died.
        std::thread::sleep(Duration::from_millis(20));
        let tail = match self.stderr.lock() {
            Ok(t) => t,
            Err(p) => p.into_inner(),
        };
        let bytes: Vec<u8> = tail.iter().copied().collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// How the process ended, waiting up to 200 ms for a process that just closed its stdout to
    /// be reaped; `None` when it is still running.
    pub fn exit_status(&mut self) -> Option<String> {
        let deadline = Instant::now() + Duration::from_millis(200);
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return Some(status.to_string()),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5))
                }
                _ => return None,
            }
        }
    }

    /// Closes stdin and gives the adapter `grace` to exit, then kills it.
    pub fn stop(mut self, grace: Duration) {
        self.to_stdin = None;
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        self.kill();
    }

    /// Kills the process and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.kill();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(
            split_command("python3 'my adapter.py' --x \"a b\"").unwrap(),
            vec!["python3", "my adapter.py", "--x", "a b"]
        );
        assert!(split_command("").is_err());
        assert!(split_command("python3 'unbalanced").is_err());
    }

    #[test]
    fn lines_are_capped() {
        let (tx, rx) = mpsc::channel();
        read_lines(&b"short\nlonger than ten bytes\nnever read\n"[..], 10, tx);
        assert!(matches!(rx.recv().unwrap(), Event::Line(l) if l == b"short"));
        assert!(matches!(rx.recv().unwrap(), Event::TooLong(_)));
        assert!(rx.recv().is_err());
        let (tx, rx) = mpsc::channel();
        read_lines(&b"no newline at the end"[..], 100, tx);
        assert!(matches!(rx.recv().unwrap(), Event::Line(l) if l == b"no newline at the end"));
        assert!(matches!(rx.recv().unwrap(), Event::Closed));
    }
}
