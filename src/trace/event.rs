//! The one event type: [`Event`] = when ([`Timestamp`]) + where ([`Lane`]) +
//! what ([`Kind`]).
//!
//! [`Kind`] lists everything any runtime records, grouped by who records it:
//!
//! * the **event loop**: a task spawned, polled, returned `Pending` or
//!   `Ready` (or panicked), woken (and by what, [`WakeSource`]); the loop
//!   polled the reactor, fired timers; a program's own [`Kind::Note`];
//! * the **thread pool**: a job spawned or injected, stolen, taken from the
//!   injector, started and finished; a worker parked and unparked; a
//!   heartbeat promoted a `join` frame;
//! * the **process pool**: a job submitted (on the caller's lane), a worker
//!   forked, a job sent and its reply received, a worker crashed, retired or
//!   exited (on the worker's lane);
//! * the **HTTP client**: a request started, entered a phase
//!   ([`HttpPhase`]), opened a connection, finished;
//! * the **cart workload** (`src/carts/`): a cart was fetched or priced
//!   ([`Kind::CartSpan`], one bar of its timelines).
//!
//! Events are plain data: `Clone`, comparable, and printable with
//! `Display` as one line of a diary (see `examples/yielding.rs`).
//!
//! Read next: `recorder.rs`, how events are recorded.

use std::fmt;
use std::time::Duration;

use super::clock::Timestamp;
use super::ids::{CartId, ConnId, JobId, RequestId, TaskId, WorkerPid};
use super::lane::Lane;

/// What caused an event-loop task to be woken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WakeSource {
    /// A timer (a `sleep` or a `timeout`) reached its deadline.
    Timer,
    /// The reactor reported readiness on a registered source.
    Io,
    /// Code running in this task (or `main`) called the waker.
    Task(TaskId),
    /// The task had called `yield_now` and the loop gave it its turn back.
    Yield,
    /// A waker was called from another thread (through the injection queue).
    Thread,
    /// Something else on the loop thread (for example a `JoinHandle::abort`
    /// issued while the loop was between phases).
    Loop,
}

impl fmt::Display for WakeSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WakeSource::Timer => f.write_str("a timer"),
            WakeSource::Io => f.write_str("I/O readiness"),
            WakeSource::Task(id) => write!(f, "{id}"),
            WakeSource::Yield => f.write_str("its yield_now"),
            WakeSource::Thread => f.write_str("another thread"),
            WakeSource::Loop => f.write_str("the loop"),
        }
    }
}

/// The phases of one HTTP request, in the order they happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpPhase {
    /// Opening a new connection (resolving, TCP, TLS). Skipped when a
    /// parked connection is reused.
    Connect,
    /// Writing the request and waiting for the response's head.
    Head,
    /// Reading the response's body.
    Body,
}

impl HttpPhase {
    /// The phase's name in a trace ("connect", "head", "body").
    pub fn name(self) -> &'static str {
        match self {
            HttpPhase::Connect => "connect",
            HttpPhase::Head => "head",
            HttpPhase::Body => "body",
        }
    }
}

/// What a cart's bar stands for (see [`Kind::CartSpan`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CartPhase {
    /// Request sent, response not yet parsed: waiting on the network.
    Fetch,
    /// The pricing kernel ran (one slice of it, under the simulated GIL).
    Price,
}

