//! One running adapter process: a writer thread feeding its stdin, a reader thread splitting its
//! stdout into capped lines, a reader thread keeping the tail of its stderr, and a watcher that
//! notices its exit even when something else (a helper it started) keeps its stdout open. The
//! runner never blocks on the child: every wait has a deadline.
//!
//! The adapter runs in a process group of its own, and ending it ends the whole group: a wrapper
//! (`sh -c ...`) and the helpers it forked go with it.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How much of the adapter's stderr is kept.
const STDERR_TAIL: usize = 4096;

/// How long after the adapter's exit its stdout may stay open (held by a helper it started)
/// before the exit is reported anyway.
const EXIT_GRACE: Duration = Duration::from_millis(200);

/// What the stdout reader saw.
#[derive(Debug)]
pub enum Event {
    /// One line, without its `\n`.
    Line(Vec<u8>),
    /// A line longer than the cap (its first bytes).
    TooLong(Vec<u8>),
    /// stdout closed, or the adapter exited (even if a helper keeps its stdout open).
    Closed,
}

/// A started adapter process.
pub struct Process {
    child: Arc<Mutex<Child>>,
    pid: u32,
    to_stdin: Option<Sender<Vec<u8>>>,
    events: Receiver<Event>,
    stderr: Arc<Mutex<VecDeque<u8>>>,
    status: Arc<Mutex<Option<ExitStatus>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
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

fn read_lines_until(stdout: impl Read, max_line: usize, events: &Sender<Event>) {
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
                Some(i) => (buffer.split_at(i).0, Some(i + 1)),
                None => (buffer, None),
            };
            if line.len() + chunk.len() > max_line {
                line.extend_from_slice(chunk.get(..256).unwrap_or(chunk));
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
                let mut tail = lock(&tail);
                tail.extend(chunk.get(..n).unwrap_or_default());
                let excess = tail.len().saturating_sub(STDERR_TAIL);
                tail.drain(..excess);
            }
        }
    }
}

/// Watches the child until it exits: records its status, then reports `Closed` if its stdout is
/// still open after [`EXIT_GRACE`] (a helper holds it), so an exit is never mistaken for a hang.
fn watch(
    child: Arc<Mutex<Child>>,
    status: Arc<Mutex<Option<ExitStatus>>>,
    stdout_closed: Arc<AtomicBool>,
    events: Sender<Event>,
) {
    loop {
        let polled = lock(&child).try_wait();
        match polled {
            Ok(Some(exit)) => {
                *lock(&status) = Some(exit);
                break;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(_) => return,
        }
    }
    let deadline = Instant::now() + EXIT_GRACE;
    while Instant::now() < deadline {
        if stdout_closed.load(Ordering::SeqCst) {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = events.send(Event::Closed);
}

impl Process {
    /// Starts `argv` with piped stdin, stdout and stderr, in a process group of its own.
    pub fn start(argv: &[String], max_line: usize) -> Result<Process, String> {
        let (program, args) = argv.split_first().ok_or("the adapter command is empty")?;
        let mut command = Command::new(program);
        command
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            command.process_group(0);
        }
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start the adapter {program:?}: {e}"))?;
        let pid = child.id();
        let (Some(mut stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            kill_group(pid);
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
        let stdout_closed = Arc::new(AtomicBool::new(false));
        {
            let events_tx = events_tx.clone();
            let stdout_closed = Arc::clone(&stdout_closed);
            std::thread::spawn(move || {
                read_lines_until(stdout, max_line, &events_tx);
                stdout_closed.store(true, Ordering::SeqCst);
            });
        }
        let tail = Arc::new(Mutex::new(VecDeque::new()));
        let tail_writer = Arc::clone(&tail);
        std::thread::spawn(move || keep_tail(stderr, tail_writer));
        let child = Arc::new(Mutex::new(child));
        let status = Arc::new(Mutex::new(None));
        {
            let (child, status) = (Arc::clone(&child), Arc::clone(&status));
            std::thread::spawn(move || watch(child, status, stdout_closed, events_tx));
        }
        Ok(Process {
            child,
            pid,
            to_stdin: Some(to_stdin),
            events,
            stderr: tail,
            status,
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
        let tail = lock(&self.stderr);
        let bytes: Vec<u8> = tail.iter().copied().collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// How the process ended, waiting up to 200 ms for a process that just closed its stdout to
    /// be reaped; `None` when it is still running.
    pub fn exit_status(&mut self) -> Option<String> {
        self.wait_exit(Duration::from_millis(200))
            .map(|status| status.to_string())
    }

    fn wait_exit(&self, grace: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + grace;
        loop {
            if let Some(status) = *lock(&self.status) {
                return Some(status);
            }
            if let Ok(Some(status)) = lock(&self.child).try_wait() {
                *lock(&self.status) = Some(status);
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Closes stdin and gives the adapter `grace` to exit, then ends its whole process group
    /// (helpers it left behind included).
    pub fn stop(mut self, grace: Duration) {
        self.to_stdin = None;
        let _ = self.wait_exit(grace);
        self.kill();
    }

    /// Kills the process and its process group, and reaps it.
    pub fn kill(&mut self) {
        kill_group(self.pid);
        let mut child = lock(&self.child);
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Sends SIGKILL to the process group `pid` leads (the adapter and everything it started that
/// stayed in its group).
fn kill_group(pid: u32) {
    #[cfg(unix)]
    if let Ok(pid) = i32::try_from(pid) {
        if pid > 0 {
            // SAFETY: kill(2) with a negative pid signals a process group; no memory is involved.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
    }
    #[cfg(not(unix))]
    let _ = pid;
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
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
        read_lines_until(&b"short\nlonger than ten bytes\nnever read\n"[..], 10, &tx);
        drop(tx);
        assert!(matches!(rx.recv().unwrap(), Event::Line(l) if l == b"short"));
        assert!(matches!(rx.recv().unwrap(), Event::TooLong(_)));
        assert!(rx.recv().is_err());
        let (tx, rx) = mpsc::channel();
        read_lines_until(&b"no newline at the end"[..], 100, &tx);
        drop(tx);
        assert!(matches!(rx.recv().unwrap(), Event::Line(l) if l == b"no newline at the end"));
        assert!(matches!(rx.recv().unwrap(), Event::Closed));
    }
}
