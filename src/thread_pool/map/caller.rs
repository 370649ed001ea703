//! A head start on the caller: under heartbeat, `map` from outside the
//! pool maps on the calling thread before it involves the workers.
//!
//! Under work stealing, a `map` called from outside the pool is injected as
//! one job and the caller blocks until a worker has run it: two wake-ups,
//! tens of microseconds, however small the map. A map of 100 × 1024
//! additions takes about 15 µs on one core, so it was six times slower on
//! the pool than in a plain loop. Heartbeat scheduling's rule is that no
//! parallelism is paid for before a heartbeat's worth of work has run
//! (DESIGN.md §2.12), and the same rule applies at the door: under
//! heartbeat, the *caller* maps the items itself, in blocks timed like a
//! heartbeat leaf's, for up to one heartbeat interval (`map_on_caller`).
//! A map that ends within the interval never touches the pool. One that
//! does not hands the rest, unread, to the workers as one `install`ed
//! piece, which they split as any other; the caller then waits. So `f`
//! may run on the calling thread under heartbeat (never under work
//! stealing), and a long map starts parallel work at most one interval
//! late, the delay the heartbeat bound already allows for.
//!
//! The caller's loop is `map_leaf`'s (read slot `i`, call `f`, write slot
//! `i`, with `read` and `written` kept so that a panic drops each input and
//! result exactly once, `map.rs`, "Panics and memory"), timed by the clock
//! alone, since the caller has no heartbeat flag of its own.
//!
//! Read next: `map.rs` (`map_range`, which the workers run on the rest).

use std::panic::{self, AssertUnwindSafe};
use std::ptr;
use std::time::{Duration, Instant};

use super::super::registry::Registry;
use super::{drop_slots, map_range, map_with, next_block_up_to, MapState, Slots, Splitter};

/// Maps `items` through `f` for a caller outside `registry`'s pool under
/// heartbeat scheduling: on the calling thread for up to `head_start`,
/// then on the pool (module docs).
pub(crate) fn map_from_caller<T, R, F>(
    registry: &Registry,
    head_start: Duration,
    items: Vec<T>,
    f: &F,
) -> Vec<R>
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync,
{
    map_with(items, f, |input, out, len, state| {
        map_on_caller(registry, head_start, input, out, len, state)
    })
}

/// The most items the caller maps between two looks at the clock: its
/// blocks grow past a heartbeat leaf's `BEAT_BLOCK_MAX`, because the clock
/// is all it watches (one read per block) and tiny items then need fewer
/// reads.
const CALLER_BLOCK_MAX: usize = 1 << 16;

/// Maps slots `0..len` on the calling thread, outside the pool, until they
/// are done or `head_start` has passed; then hands the unread rest to the
/// pool's workers and waits for it. The result is `map_range`'s.
fn map_on_caller<T, R, F>(
    registry: &Registry,
    head_start: Duration,
    input: Slots<T>,
    out: Slots<R>,
    len: usize,
    state: &MapState<'_, F>,
) -> bool
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync,
{
    assert!(len <= input.len && len <= out.len);
    let mut last = Instant::now();
    let deadline = last + head_start;
    // As in `map_leaf`: inputs `read..len` unread, results `0..written`.
    let mut read = 0;
    let mut written = 0;
    let mut block = 1;
    let mut out_of_time = false;
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        while read < len {
            let (from, stop) = (read, len.min(read + block));
            for i in from..stop {
                // SAFETY: `i < len <= input.len` (asserted above); slot `i`
                // is read once, here, by the only thread mapping yet.
                let item = unsafe { ptr::read(input.ptr.add(i)) };
                read = i + 1;
                let value = (state.f)(item);
                // SAFETY: `i < len <= out.len`; slot `i` is ours and empty.
                unsafe { ptr::write(out.ptr.add(i), value) };
                written = i + 1;
            }
            let now = Instant::now();
            if now >= deadline && read < len {
                out_of_time = true;
                return;
            }
            block = next_block_up_to(block, now - last, CALLER_BLOCK_MAX);
            last = now;
        }
    }));
    if let Err(payload) = outcome {
        state.record_panic(payload);
    }
    if out_of_time {
        // `read == written`: the workers get `read..len`, the caller keeps
        // its results `0..read` and waits.
        let threads = registry.num_threads();
        let rest = len - read;
        if registry.in_worker(|| {
            map_range(
                input,
                out,
                read,
                rest,
                Splitter::fresh(threads),
                false,
                state,
            )
        }) {
            return true;
        }
        drop_slots(out, 0, written, state);
        return false;
    }
    if written == len {
        return true;
    }
    // `f` panicked: drop the unread inputs and the results made.
    drop_slots(input, read, len, state);
    drop_slots(out, 0, written, state);
    false
}
