//! `sigv4-conformance faulty-adapter` (hidden): a protocol v1 adapter that misbehaves on purpose,
//! for the fault tests (`tests/adapter_faults.rs`, `tests/reports.rs`). Written in Rust so that
//! `cargo test` needs nothing but cargo.
//!
//! It answers with the reference signer, in process, one request at a time, so it is correct,
//! except for ONE fault, most of them on the sign request whose id is the trigger:
//!
//! | fault | what it does |
//! | --- | --- |
//! | `none` | nothing wrong |
//! | `crash` | on the trigger: a message on stderr, exit status 1 |
//! | `crash-once` | `crash`, only when the file ARG does not exist yet (it creates it) |
//! | `hang` | on the trigger: a message on stderr, then sleeps forever |
//! | `not-json` | on the trigger: a line that is not JSON |
//! | `wrong-id` | on the trigger: the answer with another id |
//! | `oversized` | on the trigger: a 1 MiB line |
//! | `twice` | answers the trigger twice (every request when the trigger is `-`) |
//! | `tamper` | ARG `stage=id,...`: flips the last character of that stage of that case |
//!
//! and faults that do not depend on a case (trigger `-`):
//!
//! | fault | what it does |
//! | --- | --- |
//! | `hello-hang` | never answers the handshake |
//! | `protocol-2` | answers the handshake with protocol 2 |
//! | `never-read` | answers the handshake, then never reads stdin again |
//! | `never-answer` | answers the handshake, then reads every request and answers none |
//! | `exit-after` | exits (status 0) after ARG answers, every time: a worker recycling itself |
//! | `exit-keep-stdout` | after ARG answers, starts a helper that keeps stdout open, and exits 3 |
//! | `helper` | starts a helper that sleeps forever (holding stdout), then answers correctly |
//! | `chatty` | megabytes on stderr, continuously, while answering correctly |
//! | `reverse` | holds up to 4 answers and writes them in reverse order |
//!
//! `--pid-file FILE` appends the pid of the adapter (and of any helper it starts) to FILE, so a
//! test can check that the runner ended them all.

use super::reference::answer;
use crate::implementation::Reference;
use serde_json::Value;
use std::collections::HashMap;
use std::collections::VecDeque;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

/// What to do wrong, and on which case.
#[derive(Debug, Clone)]
pub struct Faulty {
    /// The fault (see the module's table).
    pub fault: String,
    /// The id of the sign request it is triggered on (`-`: none).
    pub trigger: String,
    /// The fault's argument, if it takes one.
    pub arg: Option<String>,
    /// A file to append the pids of the adapter and of its helpers to.
    pub pid_file: Option<PathBuf>,
}

fn note(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "faulty adapter: {text}");
    let _ = err.flush();
}

fn sleep_forever() -> ! {
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

fn write_line(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    let ok = out
        .write_all(bytes)
        .and_then(|_| out.write_all(b"\n"))
        .and_then(|_| out.flush());
    if ok.is_err() {
        std::process::exit(0);
    }
}

fn record_pid(pid_file: Option<&Path>, pid: u32) {
    if let Some(path) = pid_file {
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = writeln!(file, "{pid}");
        }
    }
}

/// Starts `faulty-adapter hold`, a process that sleeps forever with this one's stdout and stderr.
fn start_helper(pid_file: Option<&Path>) {
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    match std::process::Command::new(exe)
        .args(["faulty-adapter", "hold"])
        .stdin(std::process::Stdio::null())
        .spawn()
    {
        Ok(child) => record_pid(pid_file, child.id()),
        Err(e) => note(&format!("cannot start a helper: {e}")),
    }
}

fn chatter(total: usize) {
    let line = format!("chatty adapter: {}\n", "x".repeat((1 << 16) - 17));
    let mut err = std::io::stderr();
    for _ in 0..total >> 16 {
        if err.write_all(line.as_bytes()).is_err() {
            return;
        }
    }
}

fn flip(text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    if let Some(last) = chars.last_mut() {
        *last = if *last == '0' { '1' } else { '0' };
    }
    chars.into_iter().collect()
}

/// Flips the last character of `stage` in a result (for `signature`, the signature carried by
/// the Authorization header, presigned URL and signed request too).
fn tamper(reply: &mut Value, stage: &str) {
    if stage == "signature" {
        let Some(old) = reply["signature"].as_str().map(str::to_string) else {
            return;
        };
        let new = flip(&old);
        reply["signature"] = new.clone().into();
        for carrier in ["authorization", "presigned_url", "signed_request"] {
            if let Some(text) = reply[carrier].as_str() {
                reply[carrier] = text.replace(&old, &new).into();
            }
        }
    } else if let Some(text) = reply[stage].as_str() {
        reply[stage] = flip(text).into();
    }
}

/// Every fault this adapter knows (`hold` is the helper some of them start).
pub const FAULTS: &[&str] = &[
    "none",
    "crash",
    "crash-once",
    "hang",
    "not-json",
    "wrong-id",
    "oversized",
    "twice",
    "tamper",
    "hello-hang",
    "protocol-2",
    "never-read",
    "never-answer",
    "exit-after",
    "exit-keep-stdout",
    "helper",
    "chatty",
    "reverse",
    "hold",
];

