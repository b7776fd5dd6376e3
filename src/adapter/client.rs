//! A third-party signer behind [`Implementation`], driven through protocol v1.
//!
//! Several requests are kept in flight (answers carry their id), so the cost of a round trip
//! between processes is paid once per batch, not once per case. Faults are blamed on the case
//! that caused them, and only on it:
//! - an adapter that exits (or closes stdout) with requests in flight is restarted, and the oldest
//!   unanswered request is sent again, alone, before any other: it is blamed only if the adapter
//!   dies on it again. A worker that recycles itself every N answers gets no case blamed;
//! - a hang past the per-case timeout (counted from the adapter's last answer), a line that is
//!   not JSON, an answer for an id that was never asked, an oversized line: the oldest unanswered
//!   request (the one a one-at-a-time adapter was working on) fails with what the adapter wrote
//!   and the tail of its stderr, the adapter is restarted, and the others are sent again;
//! - a second answer for an id already answered is ignored (and counted in [`Adapter::notes`]);
//! - a request longer than the protocol's 16 MiB line cap is never sent: its case errors as
//!   too large to send.
//!
//! Every wait has a deadline, and every kind of endless trouble gives up: an adapter that does
//! not answer its handshake within the handshake timeout, fails its handshake twice in a row, or
//! lets [`AdapterConfig::timeouts_before_giving_up`] cases in a row time out is given up on, and
//! the remaining cases error at once with that reason. A run always ends.

use super::process::{split_command, Event, Process};
use super::protocol::{Hello, HelloReply, SignRequest, SignResult, MAX_LINE, PROTOCOL};
use crate::implementation::{
    Implementation, ImplementationInfo, SignInput, SignOutcome, StageOutputs,
};
use crate::sign::Mode;
use crate::stage::Stage;
use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How an adapter is run.
#[derive(Debug, Clone)]
pub struct AdapterConfig {
    /// The command, split like a shell would split it.
    pub command: String,
    /// How long one case may take once it is the oldest unanswered one, counted from the
    /// adapter's last answer.
    pub timeout: Duration,
    /// How long the adapter may take to answer the handshake. One that does not answer in time
    /// is given up on (no second wait).
    pub handshake_timeout: Duration,
    /// How many requests are kept in flight.
    pub window: usize,
    /// The longest line accepted from the adapter.
    pub max_line: usize,
    /// The longest request line sent to the adapter (the protocol's 16 MiB): a longer request is
    /// not sent, and its case errors as too large to send.
    pub max_request_line: usize,
    /// How many cases in a row may time out (the adapter restarted after each) before the
    /// adapter is given up on.
    pub timeouts_before_giving_up: u32,
}

/// The default per-case timeout: 5 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// The default handshake timeout: 20 s.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(20);
/// Cases in a row that may time out before the adapter is given up on.
pub const TIMEOUTS_BEFORE_GIVING_UP: u32 = 3;
/// How long an adapter has to exit once its stdin is closed.
pub const EXIT_GRACE: Duration = Duration::from_secs(2);

impl AdapterConfig {
    /// Defaults: 5 s per case, 20 s for the handshake, 64 requests in flight, 16 MiB lines, given
    /// up on after 3 cases in a row time out.
    pub fn new(command: impl Into<String>) -> AdapterConfig {
        AdapterConfig {
            command: command.into(),
            timeout: DEFAULT_TIMEOUT,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            window: 64,
            max_line: MAX_LINE,
            max_request_line: MAX_LINE,
            timeouts_before_giving_up: TIMEOUTS_BEFORE_GIVING_UP,
        }
    }
}

/// The ids a session answered lately (a bounded memory, for telling a second answer from an
/// answer to an id that was never asked).
#[derive(Default)]
struct Answered {
    order: VecDeque<String>,
    ids: HashSet<String>,
}

impl Answered {
    const KEEP: usize = 8192;

    fn insert(&mut self, id: &str) {
        if self.ids.insert(id.to_string()) {
            self.order.push_back(id.to_string());
            if self.order.len() > Self::KEEP {
                if let Some(old) = self.order.pop_front() {
                    self.ids.remove(&old);
                }
            }
        }
    }

    fn contains(&self, id: &str) -> bool {
        self.ids.contains(id)
    }
}