impl CartPhase {
    /// The phase's name in a trace ("fetch", "price").
    pub fn name(self) -> &'static str {
        match self {
            CartPhase::Fetch => "fetch",
            CartPhase::Price => "price",
        }
    }
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    // ----- event loop -----
    /// `task` was spawned by `by` (`None`: from outside the loop, through a `Handle`).
    Spawned {
        /// The new task.
        task: TaskId,
        /// Who spawned it.
        by: Option<TaskId>,
    },
    /// The loop started polling `task`.
    Polled {
        /// The polled task.
        task: TaskId,
    },
    /// The poll of `task` returned `Poll::Pending`: it is waiting for a wake.
    Pending {
        /// The task that is now waiting.
        task: TaskId,
    },
    /// The poll of `task` returned `Poll::Ready`: it has completed.
    Ready {
        /// The completed task.
        task: TaskId,
    },
    /// The poll of `task` panicked; the panic was caught and stored in its `JoinHandle`.
    Panicked {
        /// The task that panicked.
        task: TaskId,
    },
    /// `task` was woken by `by` and put on the run queue.
    Woken {
        /// The woken task.
        task: TaskId,
        /// The cause.
        by: WakeSource,
    },
    /// The loop asked the OS for I/O events, willing to block for `timeout`
    /// (`None`: indefinitely), and got `events` back.
    ReactorPoll {
        /// How long the loop was willing to block.
        timeout: Option<Duration>,
        /// How many events the OS returned.
        events: usize,
    },
    /// `count` timers reached their deadline and were fired.
    TimersFired {
        /// Number of fired timers.
        count: usize,
    },
    /// A note written by the program (`event_loop::note`), attributed to the
    /// task that was running.
    Note {
        /// The running task (`None` between tasks).
        task: Option<TaskId>,
        /// The note.
        text: String,
    },

    // ----- thread pool -----
    /// A job was pushed onto this worker's own deque (`spawn`, `scope`).
    JobSpawned,
    /// A job was pushed into the global injector (from outside the pool).
    JobInjected,
    /// This worker stole a job from `victim`'s deque.
    JobStolen {
        /// The worker the job was taken from.
        victim: usize,
    },
    /// This worker took a job from the global injector.
    JobTookInjected,
    /// This worker started running a job taken from a queue.
    JobStarted,
    /// This worker finished that job.
    JobFinished,
    /// A `spawn`ed job panicked on this worker (reported, not fatal).
    JobPanicked,
    /// This worker parked (found no work for a while).
    Parked,
    /// This worker was woken from parking.
    Unparked,
    /// On a heartbeat, this worker promoted its oldest pending `join` frame
    /// into a job others may steal (heartbeat scheduling only).
    Promoted,

    // ----- process pool -----
    /// A job was handed to the process pool (recorded on the caller's lane:
    /// the start of the hand-off arrow to the worker that runs it).
    Submitted {
        /// The job.
        job: JobId,
    },
    /// The fork server forked this worker into the given slot.
    Forked {
        /// Worker slot (0..workers): a replacement takes its predecessor's slot.
        slot: usize,
    },
    /// A job with `items` inputs was sent to the worker.
    Sent {
        /// The job.
        job: JobId,
        /// Inputs in it (1 for `submit`, the chunk size for `map`).
        items: usize,
    },
    /// The worker's reply for a job arrived.
    Received {
        /// The job.
        job: JobId,
    },
    /// The worker died unexpectedly (signal, exit, protocol error, timeout).
    Crashed {
        /// In words: "killed by signal 9", "timed out", ...
        reason: String,
    },
    /// The worker finished its `max_tasks_per_child` budget and exited.
    Retired,
    /// The worker exited at `close`.
    Exited,

    // ----- HTTP client -----
    /// The client started sending a request.
    RequestStarted {
        /// The request.
        req: RequestId,
        /// `GET`, `POST`...
        method: String,
        /// The URL.
        url: String,
    },
    /// The request entered a phase (the previous phase, if any, ended).
    RequestPhase {
        /// The request.
        req: RequestId,
        /// The phase it entered.
        phase: HttpPhase,
    },
    /// The request opened a new connection (it did not reuse a parked one).
    ConnectionOpened {
        /// The request.
        req: RequestId,
        /// The new connection.
        conn: ConnId,
    },
    /// The request ended: with a response's status, or an error (`None`).
    RequestFinished {
        /// The request.
        req: RequestId,
        /// The response's status code, `None` if it failed.
        status: Option<u16>,
    },

    // ----- cart workload -----
    /// A cart was fetched or priced on this lane, from the event's time for
    /// `dur`: a complete bar, recorded once it has ended (with
    /// [`Recorder::record_at`](super::Recorder::record_at)), because a slice
    /// priced in a worker process is only known when its reply arrives.
    CartSpan {
        /// The cart.
        cart: CartId,
        /// Fetching or pricing.
        phase: CartPhase,
        /// How long the bar lasted.
        dur: Duration,
    },
}