/// Runs the faulty adapter on stdin and stdout until stdin closes (or the fault ends it).
pub fn run(faulty: &Faulty) -> ! {
    if !FAULTS.contains(&faulty.fault.as_str()) {
        note(&format!(
            "unknown fault {:?}; known: {}",
            faulty.fault,
            FAULTS.join(", ")
        ));
        std::process::exit(2);
    }
    let pid_file = faulty.pid_file.as_deref();
    if faulty.fault == "hold" {
        sleep_forever();
    }
    record_pid(pid_file, std::process::id());
    let reference = Reference::new();
    let fault = faulty.fault.as_str();
    let trigger = faulty.trigger.as_str();
    let number = || {
        faulty
            .arg
            .as_deref()
            .and_then(|a| a.parse::<usize>().ok())
            .unwrap_or(0)
    };
    let tampered: HashMap<String, String> = match (fault, &faulty.arg) {
        ("tamper", Some(spec)) => spec
            .split(',')
            .filter_map(|item| item.split_once('='))
            .map(|(stage, id)| (id.to_string(), stage.to_string()))
            .collect(),
        _ => HashMap::new(),
    };
    if fault == "helper" {
        start_helper(pid_file);
    }
    if fault == "chatty" {
        std::thread::spawn(|| chatter(32 << 20));
    }
    let mut stdin = std::io::BufReader::new(std::io::stdin());
    if fault == "never-read" {
        let mut hello = Vec::new();
        let _ = stdin.read_until(b'\n', &mut hello);
        if let Some(reply) = answer(&reference, None, hello.trim_ascii_end()) {
            write_line(&reply);
        }
        note("answered the handshake; never reading again");
        sleep_forever();
    }
    let (lines_tx, lines) = mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || loop {
        let mut line = Vec::new();
        match stdin.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                if line.ends_with(b"\n") {
                    line.pop();
                }
                if lines_tx.send(line).is_err() {
                    return;
                }
            }
        }
    });
    let mut answered = 0usize;
    let mut pending: Vec<Vec<u8>> = Vec::new();
    let mut backlog: VecDeque<Vec<u8>> = VecDeque::new();
    while let Some(line) = backlog.pop_front().or_else(|| lines.recv().ok()) {
        let Ok(message) = serde_json::from_slice::<Value>(&line) else {
            continue;
        };
        let is_hello = message.get("type").and_then(Value::as_str) == Some("hello");
        let id = message
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let on_trigger = !is_hello && id == trigger;
        if is_hello {
            match fault {
                "hello-hang" => {
                    note("not answering the handshake");
                    sleep_forever();
                }
                "protocol-2" => {
                    if let Some(reply) = answer(&reference, None, &line) {
                        let mut reply: Value = serde_json::from_slice(&reply).unwrap_or_default();
                        if let Some(fields) = reply.as_object_mut() {
                            fields.insert("protocol".into(), 2.into());
                        }
                        write_line(reply.to_string().as_bytes());
                    }
                }
                _ => {
                    if let Some(reply) = answer(&reference, None, &line) {
                        write_line(&reply);
                    }
                }
            }
            if fault == "exit-after" && number() == 0 {
                note("exiting right after the handshake");
                std::process::exit(0);
            }
            continue;
        }
        let reply = || answer(&reference, None, &line).unwrap_or_default();
        match fault {
            "crash" | "crash-once" if on_trigger => {
                let marker = faulty.arg.as_deref().map(Path::new);
                let crash = match (fault, marker) {
                    ("crash-once", Some(marker)) if !marker.exists() => {
                        let _ = std::fs::write(marker, b"");
                        true
                    }
                    ("crash-once", _) => false,
                    _ => true,
                };
                if crash {
                    note(&format!("deliberate crash on {trigger}"));
                    std::process::exit(1);
                }
                write_line(&reply());
            }
            "hang" if on_trigger => {
                note(&format!("hanging on {trigger}"));
                sleep_forever();
            }
            "not-json" if on_trigger => {
                note(&format!("writing garbage for {trigger}"));
                write_line(b"this is not JSON {");
            }
            "wrong-id" if on_trigger => {
                let mut value: Value = serde_json::from_slice(&reply()).unwrap_or_default();
                if let Some(fields) = value.as_object_mut() {
                    fields.insert("id".into(), format!("{trigger}-wrong").into());
                }
                write_line(value.to_string().as_bytes());
            }
            "oversized" if on_trigger => {
                let value = serde_json::json!({
                    "type": "result", "id": trigger, "signature": "a".repeat(1 << 20)
                });
                write_line(value.to_string().as_bytes());
            }
            "twice" if on_trigger || trigger == "-" => {
                let reply = reply();
                write_line(&reply);
                write_line(&reply);
            }
            "tamper" => {
                let mut value: Value = serde_json::from_slice(&reply()).unwrap_or_default();
                if let Some(stage) = tampered.get(&id) {
                    tamper(&mut value, stage);
                }
                write_line(value.to_string().as_bytes());
            }
            "never-answer" => {}
            "chatty" => {
                // Synchronously: this blocks unless the runner drains stderr.
                chatter(1 << 20);
                write_line(&reply());
            }
            "reverse" => {
                pending.push(reply());
                let more_soon = !backlog.is_empty()
                    || match lines.recv_timeout(Duration::from_millis(50)) {
                        Ok(next) => {
                            backlog.push_back(next);
                            true
                        }
                        Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => false,
                    };
                if pending.len() >= 4 || !more_soon {
                    for answer in pending.drain(..).rev() {
                        write_line(&answer);
                    }
                }
            }
            _ => write_line(&reply()),
        }
        answered += 1;
        if fault == "exit-after" && answered >= number() {
            note(&format!("exiting after {answered} answers"));
            std::process::exit(0);
        }
        if fault == "exit-keep-stdout" && answered >= number() {
            start_helper(pid_file);
            note(&format!(
                "exiting after {answered} answers, a helper keeps stdout open"
            ));
            std::process::exit(3);
        }
    }
    for answer in pending.drain(..).rev() {
        write_line(&answer);
    }
    std::process::exit(0)
}
