//! `map` and `for_each`: a parallel map in input order, built from `join`.
//!
//! # Recursive splitting
//!
//! The input is cut in two halves, the halves are handed to `join`, and so
//! on, until a piece is too small to be worth splitting; that piece is
//! mapped with a plain loop (a *leaf*). Every item's result is written
//! straight into its own slot of the output vector, so the output is in
//! input order with no sorting or merging step, and each slot is written
//! by exactly one leaf.
//!
//! # Adaptive granularity: when to stop splitting
//!
//! Splitting into one job per item would drown small items in overhead;
//! splitting into one piece per thread would leave threads idle when the
//! item costs are uneven. So each piece carries a *splitting budget*:
//!
//! * it starts at the number of threads, and each split halves it: with no
//!   stealing at all we make about one leaf per thread, and pay almost
//!   nothing;
//! * when a piece is found to have been **stolen** (it runs on a different
//!   worker than the one that split it), that is a sign that some worker
//!   ran dry: its budget is raised back to at least the thread count, so
//!   the hungry worker can cut it up further and share it.
//!
//! Cheap uniform items end up in a few big leaves; expensive uneven ones get
//! split as deep as the idleness of the other workers asks for.
//!
//! # Panics and memory
//!
//! If `f` panics on an item, the panic travels up through `join`, which
//! waits for every other leaf first; `map` then re-raises it. The input and
//! output vectors are set to length zero before the work starts, so an
//! unwinding `map` frees their buffers but drops none of their items twice:
//! the items not yet mapped and the results already made are leaked, which
//! is memory-safe.
//!
//! Read next: `task.rs` (`submit` and the `TaskHandle` future).

use std::ptr;

use super::join::join;
use super::worker::WorkerThread;

/// How many more times a piece may be split (module docs).
#[derive(Clone, Copy, Debug)]
struct Splitter {
    budget: usize,
    threads: usize,
}

impl Splitter {
    /// Whether a piece of `len` items should be split, updating the budget.
    fn should_split(&mut self, len: usize, stolen: bool) -> bool {
        if len < 2 {
            return false;
        }
        if stolen {
            self.budget = (self.budget / 2).max(self.threads);
            return true;
        }
        if self.budget == 0 {
            return false;
        }
        self.budget /= 2;
        true
    }
}

/// A raw pointer that may cross threads; each leaf uses a disjoint range.
struct Slots<T>(*mut T);
impl<T> Clone for Slots<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Slots<T> {}
// SAFETY: the items are `Send`, and different leaves touch disjoint slots.
unsafe impl<T: Send> Send for Slots<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Slots<T> {}

impl<T> Slots<T> {
    /// The pointer to slot `i`. A method (not a field access) so closures
    /// capture the whole `Slots`, which is `Send`.
    fn at(self, i: usize) -> *mut T {
        // SAFETY: callers pass `i < len` of the vector the pointer came from.
        unsafe { self.0.add(i) }
    }
}

/// Maps `items` through `f` on the current pool, results in input order.
/// Must run on a worker (callers go through `install`).
pub(crate) fn map_on_worker<T, R, F>(mut items: Vec<T>, f: &F) -> Vec<R>
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync,
{
    let len = items.len();
    let threads = WorkerThread::current()
        .map(|w| w.registry().num_threads())
        .unwrap_or(1);
    let mut output: Vec<R> = Vec::with_capacity(len);
    // SAFETY: from here on the items are moved out by `ptr::read`, each
    // exactly once; with length 0 the vector will only free its buffer.
    unsafe { items.set_len(0) };
    let input = Slots(items.as_mut_ptr());
    let out = Slots(output.as_mut_ptr());
    let splitter = Splitter {
        budget: threads,
        threads,
    };
    map_range(input, out, 0, len, splitter, false, f);
    // SAFETY: every slot 0..len was written by exactly one leaf (no panic
    // reached us, so all leaves completed).
    unsafe { output.set_len(len) };
    output
}

/// Maps the items `start..start + len`, splitting while the budget allows.
fn map_range<T, R, F>(
    input: Slots<T>,
    out: Slots<R>,
    start: usize,
    len: usize,
    mut splitter: Splitter,
    stolen: bool,
    f: &F,
) where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync,
{
    if splitter.should_split(len, stolen) {
        let mid = len / 2;
        let origin = current_index();
        join(
            || map_range(input, out, start, mid, splitter, false, f),
            || {
                let stolen = current_index() != origin;
                map_range(input, out, start + mid, len - mid, splitter, stolen, f)
            },
        );
    } else {
        for i in start..start + len {
            // SAFETY: slot `i` of the input is read exactly once (ranges of
            // different leaves are disjoint), slot `i` of the output is
            // written exactly once, and both vectors outlive the map.
            unsafe {
                let item = ptr::read(input.at(i));
                ptr::write(out.at(i), f(item));
            }
        }
    }
}

/// The current worker's index (`usize::MAX` outside a pool).
fn current_index() -> usize {
    WorkerThread::current().map_or(usize::MAX, |w| w.index())
}