/// A running adapter after a good handshake.
struct Session {
    process: Process,
    answered: Answered,
}

/// What happened that no verdict carries, for [`Adapter::notes`].
#[derive(Default)]
struct Notes {
    /// Exits with requests in flight after which the oldest, sent alone, was answered.
    forgiven_exits: u64,
    /// Answers for an id already answered.
    duplicates: u64,
    /// The first such id.
    first_duplicate: Option<String>,
}

/// State shared by the calls of one adapter.
struct State {
    session: Option<Session>,
    failed_handshakes: u32,
    given_up: Option<String>,
    /// Cases in a row that timed out, with no answer in between.
    consecutive_timeouts: u32,
    /// The command could not be started (given up for that reason).
    cannot_start: bool,
    notes: Notes,
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
    format!(
        "{}… ({} bytes in all)",
        text.get(..end).unwrap_or_default(),
        text.len()
    )
}

/// Why a handshake failed.
enum HandshakeFailure {
    /// The command could not be started at all: no second attempt.
    CannotStart(String),
    /// No answer within the handshake timeout: no second wait.
    TimedOut(String),
    /// Anything else: one more attempt.
    Failed(String),
}

/// `1s`, `0.5s`, `20s`: a duration as the messages and `--help` write it.
fn seconds(d: Duration) -> String {
    format!("{}s", d.as_secs_f64())
}

