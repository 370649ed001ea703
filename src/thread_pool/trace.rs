//! The scheduling-event recorder: who spawned, stole, parked and woke, when.
//!
//! # What it is for
//!
//! Work stealing is invisible from outside: you only see that the total
//! time went down. The recorder writes down the scheduling decisions as they
//! happen so that `examples/work_stealing.rs` can print them, and draw an
//! ASCII timeline of which worker ran jobs when.
//!
//! # Cost when off
//!
//! Every hook is `if enabled { record_cold(..) }`: one relaxed load and one
//! well-predicted branch. The slow part (reading the clock, locking the
//! event list) is in a separate `#[cold]` function that is never entered
//! while recording is off.
//!
//! # Cost when on
//!
//! Each event takes a mutex and pushes onto a `Vec`. That is heavy enough to
//! change the timings of tiny jobs, so turn it on to *watch*, never while
//! benchmarking.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// A job was pushed onto this worker's own deque (`spawn`, `scope`).
    Spawned,
    /// A job was pushed into the global injector (from outside the pool).
    Injected,
    /// This worker stole a job from `victim`'s deque.
    Stolen {
        /// The worker the job was taken from.
        victim: usize,
    },
    /// This worker took a job from the global injector.
    TookInjected,
    /// This worker started running a job taken from a queue.
    JobStarted,
    /// This worker finished that job.
    JobFinished,
    /// This worker parked (found no work for a while).
    Parked,
    /// This worker was woken from parking.
    Woken,
    /// A `spawn`ed job panicked on this worker (reported, not fatal).
    SpawnedJobPanicked,
    /// On a heartbeat, this worker promoted its oldest pending `join` frame
    /// into a job others may steal (heartbeat scheduling only).
    Promoted,
}

/// One recorded event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceEvent {
    /// Time since the recorder was created.
    pub at: Duration,
    /// The worker it happened on; `None` for a thread outside the pool.
    pub worker: Option<usize>,
    /// What happened.
    pub kind: EventKind,
}

/// The recorder of one pool. Get it with `ThreadPool::trace`.
#[derive(Debug)]
pub struct Recorder {
    enabled: AtomicBool,
    epoch: Instant,
    events: Mutex<Vec<TraceEvent>>,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder {
            enabled: AtomicBool::new(false),
            epoch: Instant::now(),
            events: Mutex::new(Vec::new()),
        }
    }
}

impl Recorder {
    /// Starts recording.
    pub fn enable(&self) {
        self.enabled.store(true, Ordering::SeqCst);
    }

    /// Stops recording (events already recorded are kept).
    pub fn disable(&self) {
        self.enabled.store(false, Ordering::SeqCst);
    }

    /// Whether recording is on.
    pub fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    /// Removes and returns the events recorded so far, oldest first.
    pub fn take(&self) -> Vec<TraceEvent> {
        let mut events = std::mem::take(&mut *self.events.lock());
        events.sort_by_key(|e| e.at);
        events
    }

    /// The time origin of `TraceEvent::at`.
    pub fn epoch(&self) -> Instant {
        self.epoch
    }

    /// Records an event if recording is on: one branch when it is off.
    #[inline(always)]
    pub(crate) fn record(&self, worker: Option<usize>, kind: EventKind) {
        if self.enabled.load(Ordering::Relaxed) {
            self.record_cold(worker, kind);
        }
    }

    #[cold]
    #[inline(never)]
    fn record_cold(&self, worker: Option<usize>, kind: EventKind) {
        let at = self.epoch.elapsed();
        self.events.lock().push(TraceEvent { at, worker, kind });
    }
}

/// Draws one row per worker: `#` where it was running a job taken from a
/// queue, `.` where it was not, `width` columns from the first to the last
/// event. A worker that stole during a column gets an `s` there, a worker
/// that parked a `z`, a worker that promoted a join frame on a heartbeat
/// a `p`.
pub fn render_timeline(events: &[TraceEvent], workers: usize, width: usize) -> String {
    let width = width.max(1);
    let (Some(first), Some(last)) = (events.first(), events.last()) else {
        return String::from("(no events)\n");
    };
    let span = (last.at - first.at).as_nanos().max(1);
    let column = |at: Duration| -> usize {
        let offset = (at - first.at).as_nanos();
        ((offset * width as u128 / span) as usize).min(width - 1)
    };
    let mut rows = vec![vec![b'.'; width]; workers];
    let mut running_since: Vec<Option<usize>> = vec![None; workers];
    for e in events {
        let Some(w) = e.worker.filter(|w| *w < workers) else {
            continue;
        };
        let col = column(e.at);
        match e.kind {
            EventKind::JobStarted => running_since[w] = Some(col),
            EventKind::JobFinished => {
                let start = running_since[w].take().unwrap_or(col);
                for cell in &mut rows[w][start..=col] {
                    if *cell == b'.' {
                        *cell = b'#';
                    }
                }
            }
            EventKind::Stolen { .. } => rows[w][col] = b's',
            EventKind::Parked => rows[w][col] = b'z',
            EventKind::Promoted => rows[w][col] = b'p',
            _ => {}
        }
    }
    let mut out = String::new();
    for (w, row) in rows.iter().enumerate() {
        out.push_str(&format!(
            "worker {w:>2} |{}|\n",
            String::from_utf8_lossy(row)
        ));
    }
    out
}