/// One recorded event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// When it happened, on the trace clock.
    pub at: Timestamp,
    /// Where: which loop, pool thread or worker process.
    pub lane: Lane,
    /// What happened.
    pub kind: Kind,
}

impl Event {
    /// The worker process the event is about, if it is on a worker's lane.
    pub fn worker(&self) -> Option<WorkerPid> {
        match self.lane {
            Lane::Worker(pid) => Some(pid),
            _ => None,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Spawned { task, by: Some(by) } => write!(f, "{task} spawned by {by}"),
            Kind::Spawned { task, by: None } => write!(f, "{task} spawned from outside"),
            Kind::Polled { task } => write!(f, "{task} polled"),
            Kind::Pending { task } => write!(f, "{task} returned Pending"),
            Kind::Ready { task } => write!(f, "{task} returned Ready"),
            Kind::Panicked { task } => write!(f, "{task} panicked"),
            Kind::Woken { task, by } => write!(f, "{task} woken by {by}"),
            Kind::ReactorPoll { timeout, events } => match timeout {
                Some(t) => write!(f, "reactor poll (timeout {t:?}): {events} events"),
                None => write!(f, "reactor poll (no timeout): {events} events"),
            },
            Kind::TimersFired { count } => write!(f, "{count} timer(s) fired"),
            Kind::Note {
                task: Some(t),
                text,
            } => write!(f, "{t}: {text}"),
            Kind::Note { task: None, text } => write!(f, "note: {text}"),
            Kind::JobSpawned => f.write_str("job spawned"),
            Kind::JobInjected => f.write_str("job injected"),
            Kind::JobStolen { victim } => write!(f, "job stolen from worker {victim}"),
            Kind::JobTookInjected => f.write_str("job taken from the injector"),
            Kind::JobStarted => f.write_str("job started"),
            Kind::JobFinished => f.write_str("job finished"),
            Kind::JobPanicked => f.write_str("spawned job panicked"),
            Kind::Parked => f.write_str("parked"),
            Kind::Unparked => f.write_str("unparked"),
            Kind::Promoted => f.write_str("join frame promoted"),
            Kind::Submitted { job } => write!(f, "{job} submitted"),
            Kind::Forked { slot } => write!(f, "forked into slot {slot}"),
            Kind::Sent { job, items } => write!(f, "{job} sent ({items} items)"),
            Kind::Received { job } => write!(f, "result of {job}"),
            Kind::Crashed { reason } => write!(f, "crashed: {reason}"),
            Kind::Retired => f.write_str("retired"),
            Kind::Exited => f.write_str("exited"),
            Kind::RequestStarted { req, method, url } => write!(f, "{req}: {method} {url}"),
            Kind::RequestPhase { req, phase } => write!(f, "{req}: {}", phase.name()),
            Kind::ConnectionOpened { req, conn } => write!(f, "{req}: {conn} opened"),
            Kind::RequestFinished {
                req,
                status: Some(s),
            } => write!(f, "{req}: status {s}"),
            Kind::RequestFinished { req, status: None } => write!(f, "{req}: failed"),
            Kind::CartSpan { cart, phase, dur } => write!(f, "{} {cart} for {dur:?}", phase.name()),
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.at.since_origin().as_secs_f64() * 1e3;
        write!(f, "{ms:9.3} ms  {}  {}", self.lane, self.kind)
    }
}
