//! # The task table: every task the parent knows, and who waits for it
//!
//! The task-table role of the pool's state. A task is one frame of one or
//! more items (a `submit` is a task of one item; a `map` call cuts its
//! items into tasks of `chunksize`). Each has a [`TaskEntry`] in
//! `State::tasks` from the moment it is added until its results are taken:
//! where it is ([`TaskState`]: queued, running on a worker slot, done), who
//! collects it ([`Owner`]: a handle, a `map` call's mailbox, or nobody),
//! and the waker to call when it moves.
//!
//! Read next: `dispatch.rs` (queued → running) and `state.rs` (running →
//! done, in `on_reply`).

use std::hash::{BuildHasherDefault, Hasher};

use super::super::test_hooks;

use super::*;

/// The task table: task id to entry. Ids are the pool's own sequential
/// counters, never chosen by anyone else, so they need no protection
/// against crafted collisions and skip SipHash (std's default, which cost
/// a tenth of the parent's time in a `map` of tiny tasks; BENCHMARKS.md
/// §3.2).
pub type TaskTable<Out> = HashMap<TaskId, TaskEntry<Out>, BuildHasherDefault<IdHasher>>;

/// Hashes a `u64` id with one multiplication by an odd constant (2^64
/// divided by the golden ratio): a bijection, so distinct ids never
/// collide in the full hash, and consecutive ids spread over the table.
#[derive(Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` ids are hashed; anything else folds in byte by byte.
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u64(&mut self, id: u64) {
        self.0 = (self.0 ^ id).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Task frame buffers of at least this capacity are kept for the next
/// `submit` when their task completes (`State::take_spare_frame`); smaller
/// ones are cheap to allocate again (their pages are few).
pub const SPARE_FRAME_MIN: usize = 1 << 20;
/// ... and at most this capacity: a pool keeps one spare buffer for its
/// whole life, so a single huge task does not pin its size in memory.
pub const SPARE_FRAME_MAX: usize = 64 << 20;

/// Whether a completed task's frame buffer of `capacity` bytes is kept as
/// the spare.
fn keeps_as_spare(capacity: usize) -> bool {
    (SPARE_FRAME_MIN..=SPARE_FRAME_MAX).contains(&capacity)
}

/// Who is waiting for a task's results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// A `TaskHandle` (join or await).
    Handle,
    /// Nobody: the handle was dropped while the task ran; results are discarded.
    Detached,
    /// A `map` or `imap_unordered` call, collecting in this mailbox.
    Mailbox(u64),
}

/// Where a task is.
#[derive(Debug)]
pub enum TaskState<Out> {
    /// Waiting in the queue.
    Queued,
    /// Sent to the worker in this slot.
    Running {
        /// The worker slot.
        slot: usize,
    },
    /// Finished: one result per item.
    Done(Vec<Result<Out, TaskError>>),
}

/// One task: a frame of one or more items.
#[derive(Debug)]
pub struct TaskEntry<Out> {
    /// The encoded task frame (dropped once no longer needed).
    pub(super) frame: Vec<u8>,
    /// Items in the frame.
    pub(super) items: usize,
    /// Where it is.
    pub state: TaskState<Out>,
    /// Woken when the task is dispatched or finished.
    pub waker: Option<Waker>,
    /// Who collects the result.
    pub owner: Owner,
    /// Index of the task's first item in its `map` call (0 for a `submit`).
    pub(super) first_item: usize,
    /// Attempts lost with their worker so far (see `lifecycle.rs`, retry).
    pub(super) losses: u32,
}

impl<Out> State<Out> {
    /// Reserves `n` consecutive task ids; returns the first.
    pub fn reserve_ids(&mut self, n: usize) -> TaskId {
        let first = self.next_id;
        self.next_id += n as u64;
        first
    }

    /// A fresh, empty mailbox.
    pub fn open_mailbox(&mut self) -> u64 {
        let m = self.next_mailbox;
        self.next_mailbox += 1;
        self.mailboxes.insert(m, VecDeque::new());
        m
    }

    /// Adds a task: queued, or finished at once if it could not be encoded
    /// or the pool is broken. `first_item` is the index of its first item in
    /// its `map` call (0 for a `submit`), for the retry log.
    pub fn add_task(
        &mut self,
        id: TaskId,
        frame: Result<Vec<u8>, String>,
        (items, first_item): (usize, usize),
        owner: Owner,
    ) {
        let mut entry = TaskEntry {
            frame: Vec::new(),
            items,
            state: TaskState::Queued,
            waker: None,
            owner,
            first_item,
            losses: 0,
        };
        let failure = match (&self.broken, frame) {
            (Some(err), _) => Some(err.clone()),
            (None, Err(message)) => Some(TaskError::Encode { message }),
            (None, Ok(frame)) => {
                entry.frame = frame;
                None
            }
        };
        self.tasks.insert(id, entry);
        match failure {
            Some(err) => self.complete(id, (0..items).map(|_| Err(err.clone())).collect()),
            None => {
                self.note_submitted(id);
                self.queue.push_back(id);
            }
        }
    }

