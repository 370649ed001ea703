//! "Which recorder and lane is this thread on?": the thread's trace context.
//!
//! The HTTP client and `ProcessPool::submit` run on whatever thread calls
//! them. To put their events on the right lane, each runtime tells its
//! threads where they are: `EventLoop::block_on` enters its loop's recorder
//! and lane for as long as it runs, a thread-pool worker enters its own for
//! its whole life. Code below the runtimes then calls [`record_with`],
//! which records on the entered lane, or does nothing on a thread that
//! entered none.
//!
//! Cost when off: one thread-local read and the recorder's one branch.
//!
//! Read next: `chrome.rs`.

use std::cell::RefCell;

use super::event::Kind;
use super::lane::Lane;
use super::recorder::Recorder;

thread_local! {
    static CURRENT: RefCell<Option<(Recorder, Lane)>> = const { RefCell::new(None) };
}

/// Restores the thread's previous context when dropped.
#[derive(Debug)]
#[must_use = "the context is left when the guard is dropped"]
pub struct Entered {
    previous: Option<(Recorder, Lane)>,
}

/// Makes `recorder` and `lane` this thread's context until the guard drops.
pub fn enter(recorder: &Recorder, lane: Lane) -> Entered {
    let previous = CURRENT
        .try_with(|c| c.replace(Some((recorder.clone(), lane))))
        .ok()
        .flatten();
    Entered { previous }
}

impl Drop for Entered {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let _ = CURRENT.try_with(|c| *c.borrow_mut() = previous);
    }
}

/// The lane this thread entered, or [`Lane::Outside`].
pub fn lane() -> Lane {
    CURRENT
        .try_with(|c| c.borrow().as_ref().map(|(_, lane)| *lane))
        .ok()
        .flatten()
        .unwrap_or(Lane::Outside)
}

/// Records on this thread's lane, into its recorder, if it entered one and
/// that recorder is on; `kind` only runs then.
#[inline]
pub fn record_with(kind: impl FnOnce() -> Kind) {
    let _ = CURRENT.try_with(|c| {
        if let Some((rec, lane)) = c.borrow().as_ref() {
            rec.record_with(*lane, kind);
        }
    });
}

/// Records on this thread's lane into `recorder` (whatever this thread
/// entered), if `recorder` is on.
#[inline]
pub fn record_into(recorder: &Recorder, kind: impl FnOnce() -> Kind) {
    if recorder.is_on() {
        recorder.record_with(lane(), kind);
    }
}