impl Adapter {
    /// Starts the adapter and shakes hands, so its modes and stages are known. Fails on a
    /// command that cannot be split or started; an adapter that starts but never completes a
    /// handshake is returned given up, and every case then errors with the reason.
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
                consecutive_timeouts: 0,
                cannot_start: false,
                notes: Notes::default(),
            }),
        };
        let hello = {
            let mut state = adapter.lock();
            let hello = adapter.ensure_session(&mut state);
            if state.cannot_start {
                return Err(state.given_up.clone().unwrap_or_default());
            }
            hello
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

    /// What happened that no verdict carries: exits forgiven after a restart, answers ignored.
    pub fn notes(&self) -> Vec<String> {
        let state = self.lock();
        let mut notes = Vec::new();
        let n = &state.notes;
        if n.forgiven_exits > 0 {
            notes.push(format!(
                "the adapter exited {} time(s) with requests in flight; each time it was restarted and answered the oldest of them when it was sent alone, so no case was blamed (a worker that recycles itself?)",
                n.forgiven_exits
            ));
        }
        if n.duplicates > 0 {
            notes.push(format!(
                "the adapter answered {} request(s) more than once (first: {:?}); protocol v1 allows one answer per request: the extra answers were ignored",
                n.duplicates,
                n.first_duplicate.as_deref().unwrap_or_default()
            ));
        }
        notes
    }

    /// Starts a process and shakes hands. A command that cannot start, or a handshake that
    /// times out, gives up at once; any other failure is retried once.
    fn ensure_session(&self, state: &mut State) -> Option<HelloReply> {
        while state.session.is_none() && state.given_up.is_none() {
            match self.handshake() {
                Ok((process, reply)) => {
                    state.failed_handshakes = 0;
                    state.session = Some(Session {
                        process,
                        answered: Answered::default(),
                    });
                    return Some(reply);
                }
                Err(HandshakeFailure::CannotStart(reason)) => {
                    state.failed_handshakes += 1;
                    state.cannot_start = true;
                    state.given_up = Some(reason);
                }
                Err(HandshakeFailure::TimedOut(reason)) => {
                    state.failed_handshakes += 1;
                    state.given_up = Some(reason);
                }
                Err(HandshakeFailure::Failed(reason)) => {
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

    fn handshake(&self) -> Result<(Process, HelloReply), HandshakeFailure> {
        let mut process = Process::start(&self.argv, self.config.max_line)
            .map_err(HandshakeFailure::CannotStart)?;
        let hello = serde_json::to_vec(&Hello::new())
            .map_err(|e| HandshakeFailure::Failed(e.to_string()))?;
        process.send(hello);
        let deadline = Instant::now() + self.config.handshake_timeout;
        let with_tail = |process: &mut Process, what: String| {
            let tail = process.stderr_tail();
            process.kill();
            if tail.trim().is_empty() {
                what
            } else {
                format!("{what}; stderr: {}", clip(tail.trim(), 2000))
            }
        };
        let failed = |process: &mut Process, what: String| {
            Err(HandshakeFailure::Failed(with_tail(process, what)))
        };
        match process.next_event(deadline) {
            None => {
                let what = format!(
                    "the adapter did not answer the handshake within {} (the handshake timeout)",
                    seconds(self.config.handshake_timeout)
                );
                Err(HandshakeFailure::TimedOut(with_tail(&mut process, what)))
            }
            Some(Event::Closed) => {
                let status = process
                    .exit_status()
                    .unwrap_or_else(|| "closed stdout".to_string());
                failed(
                    &mut process,
                    format!("the adapter exited before the handshake ({status})"),
                )
            }
            Some(Event::TooLong(start)) => failed(
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
                Ok(reply) => failed(
                    &mut process,
                    format!(
                        "the handshake answered protocol {} (this runner speaks {PROTOCOL})",
                        reply.protocol
                    ),
                ),
                Err(e) => failed(
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
        let mut lines: Vec<Vec<u8>> = Vec::with_capacity(inputs.len());
        let mut queue: VecDeque<usize> = VecDeque::new();
        for (index, input) in inputs.iter().enumerate() {
            let line = serde_json::to_vec(&SignRequest::from_input(input)).unwrap_or_default();
            // The line and its `\n` must fit the cap: a longer one is never sent.
            if line.len() >= self.config.max_request_line {
                record(&mut outcomes, index, SignOutcome::Unsendable(format!(
                    "too large to send: its sign request would be a {} byte line, over the {} byte ({} MiB) line cap of adapter protocol v1; the adapter was not asked",
                    line.len() + 1,
                    self.config.max_request_line,
                    self.config.max_request_line >> 20
                )));
                lines.push(Vec::new());
            } else {
                lines.push(line);
                queue.push_back(index);
            }
        }
        let mut in_flight: VecDeque<(usize, Instant)> = VecDeque::new();
        // After an exit with requests in flight: the oldest of them, sent alone next.
        let mut suspect: Option<usize> = None;
        let mut state = self.lock();
        // A case times out when it is the oldest unanswered one and nothing came back for
        // `timeout`: a slow adapter that keeps answering is never cut off.
        let mut last_progress = Instant::now();
        while !queue.is_empty() || !in_flight.is_empty() {
            self.ensure_session(&mut state);
            if let Some(reason) = &state.given_up {
                for index in in_flight.drain(..).map(|(i, _)| i).chain(queue.drain(..)) {
                    record(&mut outcomes, index, SignOutcome::Broken(reason.clone()));
                }
                break;
            }
            let state = &mut *state;
            let Some(session) = state.session.as_mut() else {
                continue;
            };
            let window = if suspect.is_some() {
                1
            } else {
                self.config.window.max(1)
            };
            while in_flight.len() < window {
                let Some(index) = queue.pop_front() else {
                    break;
                };
                session
                    .process
                    .send(lines.get(index).cloned().unwrap_or_default());
                in_flight.push_back((index, Instant::now()));
            }
            let Some(&(oldest, sent)) = in_flight.front() else {
                continue;
            };
            let deadline = sent.max(last_progress) + self.config.timeout;
            // (what went wrong, whether the adapter exited)
            let fault: Option<(String, bool)> = match session.process.next_event(deadline) {
                None => {
                    state.consecutive_timeouts += 1;
                    Some((
                        format!("no answer within {}", seconds(self.config.timeout)),
                        false,
                    ))
                }
                Some(Event::Closed) => {
                    let status = session
                        .process
                        .exit_status()
                        .unwrap_or_else(|| "it closed stdout".to_string());
                    Some((format!("the adapter exited ({status})"), true))
                }
                Some(Event::TooLong(start)) => Some((
                    format!(
                        "the adapter wrote a line longer than {} bytes, starting {:?}",
                        self.config.max_line,
                        clip(&String::from_utf8_lossy(&start), 200)
                    ),
                    false,
                )),
                Some(Event::Line(line)) => match serde_json::from_slice::<SignResult>(&line) {
                    Err(e) => Some((
                        format!(
                            "the adapter wrote a line that is not a protocol v1 result ({e}): {:?}",
                            clip(&String::from_utf8_lossy(&line), 500)
                        ),
                        false,
                    )),
                    Ok(result) => match in_flight.iter().position(|(i, _)| {
                        inputs.get(*i).is_some_and(|input| input.id == result.id)
                    }) {
                        Some(position) => {
                            let (index, _) = in_flight.remove(position).unwrap_or((oldest, sent));
                            session.answered.insert(&result.id);
                            record(&mut outcomes, index, outcome_of(result));
                            last_progress = Instant::now();
                            state.consecutive_timeouts = 0;
                            if suspect == Some(index) {
                                // It was not this case that made the adapter exit.
                                suspect = None;
                                state.notes.forgiven_exits += 1;
                            }
                            None
                        }
                        None if session.answered.contains(&result.id) => {
                            state.notes.duplicates += 1;
                            state.notes.first_duplicate.get_or_insert(result.id);
                            None
                        }
                        None => Some((
                            format!(
                                "the adapter answered id {:?}, which is not a request in flight",
                                clip(&result.id, 200)
                            ),
                            false,
                        )),
                    },
                },
            };
            let Some((what, exited)) = fault else {
                continue;
            };
            let tail = session.process.stderr_tail();
            if let Some(session) = state.session.take() {
                let mut process = session.process;
                process.kill();
            }
            last_progress = Instant::now();
            let alone = in_flight.len() == 1;
            let requeue_oldest = exited && !(suspect == Some(oldest) && alone);
            if requeue_oldest {
                // Perhaps not this case's fault (a worker recycling itself): send it again,
                // alone, before any other.
                suspect = Some(oldest);
            } else {
                in_flight.pop_front();
                if suspect == Some(oldest) {
                    suspect = None;
                }
                let again = if exited {
                    ", again when this case was sent alone after a restart"
                } else {
                    ""
                };
                let stderr = if tail.trim().is_empty() {
                    String::new()
                } else {
                    format!("\nstderr (tail):\n{}", clip(tail.trim_end(), 3000))
                };
                record(
                    &mut outcomes,
                    oldest,
                    SignOutcome::Broken(format!("{what}{again}{stderr}")),
                );
                let limit = self.config.timeouts_before_giving_up.max(1);
                if !exited && state.consecutive_timeouts >= limit {
                    state.given_up = Some(format!(
                        "the adapter was given up on: {limit} cases in a row got no answer within {} (it was restarted after each)",
                        seconds(self.config.timeout)
                    ));
                }
            }
            for (index, _) in in_flight.drain(..).rev() {
                queue.push_front(index);
            }
        }
        outcomes
            .into_iter()
            .map(|o| o.unwrap_or_else(|| SignOutcome::Broken("no outcome".to_string())))
            .collect()
    }

    /// Closes the adapter's stdin and lets it exit (2 s at most), then ends its process group.
    pub fn stop(&self) {
        if let Some(session) = self.lock().session.take() {
            session.process.stop(EXIT_GRACE);
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
    let outputs: StageOutputs = result.outputs().into_iter().collect();
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
            .map(HelloReply::info)
            .unwrap_or_else(|| ImplementationInfo {
                name: self.config.command.clone(),
                ..ImplementationInfo::default()
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

    /// The hello's `algorithms`; an adapter that lists none signs SigV4 only (what v1 meant
    /// before the field).
    fn algorithms(&self) -> Vec<crate::sign::Algorithm> {
        match self.hello.as_ref().and_then(|h| h.algorithms.as_ref()) {
            Some(names) => names
                .iter()
                .filter_map(|n| crate::sign::Algorithm::parse(n))
                .collect(),
            None => vec![crate::sign::Algorithm::HmacSha256],
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

    fn notes(&self) -> Vec<String> {
        Adapter::notes(self)
    }
}
/// Records the outcome of the input at `index` (an index of `outcomes`, which has one slot per
/// input).
fn record(outcomes: &mut [Option<SignOutcome>], index: usize, outcome: SignOutcome) {
    if let Some(slot) = outcomes.get_mut(index) {
        *slot = Some(outcome);
    }
}
