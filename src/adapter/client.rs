//! A third-party signer behind [`Implementation`], driven through protocol v1.
//!
//! Several requests are kept in flight (answers carry their id), so the cost of a round trip
//! between processes is paid once per batch, not once per case. A fault (a crash, a hang past the
//! per-case timeout, a line that is not JSON, an unknown id, an oversized line) is blamed on the
//! oldest unanswered request, which a one-at-a-time adapter was working on: that case fails with
//! what the adapter wrote and the tail of its stderr, the adapter is restarted, and the other
//! unanswered requests are sent again. An adapter that fails its handshake twice in a row is given
//! up on: the remaining cases error at once with that reason. Every wait has a deadline, so a run
//! always ends.

use super::process::{split_command, Event, Process};
use super::protocol::{Hello, HelloReply, SignRequest, SignResult, MAX_LINE, PROTOCOL};
use crate::implementation::{
    Implementation, ImplementationInfo, SignInput, SignOutcome, StageOutputs,
};
use crate::sign::Mode;
use crate::stage::Stage;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How an adapter is run.
#[derive(Debug, Clone)]
pub struct AdapterConfig {
    /// The command, split like a shell would split it.
    pub command: String,
    /// How long one case may take once it is the oldest unanswered one.
    pub timeout: Duration,
    /// How long the adapter may take to answer the handshake.
    pub handshake_timeout: Duration,
    /// How many requests are kept in flight.
    pub window: usize,
    /// The longest line accepted from the adapter.
    pub max_line: usize,
}

impl AdapterConfig {
    /// Defaults: 5 s per case, 20 s for the handshake, 64 requests in flight, 16 MiB lines.
    pub fn new(command: impl Into<String>) -> AdapterConfig {
        AdapterConfig {
            command: command.into(),
            timeout: Duration::from_secs(5),
            handshake_timeout: Duration::from_secs(20),
            window: 64,
            max_line: MAX_LINE,
        }
    }
}

/// A running adapter after a good handshake.
struct Session {
    process: Process,
}

/// State shared by the calls of one adapter.
struct State {
    session: Option<Session>,
    failed_handshakes: u32,
    given_up: Option<String>,
}

/// A protocol v1 adapter process.
pub struct Adapter {
    config: AdapterConfig,
    argv: Vec<String>,
    hello: Option<HelloReply>,
    state: Mutex<State>,
}

fn clip(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &text[..end], text.len())
}

