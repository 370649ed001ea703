//! The pending-frame list of heartbeat scheduling: one per worker, no atomics.
//!
//! # What is in it
//!
//! Under [`Scheduler::Heartbeat`](super::Scheduler::Heartbeat) a `join(a, b)`
//! pushes a reference to its second half `b` here, runs `a`, and pops the
//! reference again; if nothing happened meanwhile it runs `b` inline. The
//! list therefore always holds the joins whose first half is running on this
//! worker right now, outermost (oldest) first: it mirrors the worker's call
//! stack. It is a fixed array indexed by the nesting depth, owned by one
//! thread: a push is a compare with a constant and two stores, a pop one
//! store and a compare, with no atomic instruction, no fence and no
//! reallocation. Only joins that note a frame count in the depth (see the
//! last section). One nested deeper than [`CAPACITY`] such frames (possible
//! only with nearly that many promoted frames still pending) still counts in the
//! depth but is not stored: it can never be promoted, and runs both halves
//! in order like sequential code. That loses nothing that matters,
//! since promotion takes the *oldest* frame and the first `CAPACITY` frames
//! are the oldest ones.
//!
//! # The promotion rule, and why the oldest frame
//!
//! On a heartbeat the worker promotes the oldest frame that is not promoted
//! yet: its `b` becomes a job in the worker's deque, where others can steal
//! it. Frames are promoted strictly from the bottom, so the promoted ones
//! are always a prefix of the list and one index, `promoted_below`, says
//! which: every frame below it is promoted, every frame at or above it is
//! not. A join learns whether its own frame was promoted by comparing its
//! index with that number when it pops, and no per-frame flag is needed.
//!
//! Why the oldest: in a recursive split the outermost pending `b` is the
//! biggest piece of work still unshared (half of what is left, where the
//! newest is a leaf-sized crumb), so one promotion, one steal, one wake-up
//! buys the most parallelism. It is the same reason thieves take from the
//! old end of a work-stealing deque; the paper's span bound depends on it
//! (DESIGN.md §2.12).
//!
//! # Only a few unshared frames at a time
//!
//! A join notes its frame only while fewer than [`NOTED_FRAMES_MAX`] noted
//! frames of this worker are still unshared (`depth - promoted_below`);
//! past that, `join` runs `a` and `b` as plain calls and notes nothing
//! ([`PendingFrames::has_room`], join.rs). The frames kept are the oldest
//! unshared ones, exactly the ones a promotion would take first; when one
//! is promoted or popped, the next join is noted again.
//!
//! Read next: `join.rs` (`join_in_worker`, the user of this list).

use std::cell::{Cell, UnsafeCell};
use std::mem::MaybeUninit;

use super::job::PendingRef;

/// How many nested joins of one worker are noted (and so can be promoted);
/// deeper ones run inline. 256 frames take 4 KiB per worker; fib(32) and
/// the tree benchmarks nest 32 and 20 deep.
pub(crate) const CAPACITY: usize = 256;

/// Under heartbeat, how many noted frames of one worker may be unshared
/// (pending, not promoted) at once; a join made while that many are
/// pending is a plain call of both halves, with no frame and no beat check
/// (the rule in the module docs, DESIGN.md §2.12). Picked by measurement
/// among 3, 4 and 8 (BENCHMARKS.md §2.3).
pub const NOTED_FRAMES_MAX: usize = 4;

/// Joins whose first half is running on this worker, oldest first.
pub(crate) struct PendingFrames {
    /// The second halves: slots `0..min(depth, CAPACITY)` are written.
    /// Only ever touched by this worker's thread.
    frames: UnsafeCell<[MaybeUninit<PendingRef>; CAPACITY]>,
    /// How many joins are running on this worker (noted or not).
    depth: Cell<usize>,
    /// Frames `0..promoted_below` have been promoted (shared as jobs).
    promoted_below: Cell<usize>,
}

impl PendingFrames {
    /// An empty list.
    pub(crate) fn new() -> Self {
        PendingFrames {
            frames: UnsafeCell::new([MaybeUninit::uninit(); CAPACITY]),
            depth: Cell::new(0),
            promoted_below: Cell::new(0),
        }
    }

    /// Whether a new join may note its frame: fewer than
    /// [`NOTED_FRAMES_MAX`] noted frames are unshared.
    #[inline(always)]
    pub(crate) fn has_room(&self) -> bool {
        self.depth.get() - self.promoted_below.get() < NOTED_FRAMES_MAX
    }

    /// How many noted frames are pending and not promoted.
    #[cfg(test)]
    fn unshared(&self) -> usize {
        self.depth.get().min(CAPACITY) - self.promoted_below.get()
    }

