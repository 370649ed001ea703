//! The thread pool's ASCII picture of its trace.
//!
//! # What it is for
//!
//! Work stealing is invisible from outside: you only see that the total
//! time went down. With the pool's recorder on ([`ThreadPool::recorder`](super::ThreadPool::recorder)),
//! each worker writes its scheduling decisions on its own lane, in the
//! crate's one vocabulary (`src/trace/`): a job pushed
//! ([`Kind::JobSpawned`]), injected, stolen, started and finished, a worker
//! parked and unparked, a heartbeat promotion. `examples/work_stealing.rs`
//! prints them, and [`render_timeline`] draws which worker ran jobs when.
//!
//! # Cost when off
//!
//! Every hook is `registry.record(..)`: one relaxed load and one
//! well-predicted branch. The slow part (finding the lane, reading the
//! clock, locking the event list) is in a separate `#[cold]` function that
//! is never entered while recording is off.
//!
//! # Cost when on
//!
//! Each event takes a mutex and pushes onto a `Vec`. That is heavy enough to
//! change the timings of tiny jobs, so turn it on to *watch*, never while
//! benchmarking.

use crate::trace::{Event, Kind, Lane, Timestamp};

/// Draws one row per worker (from the events on thread-pool lanes; give it
/// the events of one pool): `#` where it was running a job taken from a
/// queue, `.` where it was not, `width` columns from the first to the last
/// event. A worker that stole during a column gets an `s` there, a worker
/// that parked a `z`, a worker that promoted a join frame on a heartbeat
/// a `p`.
pub fn render_timeline(events: &[Event], workers: usize, width: usize) -> String {
    let width = width.max(1);
    let (Some(first), Some(last)) = (events.first(), events.last()) else {
        return String::from("(no events)\n");
    };
    let span = last.at.since(first.at).as_nanos().max(1);
    let column = |at: Timestamp| -> usize {
        let offset = at.since(first.at).as_nanos();
        ((offset * width as u128 / span) as usize).min(width - 1)
    };
    let mut rows = vec![vec![b'.'; width]; workers];
    let mut running_since: Vec<Option<usize>> = vec![None; workers];
    for e in events {
        let w = match e.lane {
            Lane::PoolThread { worker, .. } if worker < workers => worker,
            _ => continue,
        };
        let col = column(e.at);
        match e.kind {
            Kind::JobStarted => running_since[w] = Some(col),
            Kind::JobFinished => {
                let start = running_since[w].take().unwrap_or(col);
                for cell in &mut rows[w][start..=col] {
                    if *cell == b'.' {
                        *cell = b'#';
                    }
                }
            }
            Kind::JobStolen { .. } => rows[w][col] = b's',
            Kind::Parked => rows[w][col] = b'z',
            Kind::Promoted => rows[w][col] = b'p',
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
