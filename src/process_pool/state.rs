//! # The parent's bookkeeping: tasks, workers, and the pump
//!
//! Everything the parent knows lives in one [`State`] behind one mutex:
//! the queue of tasks not yet sent, the table of all tasks, and one
//! [`Worker`] per slot with its socket, its read buffer and the tasks in
//! flight on it. Nothing here blocks except short requests to the fork
//! server; the parent's sockets are non-blocking.
//!
//! ## The pump
//!
//! [`State::pump`] is the one routine that makes progress. Whoever holds
//! the lock may call it: a thread in `join` or `map`, or a future being
//! polled by the event loop. One pass:
//!
//! 1. for each worker, write what is pending of its task frames, then read
//!    what it sent, cut frames and complete their tasks;
//! 2. a worker whose socket reads end of file, or that sent garbage, or
//!    whose current task passed its deadline, is *lost*: it is reaped (via
//!    the fork server), its current task fails with the reason, the tasks
//!    queued behind it (which it never started) go back to the front of the
//!    queue, and a replacement is forked into its slot;
//! 3. queued tasks are handed to workers with room: idle workers first,
//!    then up to `prefetch` tasks per worker.
//!
//! ## Prefetch, and why it stays exact
//!
//! Keeping more than one task in flight per worker hides the round trip:
//! the worker finds its next task already in its socket when it finishes
//! one, and the parent reads many replies per wake-up. How many is a
//! trade-off. Tiny tasks want many (64 tasks of 5 µs queued cost nothing);
//! long tasks want few, because a task queued behind a long one on a busy
//! worker cannot move to a worker that became idle. So the depth adapts: the
//! pump keeps a moving average of how long a task occupies a worker and
//! queues about 1 ms of work per worker, never fewer than 2 tasks nor more
//! than 64 (`ProcessPoolBuilder::prefetch` fixes it instead).
//!
//! Prefetch does not blur crash reports: a worker runs its tasks one at a
//! time in the order sent and replies in that order, so when it dies the
//! *oldest* task without a reply is the one it was running, and the ones
//! behind it never started. Only the oldest fails; the others are re-sent
//! elsewhere.
//!
//! Waiting (the leader/follower scheme and the doorbell) is in
//! `state/waiting.rs`; forking, retiring and losing workers in
//! `state/lifecycle.rs`; handing tasks to workers and writing their frames
//! in `state/dispatch.rs`. The state is split by role: the task table
//! (`state/tasks.rs`), worker I/O (`state/worker.rs`, one [`Worker`] per
//! slot), and dispatch (`state/dispatch.rs`). The fields are private to
//! `state/`; the front (`pool.rs`, `handle.rs`) asks through the calls of
//! `state/front.rs`.
//!
//! Read next: `pool.rs` (the public API built on this) and `handle.rs`.

use std::collections::{HashMap, VecDeque};
use std::io::{self, IoSlice};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::task::Waker;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex, MutexGuard};
use serde::de::DeserializeOwned;

use super::builder::Transport;
use super::error::{Retry, TaskError};
use super::forkserver::ForkServer;
use super::recorder::TaskId;
use super::shm::{self, ShmLink};
use super::sys::{self, ExitKind, Pid};
use super::wire::{self, FrameBuf};
use crate::trace::{JobId, Kind, Lane, PoolId, Recorder, WorkerPid};

mod dispatch;
mod front;
mod lifecycle;
mod tasks;
mod waiting;
mod worker;

use dispatch::flush;
use lifecycle::Loss;
pub use tasks::{Owner, TaskState, TaskTable};
pub use waiting::Inner;
pub use worker::Worker;

/// How long a worker whose socket closed gets to finish exiting before the
/// fork server kills it (it is normally already dead).
const EXIT_GRACE: Duration = Duration::from_secs(2);

