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
//! # In place
//!
//! When an `R` has the size and alignment of a `T` (`usize` to `usize`,
//! `String` to `String`), the results are written into the input's own
//! buffer: slot `i` is read (the `T` moved out) before its result is
//! written there, by the one leaf that owns `i`, and the buffer becomes the
//! output `Vec<R>`, as `Vec`'s own in-place `collect` does. That saves
//! allocating, touching and freeing a second buffer of the same size,
//! which on `par_map`'s 100 × 1024 `usize` was a large part of the map
//! (BENCHMARKS.md §2.3). The slots' bookkeeping below is the same either
//! way: a slot holds an unread input or a written result, never both.
//!
//! # A head start on the caller (heartbeat only)
//!
//! Under heartbeat, a `map` called from outside the pool first runs on
//! the calling thread for up to one heartbeat interval, and only then
//! hands the rest to the workers: `map/caller.rs` explains why and how.
//!
//! # Panics and memory
//!
//! If `f` panics on an item, that leaf catches the panic, keeps the payload
//! (the first one wins; later ones are dropped quietly, `unwind.rs`) and
//! raises a shared `failed` flag, which the other leaves check before each
//! item, so the remaining work stops early. Every piece then reports
//! whether it completed: a leaf that did not complete drops the results it
//! made and the inputs it did not read; a split whose other half did not
//! complete drops the completed half's results. So when the failure
//! reaches the top, every input was either consumed by `f` or dropped, and
//! every result dropped, each exactly once; `map` then re-raises the first
//! panic. (Nothing unwinds through `join` meanwhile: each half catches its
//! own panics and returns "not completed".)
//!
//! Read next: `task.rs` (`submit` and the `TaskHandle` future).

use std::any::Any;
use std::mem::ManuallyDrop;
use std::panic::{self, AssertUnwindSafe};
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::join::join;
use super::unwind::drop_quietly;
use super::worker::WorkerThread;

mod caller;
pub(crate) use caller::map_from_caller;

/// How many more times a piece may be split (module docs).
#[derive(Clone, Copy, Debug)]
struct Splitter {
    budget: usize,
    threads: usize,
}

impl Splitter {
    /// The budget of a piece nobody split yet: one leaf per thread.
    fn fresh(threads: usize) -> Self {
        Splitter {
            budget: threads,
            threads,
        }
    }

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

/// The buffer of a vector as a raw pointer that may cross threads, with
/// its length: `at` checks the index, so only the dereference is unsafe.
struct Slots<T> {
    ptr: *mut T,
    len: usize,
}
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
    /// The slots of `vec`'s buffer, `capacity` of them.
    fn of(vec: &mut Vec<T>, capacity: usize) -> Self {
        assert!(capacity <= vec.capacity());
        Slots {
            ptr: vec.as_mut_ptr(),
            len: capacity,
        }
    }

    /// The pointer to slot `i` (panics if `i` is out of range). A method,
    /// not a field access, so closures capture the whole `Slots`, which is
    /// `Send`.
    fn at(self, i: usize) -> *mut T {
        assert!(i < self.len, "slot {i} of {}", self.len);
        self.ptr.wrapping_add(i)
    }

    /// Drops the values in slots `from..to`.
    ///
    /// # Safety
    /// Those slots must hold values nobody else reads, drops or writes.
    unsafe fn drop_range(self, from: usize, to: usize) {
        if from < to {
            let slice = ptr::slice_from_raw_parts_mut(self.at(from), to - from);
            assert!(to <= self.len);
            // SAFETY: in bounds (checked), initialised and ours (caller).
            unsafe { ptr::drop_in_place(slice) };
        }
    }
}

/// What every piece of one `map` shares.
struct MapState<'f, F> {
    f: &'f F,
    /// Some leaf panicked: the others stop before their next item.
    failed: AtomicBool,
    /// The first panic payload, re-raised by `map_on_worker`.
    panic: Mutex<Option<Box<dyn Any + Send>>>,
}

impl<F> MapState<'_, F> {
    fn record_panic(&self, payload: Box<dyn Any + Send>) {
        self.failed.store(true, Ordering::Relaxed);
        let mut slot = self.panic.lock();
        if slot.is_none() {
            *slot = Some(payload);
        } else {
            drop(slot);
            drop_quietly(payload);
        }
    }
}

/// Maps `items` through `f` on the current pool, results in input order.
/// Must run on a worker (callers go through `install`).
pub(crate) fn map_on_worker<T, R, F>(items: Vec<T>, f: &F) -> Vec<R>
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync,
{
    let threads =
        WorkerThread::with_current(|w| w.map(|w| w.registry().num_threads())).unwrap_or(1);
    map_with(items, f, |input, out, len, state| {
        map_range(input, out, 0, len, Splitter::fresh(threads), false, state)
    })
}