    /// Notes a join's second half; returns its index, for `pop`.
    #[inline(always)]
    pub(crate) fn push(&self, job: PendingRef) -> usize {
        let index = self.depth.get();
        if index < CAPACITY {
            // SAFETY: `PendingFrames` is not `Sync` (UnsafeCell), so only
            // the owning thread gets here, and no reference into the array
            // outlives any of these methods, so this `&mut` is the only one.
            let frames = unsafe { &mut *self.frames.get() };
            frames[index] = MaybeUninit::new(job);
        }
        self.depth.set(index + 1);
        index
    }

    /// Removes the newest frame, which must be the one `push` returned
    /// `index` for; true if that frame had been promoted meanwhile.
    #[inline(always)]
    pub(crate) fn pop(&self, index: usize) -> bool {
        debug_assert_eq!(self.depth.get(), index + 1, "join frames out of order");
        self.depth.set(index);
        let promoted = index < self.promoted_below.get();
        if promoted {
            // Our frame was the newest promoted one: the prefix shrinks.
            self.promoted_below.set(index);
        }
        promoted
    }

    /// The oldest frame not promoted yet, now marked promoted; `None` if
    /// every noted frame is already shared (or there are none).
    #[inline]
    pub(crate) fn promote_oldest(&self) -> Option<PendingRef> {
        let oldest = self.promoted_below.get();
        if oldest >= self.depth.get().min(CAPACITY) {
            return None;
        }
        // SAFETY: as in `push`: one thread, no reference kept.
        let frames = unsafe { &*self.frames.get() };
        // SAFETY: slots below `min(depth, CAPACITY)` were written by `push`
        // (a pop lowers `depth` with them).
        let job = unsafe { frames[oldest].assume_init() };
        self.promoted_below.set(oldest + 1);
        Some(job)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::thread_pool::job::JobRef;
    use crate::thread_pool::registry::Registry;

    fn job(n: usize) -> PendingRef {
        unsafe fn never(_: *const (), _: &Registry, _: usize) -> JobRef {
            unreachable!("these tests make no jobs")
        }
        PendingRef::from_raw_parts(n as *const (), never)
    }

    #[test]
    fn promotes_oldest_first_and_reports_it_to_the_right_join() {
        let frames = PendingFrames::new();
        let outer = frames.push(job(1));
        let middle = frames.push(job(2));
        let inner = frames.push(job(3));
        assert_eq!(frames.promote_oldest(), Some(job(1)));
        assert_eq!(frames.promote_oldest(), Some(job(2)));
        assert!(!frames.pop(inner));
        assert!(frames.pop(middle));
        // A new frame above a promoted one starts unpromoted.
        let again = frames.push(job(4));
        assert!(!frames.pop(again));
        assert!(frames.pop(outer));
        assert_eq!(frames.promote_oldest(), None);
    }

    /// The walk `join_in_worker` makes over a join tree, with promotions
    /// sprinkled in: a frame is noted only when `has_room`.
    fn walk(frames: &PendingFrames, depth: u32, beats: &mut u32, max_seen: &mut usize) {
        if depth == 0 {
            return;
        }
        if !frames.has_room() {
            walk(frames, depth - 1, beats, max_seen);
            walk(frames, depth - 1, beats, max_seen);
            return;
        }
        let index = frames.push(job(1));
        *max_seen = (*max_seen).max(frames.unshared());
        *beats += 1;
        if *beats % 7 == 0 {
            frames.promote_oldest();
        }
        walk(frames, depth - 1, beats, max_seen);
        frames.pop(index);
        walk(frames, depth - 1, beats, max_seen);
    }

    #[test]
    fn noted_unshared_frames_never_exceed_the_maximum() {
        let frames = PendingFrames::new();
        let (mut beats, mut max_seen) = (0, 0);
        walk(&frames, 16, &mut beats, &mut max_seen);
        assert_eq!(max_seen, NOTED_FRAMES_MAX);
        assert!(beats > 100, "only {beats} joins were noted");
        assert_eq!(frames.unshared(), 0);
        assert_eq!(frames.promote_oldest(), None);
    }

    #[test]
    fn frames_deeper_than_the_capacity_are_never_promoted() {
        let frames = PendingFrames::new();
        let indices: Vec<usize> = (0..CAPACITY + 3).map(|n| frames.push(job(n + 1))).collect();
        for n in 0..CAPACITY {
            assert_eq!(frames.promote_oldest(), Some(job(n + 1)));
        }
        // Every noted frame is shared; the three deeper ones were not noted.
        assert_eq!(frames.promote_oldest(), None);
        for &index in indices.iter().rev() {
            assert_eq!(frames.pop(index), index < CAPACITY, "frame {index}");
        }
        assert_eq!(frames.promote_oldest(), None);
        // Back at depth 0 the slots are reused from the bottom.
        let first = frames.push(job(7));
        assert_eq!(frames.promote_oldest(), Some(job(7)));
        assert!(frames.pop(first));
    }
}