/// Adaptive prefetch keeps about this much work queued per worker.
const PREFETCH_BUDGET_NANOS: f64 = 1e6;
/// Adaptive prefetch bounds.
const PREFETCH_MIN: usize = 2;
/// See [`PREFETCH_MIN`].
const PREFETCH_MAX: usize = 64;
/// The task-time average starts here (so the first tasks get depth 2).
const INITIAL_TASK_NANOS: f64 = 1e6;
/// At most this many frames per vectored send.
const MAX_IOVECS: usize = 64;
/// The retry log keeps at most this many entries (the oldest are dropped).
const RETRY_LOG_MAX: usize = 1024;

/// Settings fixed at pool creation.
#[derive(Debug, Clone)]
pub struct Config {
    /// Number of worker slots.
    pub workers: usize,
    /// Tasks a worker serves before it is replaced.
    pub max_tasks_per_child: Option<u64>,
    /// Per-task time limit (a chunk of n items gets n times this).
    pub task_timeout: Option<Duration>,
    /// Largest frame accepted from a worker.
    pub max_frame: usize,
    /// Tasks in flight per worker; `None` = adaptive (see "Prefetch").
    pub prefetch: Option<usize>,
}

/// What a reply did to its worker.
enum AfterReply {
    /// Nothing special.
    Continue,
    /// The worker served its last task and is exiting.
    Retire,
}

/// The pool's state, behind `Inner::state`.
pub struct State<Out> {
    /// Worker slots; `None` while a slot could not be filled.
    workers: Vec<Option<Worker>>,
    /// Tasks waiting for a worker, in order.
    queue: VecDeque<TaskId>,
    /// Every task not yet collected.
    tasks: TaskTable<Out>,
    /// Finished tasks per `map`/`imap_unordered` call.
    mailboxes: HashMap<u64, VecDeque<TaskId>>,
    next_id: u64,
    next_mailbox: u64,
    /// The fork server (`None` once shut down).
    server: Option<ForkServer>,
    /// The trace recorder (`recorder.rs`).
    recorder: Recorder,
    /// Names this pool's jobs in the trace.
    pool_id: PoolId,
    /// A thread is blocked in `poll` on our sockets.
    leader_polling: bool,
    /// Set when tasks completed since the flag was last cleared.
    progress: bool,
    /// Once set, new tasks fail with this at once.
    broken: Option<TaskError>,
    /// The queued task whose future watches all busy workers for the queue.
    queue_watcher: Option<TaskId>,
    /// Set whenever a queued task may hold a waker (a future stored one,
    /// or a task holding one went back to the queue); cleared by a search
    /// for a queue watcher that found none (`state/dispatch.rs`).
    queued_wakers: bool,
    /// Moving average of how long a task occupies a worker, in nanoseconds.
    avg_task_nanos: f64,
    /// Wakers to wake once the lock is released (never under it: a waker
    /// may call back into the pool). `StateGuard` (`state/waiting.rs`)
    /// wakes them.
    wakes: Vec<Waker>,
    /// The `(fd, events)` the leader is polling, bell excluded: a pump that
    /// changes them (a frame left half-written, a replacement worker) must
    /// ring the doorbell so the leader polls the right set.
    leader_view: Vec<(Pid, RawFd, i16)>,
    /// Attempts a task gets when its worker dies under it (1 = no retry).
    max_attempts: u32,
    /// Attempts lost and retried, oldest first, until taken.
    retries: VecDeque<Retry>,
    /// How frames travel to the workers forked from now on.
    transport: Transport,
    /// Set by a blocked waiter for its own pumps (see [`Look`]); other
    /// pumps (futures, `is_finished`, `submit`) look at every worker.
    quick: Look,
    /// The buffer of the last large task frame that completed, for the
    /// next `submit` to encode into (`tasks.rs`, `take_spare_frame`).
    spare_frame: Vec<u8>,
}