/// Sets up the slots of one map, lets `run` map all `len` of them (true if
/// every item was mapped; false if not, and then every input and result is
/// already dropped), and returns the results or re-raises the first panic.
fn map_with<T, R, F>(
    mut items: Vec<T>,
    f: &F,
    run: impl FnOnce(Slots<T>, Slots<R>, usize, &MapState<'_, F>) -> bool,
) -> Vec<R>
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync,
{
    let len = items.len();
    let input = Slots::of(&mut items, len);
    // Results go into the input's own buffer when an `R` fits exactly where
    // a `T` was (module docs, "In place"); otherwise into a new vector.
    let in_place = fits_in_place::<T, R>();
    let mut output: Vec<R> = Vec::with_capacity(if in_place { 0 } else { len });
    let out = if in_place {
        Slots {
            ptr: input.ptr.cast::<R>(),
            len,
        }
    } else {
        Slots::of(&mut output, len)
    };
    // SAFETY: from here on the items are moved out by `ptr::read` (or
    // dropped in place), each exactly once; with length 0 the vector will
    // only free its buffer.
    unsafe { items.set_len(0) };
    let state = MapState {
        f,
        failed: AtomicBool::new(false),
        panic: Mutex::new(None),
    };
    if run(input, out, len, &state) {
        if in_place {
            let items = ManuallyDrop::new(items);
            // SAFETY: the buffer was allocated by a `Vec<T>` of this
            // capacity, and `R` has `T`'s size and alignment, so it is a
            // valid allocation for a `Vec<R>` of the same capacity; every
            // slot 0..len holds an `R` written by exactly one leaf, and the
            // `Vec<T>` that owned the buffer is forgotten.
            return unsafe { Vec::from_raw_parts(out.ptr, len, items.capacity()) };
        }
        // SAFETY: every slot 0..len was written by exactly one leaf (every
        // piece completed).
        unsafe { output.set_len(len) };
        output
    } else {
        // Every input and result is already dropped (module docs).
        let payload = state.panic.lock().take();
        match payload {
            Some(payload) => panic::resume_unwind(payload),
            None => unreachable!("a map piece failed without a panic"),
        }
    }
}

/// Whether `map` writes each `R` into the slot its `T` was read from:
/// same size (not zero) and same alignment, so that the input's buffer is
/// a valid buffer for the output (`Vec::from_raw_parts`). Known at compile
/// time; the branch on it folds away.
const fn fits_in_place<T, R>() -> bool {
    size_of::<T>() == size_of::<R>() && align_of::<T>() == align_of::<R>() && size_of::<T>() > 0
}

/// Maps the items `start..start + len`, splitting while the budget allows.
/// True if every item of the range was mapped; false if not, and then the
/// range holds nothing any more (inputs and results dropped).
fn map_range<T, R, F>(
    input: Slots<T>,
    out: Slots<R>,
    start: usize,
    len: usize,
    mut splitter: Splitter,
    stolen: bool,
    state: &MapState<'_, F>,
) -> bool
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync,
{
    if !splitter.should_split(len, stolen) {
        return map_leaf(input, out, start, start + len, state);
    }
    let mid = len / 2;
    let origin = current_index();
    let (left, right) = join(
        || map_range(input, out, start, mid, splitter, false, state),
        || {
            let stolen = current_index() != origin;
            map_range(input, out, start + mid, len - mid, splitter, stolen, state)
        },
    );
    match (left, right) {
        (true, true) => true,
        (false, false) => false,
        // The completed half's results are written and nobody else touches
        // them; the map fails, so nobody will read them: drop them.
        (true, false) => {
            drop_slots(out, start, start + mid, state);
            false
        }
        (false, true) => {
            drop_slots(out, start + mid, start + len, state);
            false
        }
    }
}

/// Drops the values in slots `from..to` of a failed map, which the caller
/// owns (initialised, and touched by nobody else). A panicking `Drop` is
/// kept like a panic of `f` (the first one is re-raised).
fn drop_slots<X, F>(slots: Slots<X>, from: usize, to: usize, state: &MapState<'_, F>) {
    // SAFETY: the caller owns these initialised slots (see above).
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| unsafe { slots.drop_range(from, to) }));
    if let Err(payload) = outcome {
        state.record_panic(payload);
    }
}

/// How many items a leaf maps between two looks at its flags under work
/// stealing (see `map_leaf`).
const FLAG_CHECK_EVERY: usize = 64;

/// Under heartbeat, how long a leaf aims to run between two looks at its
/// beat flag: a twentieth of the default 100 µs period, so a beat waits at
/// most a few per cent of a period before the leaf splits (see `map_leaf`).
const BEAT_CHECK_SPAN: Duration = Duration::from_micros(5);

/// The most items a heartbeat leaf maps between two looks at its flags.
const BEAT_BLOCK_MAX: usize = 4096;

/// Never set: the beat flag of a leaf that runs under work stealing.
static NO_BEAT: AtomicBool = AtomicBool::new(false);