    /// Records a task's results and tells whoever waits for them.
    pub(super) fn complete(&mut self, id: TaskId, results: Vec<Result<Out, TaskError>>) {
        let Some(entry) = self.tasks.get_mut(&id) else {
            return;
        };
        let frame = std::mem::take(&mut entry.frame);
        let waker = entry.waker.take();
        match entry.owner {
            Owner::Detached => {
                self.tasks.remove(&id);
            }
            Owner::Handle => entry.state = TaskState::Done(results),
            Owner::Mailbox(m) => match self.mailboxes.get_mut(&m) {
                Some(mailbox) => {
                    entry.state = TaskState::Done(results);
                    mailbox.push_back(id);
                }
                None => {
                    self.tasks.remove(&id);
                }
            },
        }
        self.wakes.extend(waker);
        if self.queue_watcher == Some(id) {
            self.queue_watcher = None;
        }
        self.progress = true;
        if keeps_as_spare(frame.capacity()) {
            self.spare_frame = frame;
        }
    }

    /// The buffer of the last large task frame that completed (empty if
    /// none), for the next `submit` to encode into: its pages are already
    /// mapped, so encoding a large item does not fault them in again. A
    /// small task that takes it hands it back when it completes.
    pub fn take_spare_frame(&mut self) -> Vec<u8> {
        let spare = std::mem::take(&mut self.spare_frame);
        if spare.capacity() > 0 {
            test_hooks::note_frame_reused();
        }
        spare
    }

    /// Forgets a task nobody will collect: a queued one is cancelled, a
    /// running one detached (its result will be discarded), a finished one
    /// dropped.
    pub fn forget(&mut self, id: TaskId) {
        let Some(entry) = self.tasks.get_mut(&id) else {
            return;
        };
        match entry.state {
            TaskState::Queued => {
                self.tasks.remove(&id);
                if let Some(pos) = self.queue.iter().position(|&q| q == id) {
                    self.queue.remove(pos);
                }
            }
            TaskState::Running { .. } => {
                entry.owner = Owner::Detached;
                entry.waker = None;
            }
            TaskState::Done(_) => {
                self.tasks.remove(&id);
            }
        }
        if self.queue_watcher == Some(id) {
            self.queue_watcher = None;
            self.wake_next_queue_watcher();
        }
    }

    /// Takes a finished task's results out of the table.
    pub fn take_results(&mut self, id: TaskId) -> Option<Vec<Result<Out, TaskError>>> {
        match self.tasks.get(&id)?.state {
            TaskState::Done(_) => match self.tasks.remove(&id)?.state {
                TaskState::Done(results) => Some(results),
                _ => None,
            },
            _ => None,
        }
    }

    /// Whether a task is finished (or unknown, e.g. already collected).
    pub fn is_done(&self, id: TaskId) -> bool {
        self.tasks
            .get(&id)
            .is_none_or(|j| matches!(j.state, TaskState::Done(_)))
    }
}

#[cfg(test)]
mod tests {
    use super::{keeps_as_spare, IdHasher, SPARE_FRAME_MAX, SPARE_FRAME_MIN};

    /// Only large frames are kept, and none so large that keeping it for
    /// the pool's life would pin a huge allocation.
    #[test]
    fn only_large_bounded_frames_are_kept() {
        assert!(!keeps_as_spare(0));
        assert!(!keeps_as_spare(SPARE_FRAME_MIN - 1));
        assert!(keeps_as_spare(SPARE_FRAME_MIN));
        assert!(keeps_as_spare(16 << 20));
        assert!(keeps_as_spare(SPARE_FRAME_MAX));
        assert!(!keeps_as_spare(SPARE_FRAME_MAX + 1));
    }
    use std::collections::HashSet;
    use std::hash::Hasher;

    fn hash(id: u64) -> u64 {
        let mut h = IdHasher::default();
        h.write_u64(id);
        h.finish()
    }

    /// Consecutive ids get distinct hashes whose top and bottom bits both
    /// vary (hashbrown uses the top 7 bits as a tag, the low bits as the
    /// bucket), so the table does not degrade for the pool's ids.
    #[test]
    fn consecutive_ids_spread() {
        let hashes: Vec<u64> = (0..100_000).map(hash).collect();
        let distinct: HashSet<u64> = hashes.iter().copied().collect();
        assert_eq!(distinct.len(), hashes.len());
        let tags: HashSet<u64> = hashes.iter().map(|h| h >> 57).collect();
        assert_eq!(tags.len(), 128, "every 7-bit tag used");
        let buckets: HashSet<u64> = hashes[..1024].iter().map(|h| h & 1023).collect();
        assert!(buckets.len() > 600, "{} of 1024 buckets", buckets.len());
    }
}