/// Which workers' sockets a pump reads.
///
/// A pump that reads every socket until `EAGAIN` makes system calls that
/// find nothing: on an idle worker, on a busy one that has not answered
/// yet, and the last `recv` after a reply. A blocked waiter knows more,
/// because its own `poll` (level-triggered) tells it which sockets spoke,
/// so its pumps skip what cannot have news.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    /// Read every worker's socket until `EAGAIN` (futures, `is_finished`).
    All,
    /// A waiter that has not polled yet: read the sockets of busy workers
    /// (except those written to since their last read: the reply to a
    /// task just sent is not back yet) and of those a `poll` reported, and
    /// stop reading a socket after a short read (it was drained: a later
    /// byte makes `poll` report it).
    /// A shared-memory worker's silent socket and pidfd are only looked at
    /// (one `poll` each) when reply bytes arrived or a `poll` reported them.
    Busy,
    /// A waiter right after its own `poll`: as `Busy`, but socket-pair
    /// workers are read only where the `poll` reported something.
    Reported,
}

impl<Out> State<Out> {
    /// A state with `workers` empty slots around a started fork server;
    /// workers forked into them use `transport`, and a task gets
    /// `max_attempts` attempts when its worker dies under it.
    pub fn new(
        server: ForkServer,
        workers: usize,
        recorder: Recorder,
        transport: Transport,
        max_attempts: u32,
    ) -> State<Out> {
        State {
            workers: (0..workers).map(|_| None).collect(),
            queue: VecDeque::new(),
            tasks: TaskTable::default(),
            mailboxes: HashMap::new(),
            next_id: 0,
            next_mailbox: 0,
            server: Some(server),
            recorder,
            pool_id: PoolId::next(),
            leader_polling: false,
            progress: false,
            broken: None,
            queue_watcher: None,
            queued_wakers: false,
            avg_task_nanos: INITIAL_TASK_NANOS,
            wakes: Vec::new(),
            leader_view: Vec::new(),
            max_attempts,
            retries: VecDeque::new(),
            transport,
            quick: Look::All,
            spare_frame: Vec::new(),
        }
    }

    /// Whether nothing is queued or in flight.
    pub fn idle(&self) -> bool {
        self.queue.is_empty() && self.workers.iter().flatten().all(|w| w.inflight.is_empty())
    }

    /// The earliest task deadline, if a timeout is set and a task is running.
    pub fn next_deadline(&self, cfg: &Config) -> Option<Instant> {
        let limit = cfg.task_timeout?;
        self.workers
            .iter()
            .flatten()
            .filter_map(|w| {
                let id = w.inflight.front()?;
                let items = self.tasks.get(id).map_or(1, |j| j.items.max(1));
                Some(w.head_started + limit * items as u32)
            })
            .min()
    }
}

impl<Out: DeserializeOwned> State<Out> {
    /// One pass of the pump (see the module docs). Returns nothing; sets
    /// `progress` when tasks completed.
    pub fn pump(&mut self, cfg: &Config) {
        for slot in 0..self.workers.len() {
            self.service(slot, cfg);
        }
        if let Some(limit) = cfg.task_timeout {
            let now = Instant::now();
            for slot in 0..self.workers.len() {
                let expired = self.workers[slot].as_ref().is_some_and(|w| {
                    w.inflight.front().is_some_and(|id| {
                        let items = self.tasks.get(id).map_or(1, |j| j.items.max(1));
                        now >= w.head_started + limit * items as u32
                    })
                });
                if expired {
                    self.lose(slot, Loss::TimedOut);
                }
            }
        }
        self.refill_slots();
        self.dispatch(cfg);
    }

    /// What `submit` runs after queueing one task: hands it to a worker
    /// with room without reading any socket (the `join` that usually
    /// follows pumps at once, and a read here would only find `EAGAIN`).
    /// A full [`pump`](State::pump) only when no worker had room: replies
    /// waiting to be read are what frees it.
    pub fn pump_submit(&mut self, cfg: &Config) {
        self.dispatch(cfg);
        if !self.queue.is_empty() {
            self.pump(cfg);
        }
    }

