//! # Dispatch: handing queued tasks to workers, and writing their frames
//!
//! [`State::dispatch`] runs at the end of every pump: it hands queued tasks
//! to workers with room, idle workers first, then up to the prefetch depth
//! (fixed, or adaptive: see "Prefetch" in `state.rs`), and starts writing
//! their frames with [`flush`], which writes as much as the socket takes,
//! several frames per `sendmsg`, and keeps a cursor for the rest.
//!
//! It also hands the *queue watcher* role on (see `handle.rs`): when the
//! queued future that watched the workers for the whole queue is
//! dispatched, [`State::wake_next_queue_watcher`] wakes the next one.

use super::super::test_hooks;
use super::*;

impl<Out: DeserializeOwned> State<Out> {
    /// Hands queued tasks to workers with room, idle workers first.
    pub(super) fn dispatch(&mut self, cfg: &Config) {
        if self.queue.is_empty() {
            return;
        }
        let mut dispatched = false;
        let max_depth = cfg.prefetch.unwrap_or_else(|| {
            ((PREFETCH_BUDGET_NANOS / self.avg_task_nanos.max(1.0)) as usize)
                .clamp(PREFETCH_MIN, PREFETCH_MAX)
        });
        for depth in 1..=max_depth {
            for slot in 0..self.workers.len() {
                let Some(w) = self.workers[slot].as_mut() else {
                    continue;
                };
                while w.inflight.len() < depth
                    && cfg.max_tasks_per_child.is_none_or(|m| w.dispatched < m)
                {
                    let Some(id) = self.queue.pop_front() else {
                        break;
                    };
                    let Some(entry) = self.tasks.get_mut(&id) else {
                        continue;
                    };
                    if w.inflight.is_empty() {
                        w.head_started = Instant::now();
                    }
                    w.inflight.push_back(id);
                    w.dispatched += 1;
                    entry.state = TaskState::Running { slot };
                    self.wakes.extend(entry.waker.take());
                    let items = entry.items;
                    // (Not `self.note`: `w` still borrows `self.workers`.)
                    let lane = Lane::Worker(WorkerPid(w.pid));
                    let pool_id = self.pool_id;
                    self.recorder.record_with(lane, || Kind::Sent {
                        job: JobId {
                            pool: pool_id,
                            index: id,
                        },
                        items,
                    });
                    dispatched = true;
                }
            }
        }
        if dispatched {
            for w in self.workers.iter_mut().flatten() {
                if w.wants_write() {
                    // A failed write shows up as end of file on the next read.
                    let _ = flush(w, &self.tasks);
                }
            }
            if self.queue_watcher.is_some_and(|id| {
                !matches!(
                    self.tasks.get(&id).map(|j| &j.state),
                    Some(TaskState::Queued)
                )
            }) {
                self.queue_watcher = None;
            }
            self.wake_next_queue_watcher();
        }
    }
}

impl<Out> State<Out> {
    /// If no queued task watches the workers on behalf of the queue, wakes
    /// the first queued task that has a waker, to become that watcher.
    ///
    /// Only queued *futures* have wakers. A blocking `map` of 10,000 tasks
    /// has none, and scanning its queue after every dispatch cost time
    /// quadratic in the queue (a third of `map`'s CPU at chunksize 1), so
    /// the scan runs only while [`State::queued_wakers`] says a queued
    /// task may hold one, and a scan that finds none clears it.
    pub fn wake_next_queue_watcher(&mut self) {
        if self.queue_watcher.is_some() || !self.queued_wakers {
            return;
        }
        let mut scanned = 0;
        for id in &self.queue {
            scanned += 1;
            if let Some(entry) = self.tasks.get_mut(id) {
                if let Some(waker) = entry.waker.take() {
                    self.queue_watcher = Some(*id);
                    self.wakes.push(waker);
                    test_hooks::note_queue_scanned(scanned);
                    return;
                }
            }
        }
        test_hooks::note_queue_scanned(scanned);
        self.queued_wakers = false;
    }
}

/// Writes as much of a worker's pending task frames as the socket takes,
/// several frames per system call.
pub(super) fn flush<Out>(w: &mut Worker, tasks: &TaskTable<Out>) -> io::Result<()> {
    let frame = |id: &TaskId| tasks.get(id).map_or(&[][..], |j| &j.frame[..]);
    while w.write_idx < w.inflight.len() {
        let mut slices: Vec<IoSlice<'_>> = Vec::with_capacity(MAX_IOVECS);
        for (k, id) in w
            .inflight
            .iter()
            .skip(w.write_idx)
            .take(MAX_IOVECS)
            .enumerate()
        {
            let bytes = frame(id);
            slices.push(IoSlice::new(if k == 0 {
                &bytes[w.write_off..]
            } else {
                bytes
            }));
        }
        let mut sent = match w.send_vectored(&slices) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) => return Err(e),
        };
        // Advance the cursor over the frames (or part of one) that went out.
        while sent > 0 || w.write_idx < w.inflight.len() {
            let left = frame(&w.inflight[w.write_idx]).len() - w.write_off;
            if sent < left {
                w.write_off += sent;
                break;
            }
            sent -= left;
            w.write_idx += 1;
            w.write_off = 0;
            if w.write_idx == w.inflight.len() {
                break;
            }
        }
    }
    Ok(())
}