/// Maps `start..end` with a plain loop; see `map_range` for the result.
///
/// Under heartbeat scheduling the loop also watches this worker's beat
/// flag (one relaxed load per item, without clearing it). A leaf has no
/// join of its own that a beat could promote, so on a beat it stops and
/// hands its unread rest to `map_range` with a fresh budget: the rest is
/// split by `join`, whose first call sees the still-set flag and promotes
/// the oldest pending frame. Long leaves of coarse items so stay
/// shareable, as the paper's loops are (DESIGN.md §2.12).
fn map_leaf<T, R, F>(
    input: Slots<T>,
    out: Slots<R>,
    start: usize,
    end: usize,
    state: &MapState<'_, F>,
) -> bool
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync,
{
    let (beat, threads) = WorkerThread::with_current(|w| match w {
        Some(w) => (w.beat_flag().map(ptr::from_ref), w.registry().num_threads()),
        None => (None, 1),
    });
    // Under work stealing only `failed` can stop a leaf early, so the
    // flags are read once per block of `FLAG_CHECK_EVERY` items: a load in
    // every iteration keeps the compiler from turning a loop over tiny items
    // into vector code (it made `par_map` 2 to 4 times slower than rayon).
    // Under heartbeat the block adapts to the items' cost, so the beat is
    // read about every `BEAT_CHECK_SPAN`: one item at a time for coarse
    // items (a leaf of 1 ms items stays shareable), thousands for tiny ones
    // (reading the flag before every `x + 1` kept the loop from being
    // vectorised and made `par_map` ten times slower than sequential).
    let adaptive = beat.is_some();
    let mut block = if adaptive { 1 } else { FLAG_CHECK_EVERY };
    // SAFETY: a beat flag lives in the registry, which outlives every job
    // and so this leaf; the pointer only avoids tying it to the closure.
    let beat: &AtomicBool = beat.map_or(&NO_BEAT, |p| unsafe { &*p });
    // Every slot this leaf touches is in bounds (checked once, here).
    assert!(start <= end && end <= input.len && end <= out.len);
    // Inputs `read..end` are still unread; results `start..written` exist.
    // Between items `read == written`; only while `f` runs is `read` ahead.
    let mut read = start;
    let mut written = start;
    let mut split_rest = false;
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        while read < end {
            if state.failed.load(Ordering::Relaxed) {
                return;
            }
            if beat.load(Ordering::Relaxed) && end - read > 1 {
                split_rest = true;
                return;
            }
            let (from, stop) = (read, end.min(read + block));
            let began = adaptive.then(Instant::now);
            for i in from..stop {
                // SAFETY: `i < end <= input.len` (asserted above); slot `i`
                // of the input is read exactly once (the ranges of different
                // leaves are disjoint) and the vector's buffer outlives the map.
                let item = unsafe { ptr::read(input.ptr.add(i)) };
                read = i + 1;
                let value = (state.f)(item);
                // SAFETY: `i < end <= out.len`; slot `i` of the output is
                // ours and empty.
                unsafe { ptr::write(out.ptr.add(i), value) };
                written = i + 1;
            }
            if let Some(began) = began {
                block = next_block(block, began.elapsed());
            }
        }
    }));
    if let Err(payload) = outcome {
        state.record_panic(payload);
    }
    if split_rest {
        // `read == written` here: results `start..read` are ours, the
        // inputs `read..end` go to the split.
        if map_range(
            input,
            out,
            read,
            end - read,
            Splitter::fresh(threads),
            false,
            state,
        ) {
            return true;
        }
        drop_slots(out, start, written, state);
        return false;
    }
    if written == end {
        return true;
    }
    // Not completed: drop what this leaf still owns. Inputs `read..end`
    // were never read and results `start..written` were written by this
    // leaf; nobody else owns either.
    drop_slots(input, read, end, state);
    drop_slots(out, start, written, state);
    false
}

/// A heartbeat leaf's next block size, after a block of `block` items took
/// `took`: doubled while blocks end well inside `BEAT_CHECK_SPAN`, halved
/// when one overran it.
fn next_block(block: usize, took: Duration) -> usize {
    next_block_up_to(block, took, BEAT_BLOCK_MAX)
}

/// `next_block` with a cap of `max` items.
fn next_block_up_to(block: usize, took: Duration, max: usize) -> usize {
    if took < BEAT_CHECK_SPAN / 2 {
        (block * 2).min(max)
    } else if took > BEAT_CHECK_SPAN {
        (block / 2).max(1)
    } else {
        block
    }
}

/// The current worker's index (`usize::MAX` outside a pool).
fn current_index() -> usize {
    WorkerThread::with_current(|w| w.map_or(usize::MAX, |w| w.index()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tiny items grow the block up to its cap, slow ones shrink it to one
    /// item, and a block that lands in the target span keeps its size.
    #[test]
    fn a_heartbeat_leaf_block_follows_the_items_cost() {
        let mut block = 1;
        for _ in 0..20 {
            block = next_block(block, Duration::from_nanos(100));
        }
        assert_eq!(block, BEAT_BLOCK_MAX);
        for _ in 0..20 {
            block = next_block(block, Duration::from_millis(1));
        }
        assert_eq!(block, 1);
        assert_eq!(next_block(64, BEAT_CHECK_SPAN * 3 / 4), 64);
    }
}