    /// Writes and reads one worker's socket as far as it goes without blocking.
    fn service(&mut self, slot: usize, cfg: &Config) {
        let Some(w) = self.workers[slot].as_mut() else {
            return;
        };
        let write_failed = flush(w, &self.tasks).is_err();
        // Under shared memory, look at the silent socket before the ring:
        // whatever a worker wrote there came before the replies it
        // published after it, as it would in one byte stream.
        // A waiter's `poll` saw the socket or the pidfd speak.
        let reported = w.news;
        let look = match (w.shm.as_mut(), self.quick) {
            (Some(link), quick) => {
                let bytes = link.snapshot();
                bytes || w.news || quick == Look::All
            }
            (None, Look::All) => true,
            // Not a socket we just wrote to: the reply to that is not
            // back yet in nearly every trip, and `poll` reports it if it is.
            (None, Look::Busy) => w.news || (!w.inflight.is_empty() && !w.sent_since_read),
            (None, Look::Reported) => w.news,
        };
        // A failed write means a dead worker: read what it sent first.
        let look = look || write_failed;
        w.news &= !look;
        if !look && w.shm.is_none() {
            // Nothing can have arrived: a `poll` would have said so.
            return;
        }
        let news = if look { w.shm_socket_news() } else { None };
        match news {
            None => {}
            Some(Loss::Gone) => {
                // The worker is dead: what it published is final; whole
                // frames in it count, as they would on a socket.
                if let Some(link) = w.shm.as_mut() {
                    link.snapshot();
                }
                let mut buf = std::mem::take(&mut w.inbuf);
                let (last, _) = self.read_replies(slot, &mut buf, cfg);
                return match last {
                    Some(Ok(_)) => self.retire(slot),
                    Some(Err(loss)) => self.lose(slot, loss),
                    None => self.lose(slot, Loss::Gone),
                };
            }
            // Garbage came before anything published after it.
            Some(loss) => return self.lose(slot, loss),
        }
        let mut buf = std::mem::take(&mut w.inbuf);
        let (mut outcome, read_any) = self.read_replies(slot, &mut buf, cfg);
        // A busy worker that said nothing may be dead with its socket still
        // open (a grandchild of its task inherited it): ask the process. If
        // it exited, whatever it wrote before dying is readable by now, so
        // read once more before calling it lost. Under shared memory the
        // socket is silent, so its end of file has to be asked for too.
        // A blocked waiter asks only when its `poll` reported something:
        // that `poll` watches the pidfd.
        if outcome.is_none()
            && !write_failed
            && !read_any
            && look
            && (self.quick == Look::All || reported)
            && self.busy_and_exited(slot)
        {
            if let Some(link) = self.workers[slot].as_mut().and_then(|w| w.shm.as_mut()) {
                link.snapshot();
            }
            let (last, _) = self.read_replies(slot, &mut buf, cfg);
            outcome = Some(last.unwrap_or(Err(Loss::Gone)));
        }
        match outcome {
            None if write_failed => self.lose(slot, Loss::Gone),
            None => {
                if let Some(w) = self.workers[slot].as_mut() {
                    w.inbuf = buf;
                }
            }
            Some(Ok(_)) => self.retire(slot),
            Some(Err(loss)) => self.lose(slot, loss),
        }
    }