impl Adapter {
    /// Starts the adapter and shakes hands (twice at most), so its modes and stages are known.
    /// Fails only on a command that cannot be split; an adapter that never shakes hands is
    /// returned given up, and every case then errors with the reason.
    pub fn start(config: AdapterConfig) -> Result<Adapter, String> {
        let argv = split_command(&config.command)?;
        let mut adapter = Adapter {
            config,
            argv,
            hello: None,
            state: Mutex::new(State {
                session: None,
                failed_handshakes: 0,
                given_up: None,
            }),
        };
        let hello = {
            let mut state = adapter.lock();
            adapter.ensure_session(&mut state)
        };
        adapter.hello = hello;
        Ok(adapter)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        }
    }

    /// Why the adapter was given up on, if it was.
    pub fn given_up(&self) -> Option<String> {
        self.lock().given_up.clone()
    }

    /// Starts a process and shakes hands, retrying once; gives up after two failures in a row.
    fn ensure_session(&self, state: &mut State) -> Option<HelloReply> {
        while state.session.is_none() && state.given_up.is_none() {
            match self.handshake() {
                Ok((process, reply)) => {
                    state.failed_handshakes = 0;
                    state.session = Some(Session { process });
                    return Some(reply);
                }
                Err(reason) => {
                    state.failed_handshakes += 1;
                    if state.failed_handshakes >= 2 {
                        state.given_up = Some(format!(
                            "the adapter failed its handshake twice in a row: {reason}"
                        ));
                    }
                }
            }
        }
        None
    }

    fn handshake(&self) -> Result<(Process, HelloReply), String> {
        let mut process = Process::start(&self.argv, self.config.max_line)?;
        let hello = serde_json::to_vec(&Hello::new()).map_err(|e| e.to_string())?;
        process.send(hello);
        let deadline = Instant::now() + self.config.handshake_timeout;
        let failure = |process: &mut Process, what: String| {
            let tail = process.stderr_tail();
            process.kill();
            Err(if tail.trim().is_empty() {
                what
            } else {
                format!("{what}; stderr: {}", clip(tail.trim(), 2000))
            })
        };
        match process.next_event(deadline) {
            None => failure(
                &mut process,
                format!(
                    "no answer to the handshake within {:?}",
                    self.config.handshake_timeout
                ),
            ),
            Some(Event::Closed) => {
                let status = process
                    .exit_status()
                    .unwrap_or_else(|| "closed stdout".to_string());
                failure(
                    &mut process,
                    format!("the adapter exited before the handshake ({status})"),
                )
            }
            Some(Event::TooLong(start)) => failure(
                &mut process,
                format!(
                    "an oversized handshake line: {}",
                    String::from_utf8_lossy(&start)
                ),
            ),
            Some(Event::Line(line)) => match serde_json::from_slice::<HelloReply>(&line) {
                Ok(reply) if reply.kind == "hello" && reply.protocol == PROTOCOL => {
                    Ok((process, reply))
                }
                Ok(reply) => failure(
                    &mut process,
                    format!(
                        "the handshake answered protocol {} (this runner speaks {PROTOCOL})",
                        reply.protocol
                    ),
                ),
                Err(e) => failure(
                    &mut process,
                    format!(
                        "the handshake answer is not a protocol v1 hello ({e}): {}",
                        clip(&String::from_utf8_lossy(&line), 500)
                    ),
                ),
            },
        }
    }

    /// Signs many case-modes, keeping up to `window` requests in flight. Outcomes are in input
    /// order.
    pub fn sign_batch(&self, inputs: &[&SignInput]) -> Vec<SignOutcome> {
        let mut outcomes: Vec<Option<SignOutcome>> = vec![None; inputs.len()];
        let mut queue: VecDeque<usize> = (0..inputs.len()).collect();
        let mut in_flight: VecDeque<(usize, Instant)> = VecDeque::new();
        let mut state = self.lock();
        // A case times out when it is the oldest unanswered one and nothing came back for
        // `timeout`: a slow adapter that keeps answering is never cut off.
        let mut last_progress = Instant::now();
        let lines: Vec<Vec<u8>> = inputs
            .iter()
            .map(|input| serde_json::to_vec(&SignRequest::from_input(input)).unwrap_or_default())
            .collect();
        while !queue.is_empty() || !in_flight.is_empty() {
            self.ensure_session(&mut state);
            if let Some(reason) = &state.given_up {
                for index in in_flight.drain(..).map(|(i, _)| i).chain(queue.drain(..)) {
                    outcomes[index] = Some(SignOutcome::Broken(reason.clone()));
                }
                break;
            }
            let Some(session) = state.session.as_mut() else {
                continue;
            };
            while in_flight.len() < self.config.window.max(1) {
                let Some(index) = queue.pop_front() else {
                    break;
                };
                session.process.send(lines[index].clone());
                in_flight.push_back((index, Instant::now()));
            }
            let Some(&(oldest, sent)) = in_flight.front() else {
                continue;
            };
            let deadline = sent.max(last_progress) + self.config.timeout;
            let fault = match session.process.next_event(deadline) {
                None => Some(format!("no answer within {:?}", self.config.timeout)),
                Some(Event::Closed) => {
                    let status = session
                        .process
                        .exit_status()
                        .unwrap_or_else(|| "it closed stdout".to_string());
                    Some(format!("the adapter exited ({status})"))
                }
                Some(Event::TooLong(start)) => Some(format!(
                    "the adapter wrote a line longer than {} bytes, starting {:?}",
                    self.config.max_line,
                    clip(&String::from_utf8_lossy(&start), 200)
                )),
                Some(Event::Line(line)) => match serde_json::from_slice::<SignResult>(&line) {
                    Err(e) => Some(format!(
                        "the adapter wrote a line that is not a protocol v1 result ({e}): {:?}",
                        clip(&String::from_utf8_lossy(&line), 500)
                    )),
                    Ok(result) => match in_flight
                        .iter()
                        .position(|(i, _)| inputs[*i].id == result.id)
                    {
                        Some(position) => {
                            let (index, _) = in_flight.remove(position).unwrap_or((oldest, sent));
                            outcomes[index] = Some(outcome_of(result));
                            last_progress = Instant::now();
                            None
                        }
                        None => Some(format!(
                            "the adapter answered id {:?}, which is not a request in flight",
                            clip(&result.id, 200)
                        )),
                    },
                },
            };
            if let Some(what) = fault {
                // Blame the oldest unanswered request; restart; send the others again.
                in_flight.pop_front();
                let tail = session.process.stderr_tail();
                let stderr = if tail.trim().is_empty() {
                    String::new()
                } else {
                    format!("\nstderr (tail):\n{}", clip(tail.trim_end(), 3000))
                };
                outcomes[oldest] = Some(SignOutcome::Broken(format!("{what}{stderr}")));
                if let Some(session) = state.session.take() {
                    let mut process = session.process;
                    process.kill();
                }
                for (index, _) in in_flight.drain(..).rev() {
                    queue.push_front(index);
                }
                last_progress = Instant::now();
            }
        }
        outcomes
            .into_iter()
            .map(|o| o.unwrap_or_else(|| SignOutcome::Broken("no outcome".to_string())))
            .collect()
    }

    /// Closes the adapter's stdin and lets it exit.
    pub fn stop(&self) {
        if let Some(session) = self.lock().session.take() {
            session.process.stop(Duration::from_secs(2));
        }
    }
}

fn outcome_of(result: SignResult) -> SignOutcome {
    if let Some(reason) = result.skip {
        return SignOutcome::Skipped(reason);
    }
    if let Some(message) = result.error {
        return SignOutcome::Refused {
            name: None,
            message,
        };
    }
    let outputs: StageOutputs = result
        .stages()
        .into_iter()
        .map(|(stage, value)| (stage, value.as_bytes().to_vec()))
        .collect();
    SignOutcome::Signed(outputs)
}

impl Drop for Adapter {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Implementation for Adapter {
    fn info(&self) -> ImplementationInfo {
        self.hello
            .as_ref()
            .map(|h| h.implementation.clone())
            .unwrap_or_else(|| ImplementationInfo {
                name: self.config.command.clone(),
                version: String::new(),
                language: String::new(),
            })
    }

    fn modes(&self) -> Vec<Mode> {
        match &self.hello {
            Some(h) => h.modes.iter().filter_map(|m| Mode::parse(m)).collect(),
            None => Mode::ALL.to_vec(),
        }
    }

    fn stages(&self) -> Vec<Stage> {
        match &self.hello {
            Some(h) => h.stages.iter().filter_map(|s| Stage::parse(s)).collect(),
            None => Stage::ALL.to_vec(),
        }
    }

    fn sign(&self, input: &SignInput) -> SignOutcome {
        self.sign_batch(&[input])
            .pop()
            .unwrap_or_else(|| SignOutcome::Broken("no outcome".to_string()))
    }

    fn sign_many(&self, inputs: &[&SignInput]) -> Vec<SignOutcome> {
        self.sign_batch(inputs)
    }
}