    /// Reads worker `slot`'s socket until `WouldBlock`, completing tasks
    /// from its replies. Returns what ended the worker's service, if
    /// anything did, and whether any bytes arrived.
    fn read_replies(
        &mut self,
        slot: usize,
        buf: &mut FrameBuf,
        cfg: &Config,
    ) -> (Option<Result<AfterReply, Loss>>, bool) {
        let mut read_any = false;
        // A socket that filled less than the room offered was drained; a
        // waiter's `poll` reports what comes next, so skip the `EAGAIN` read.
        let stop_short =
            self.quick != Look::All && self.workers[slot].as_ref().is_some_and(|w| w.shm.is_none());
        loop {
            let Some(w) = self.workers[slot].as_mut() else {
                return (None, read_any);
            };
            match w.fill(buf) {
                Ok(0) => return (Some(Err(Loss::Gone)), read_any),
                Ok(_) => {
                    read_any = true;
                    loop {
                        match buf.next_frame(cfg.max_frame) {
                            Ok(Some(payload)) => match self.on_reply(slot, payload, cfg) {
                                Ok(AfterReply::Continue) => {}
                                other => return (Some(other), read_any),
                            },
                            Ok(None) => break,
                            Err(e) => return (Some(Err(Loss::Protocol(e.to_string()))), read_any),
                        }
                    }
                    if stop_short && buf.drained() {
                        return (None, read_any);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return (None, read_any),
                Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                    return (Some(Err(Loss::Protocol(e.to_string()))), read_any)
                }
                Err(_) => return (Some(Err(Loss::Gone)), read_any),
            }
        }
    }

    /// Whether worker `slot` has tasks in flight and its pidfd says it exited.
    fn busy_and_exited(&self, slot: usize) -> bool {
        self.workers[slot].as_ref().is_some_and(|w| {
            !w.inflight.is_empty()
                && w.pidfd
                    .as_ref()
                    .is_some_and(|p| sys::readable_now(p.as_raw_fd()))
        })
    }

    /// Handles one reply frame from the worker in `slot`.
    fn on_reply(&mut self, slot: usize, payload: &[u8], cfg: &Config) -> Result<AfterReply, Loss> {
        let proto = |e: wire::FrameError| Loss::Protocol(e.to_string());
        let (id, count, mut rest) = wire::task_header(payload).map_err(proto)?;
        if id == wire::INIT_FAILED {
            let message = wire::next_reply_item(&mut rest)
                .map(|(_, m)| String::from_utf8_lossy(m).into_owned())
                .unwrap_or_else(|_| "unknown".into());
            return Err(Loss::InitFailed(message));
        }
        let w = self.workers[slot]
            .as_mut()
            .expect("servicing an empty slot");
        if w.inflight.front() != Some(&id) || w.write_idx == 0 {
            return Err(Loss::Protocol(format!(
                "reply for task {id}, but the running task is {:?}",
                w.inflight.front()
            )));
        }
        let items = self.tasks.get(&id).map_or(0, |j| j.items);
        if count as usize != items {
            return Err(Loss::Protocol(format!(
                "reply with {count} items for a task of {items}"
            )));
        }
        let mut results = Vec::with_capacity(items);
        if let Some((len, limit)) = wire::too_large_reply(&mut rest).map_err(proto)? {
            // The worker measured a reply over the limit and sent this instead.
            results.extend((0..count).map(|_| Err(TaskError::TooLarge { len, limit })));
        }
        for _ in results.len()..count as usize {
            let (tag, bytes) = wire::next_reply_item(&mut rest).map_err(proto)?;
            let text = || String::from_utf8_lossy(bytes).into_owned();
            results.push(match tag {
                wire::TAG_OK => {
                    wire::decode(bytes).map_err(|message| TaskError::Decode { message })
                }
                wire::TAG_PANIC => Err(TaskError::Panicked { message: text() }),
                wire::TAG_BAD_INPUT => Err(TaskError::Encode { message: text() }),
                _ => Err(TaskError::Decode { message: text() }),
            });
        }
        if !rest.is_empty() {
            return Err(Loss::Protocol(format!(
                "{} stray bytes after the last item",
                rest.len()
            )));
        }
        let pid = w.pid;
        w.inflight.pop_front();
        w.write_idx -= 1;
        let now = Instant::now();
        let took = now.duration_since(w.head_started).as_nanos() as f64;
        w.head_started = now;
        self.avg_task_nanos += (took - self.avg_task_nanos) / 8.0;
        let retire =
            w.inflight.is_empty() && cfg.max_tasks_per_child.is_some_and(|m| w.dispatched >= m);
        let job = self.job_id(id);
        self.note(pid, || Kind::Received { job });
        self.complete(id, results);
        Ok(if retire {
            AfterReply::Retire
        } else {
            AfterReply::Continue
        })
    }
}
