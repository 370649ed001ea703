//! The one recorder API: [`Recorder::enable`], [`Recorder::record`],
//! [`Recorder::take`].
//!
//! A [`Recorder`] is a cheap handle (an `Arc`): clones write into the same
//! event list. Every runtime holds one. By default each gets a private one
//! that starts off; a program that wants one trace of everything builds its
//! runtimes with the same recorder (`EventLoop::builder().recorder(..)`,
//! `ThreadPool::builder().recorder(..)`, `ProcessPool::builder().recorder(..)`),
//! or installs a process-wide one with [`install_default`] before it builds
//! them (which is what `--trace FILE.json` does).
//!
//! # Cost when off
//!
//! [`Recorder::record`] is `#[inline(always)]` and is one relaxed load of
//! one `AtomicBool` and one branch. The rest (reading the clock, taking the
//! lock, pushing onto the `Vec`) is in a `#[cold]`, never-inlined function
//! that is not entered while recording is off. Events whose payload
//! allocates (a note's text, a crash reason, a URL) go through
//! [`Recorder::record_with`], whose closure only runs when recording is on:
//! nothing is formatted or allocated when it is off.
//!
//! # Cost when on
//!
//! Each event takes an uncontended `parking_lot` mutex and pushes onto a
//! `Vec`: tens of nanoseconds. That is enough to change the timings of tiny
//! jobs, so turn it on to *watch*, never while benchmarking.
//!
//! Read next: `chrome.rs`, which turns the events into a file a trace viewer
//! opens.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

use super::clock::{self, Timestamp};
use super::event::{Event, Kind};
use super::lane::Lane;

/// A handle to one event list; clones share it. Starts off.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    on: AtomicBool,
    events: Mutex<Vec<Event>>,
    /// Set by [`Recorder::for_trace_file`]: `disable` is ignored and `take`
    /// keeps a copy of what it hands over in `history`.
    pinned: AtomicBool,
    history: Mutex<Vec<Event>>,
}

impl Recorder {
    /// A new, empty recorder that is off.
    pub fn new() -> Recorder {
        Recorder::default()
    }

    /// A new, empty recorder that is already on (for a builder, so that
    /// the events of building are recorded too).
    pub fn enabled() -> Recorder {
        let recorder = Recorder::new();
        recorder.enable();
        recorder
    }

    /// A recorder for a whole run's trace file (`--trace`): on, and staying
    /// on whatever [`disable`](Recorder::disable) calls the program makes;
    /// what [`take`](Recorder::take) hands over (an example printing its
    /// own recorder) is also kept, for [`take_history`](Recorder::take_history).
    pub fn for_trace_file() -> Recorder {
        let recorder = Recorder::enabled();
        recorder.inner.pinned.store(true, Ordering::SeqCst);
        recorder
    }

    /// Everything recorded since the start: what [`take`](Recorder::take)
    /// already handed over (kept only by a [`for_trace_file`](Recorder::for_trace_file)
    /// recorder) and what it has not, oldest first.
    pub fn take_history(&self) -> Vec<Event> {
        let mut events = std::mem::take(&mut *self.inner.history.lock());
        events.append(&mut self.inner.events.lock());
        events.sort_by_key(|e| e.at);
        events
    }

    /// Starts recording.
    pub fn enable(&self) {
        self.inner.on.store(true, Ordering::SeqCst);
    }

    /// Stops recording (events already recorded are kept), unless this is
    /// a [`for_trace_file`](Recorder::for_trace_file) recorder.
    pub fn disable(&self) {
        if !self.inner.pinned.load(Ordering::SeqCst) {
            self.inner.on.store(false, Ordering::SeqCst);
        }
    }

    /// Whether recording is on: the single branch every recording site pays.
    #[inline(always)]
    pub fn is_on(&self) -> bool {
        self.inner.on.load(Ordering::Relaxed)
    }

    /// Records `kind` on `lane` now, if recording is on.
    #[inline(always)]
    pub fn record(&self, lane: Lane, kind: Kind) {
        if self.is_on() {
            self.push(lane, kind);
        }
    }

    /// Like [`record`](Recorder::record), for a payload that costs something
    /// to build: `kind` only runs when recording is on.
    #[inline(always)]
    pub fn record_with(&self, lane: Lane, kind: impl FnOnce() -> Kind) {
        if self.is_on() {
            self.push(lane, kind());
        }
    }

    /// Records `kind` without looking at the flag: for a runtime that has
    /// just read [`is_on`](Recorder::is_on) itself and wants the events of
    /// one step (a poll's start and end) to follow that one reading.
    #[inline(always)]
    pub(crate) fn record_checked(&self, lane: Lane, kind: Kind) {
        self.push(lane, kind);
    }

    /// Records `kind` on `lane` at `at` (a time already read, for an event
    /// known only once it has ended, such as a [`Kind::CartSpan`]), if
    /// recording is on.
    #[inline(always)]
    pub fn record_at(&self, at: Timestamp, lane: Lane, kind: Kind) {
        if self.is_on() {
            self.push_at(at, lane, kind);
        }
    }

    #[cold]
    #[inline(never)]
    fn push(&self, lane: Lane, kind: Kind) {
        self.push_at(clock::now(), lane, kind);
    }

    #[cold]
    #[inline(never)]
    fn push_at(&self, at: Timestamp, lane: Lane, kind: Kind) {
        self.inner.events.lock().push(Event { at, lane, kind });
    }

    /// A copy of the events recorded so far that `keep` accepts, oldest
    /// first, leaving the recorder as it was (what [`take`](Recorder::take)
    /// handed over is included for a [`for_trace_file`](Recorder::for_trace_file)
    /// recorder, which keeps it).
    pub fn copy_where(&self, keep: impl Fn(&Event) -> bool) -> Vec<Event> {
        let mut events: Vec<Event> = self
            .inner
            .history
            .lock()
            .iter()
            .filter(|e| keep(e))
            .cloned()
            .collect();
        events.extend(self.inner.events.lock().iter().filter(|e| keep(e)).cloned());
        events.sort_by_key(|e| e.at);
        events
    }

    /// Removes and returns the events recorded so far, oldest first (events
    /// with the same timestamp stay in the order they were recorded).
    pub fn take(&self) -> Vec<Event> {
        let mut events = std::mem::take(&mut *self.inner.events.lock());
        events.sort_by_key(|e| e.at);
        if self.inner.pinned.load(Ordering::SeqCst) {
            self.inner.history.lock().extend(events.iter().cloned());
        }
        events
    }

    /// Whether `self` and `other` write into the same event list.
    pub fn same_as(&self, other: &Recorder) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

/// The recorder runtimes built without one of their own share, if any.
static DEFAULT: RwLock<Option<Recorder>> = RwLock::new(None);

/// Makes `recorder` the one every runtime built from now on records into
/// (unless its builder is given another); `None` goes back to a private
/// recorder per runtime. Runtimes already built keep theirs.
pub fn install_default(recorder: Option<Recorder>) {
    *DEFAULT.write() = recorder;
}

/// The recorder for a runtime being built: the installed default (see
/// [`install_default`]), or a fresh private one that is off.
pub fn default_recorder() -> Recorder {
    DEFAULT.read().clone().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::ids::TaskId;

    #[test]
    fn off_records_nothing_and_on_records_in_order() {
        let rec = Recorder::new();
        rec.record(Lane::Outside, Kind::JobStarted);
        assert!(rec.take().is_empty());
        rec.enable();
        let clone = rec.clone();
        rec.record(Lane::Outside, Kind::JobStarted);
        clone.record_with(Lane::Outside, || Kind::Polled { task: TaskId(1) });
        rec.disable();
        rec.record(Lane::Outside, Kind::JobFinished);
        let kinds: Vec<Kind> = rec.take().into_iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            vec![Kind::JobStarted, Kind::Polled { task: TaskId(1) }]
        );
        assert!(rec.take().is_empty());
        assert!(rec.same_as(&clone));
        assert!(!rec.same_as(&Recorder::new()));
    }

    #[test]
    fn a_trace_file_recorder_stays_on_and_keeps_what_was_taken() {
        let rec = Recorder::for_trace_file();
        rec.record(Lane::Outside, Kind::JobStarted);
        rec.disable();
        assert!(rec.is_on());
        assert_eq!(rec.take().len(), 1);
        rec.record(Lane::Outside, Kind::JobFinished);
        let kinds: Vec<Kind> = rec.take_history().into_iter().map(|e| e.kind).collect();
        assert_eq!(kinds, vec![Kind::JobStarted, Kind::JobFinished]);
        assert!(rec.take_history().is_empty());
    }

    #[test]
    fn events_recorded_at_a_given_time_are_sorted_in_and_copies_leave_them() {
        let rec = Recorder::new();
        rec.record_at(Timestamp(5), Lane::Outside, Kind::JobStarted);
        assert!(rec.copy_where(|_| true).is_empty(), "off records nothing");
        rec.enable();
        rec.record(Lane::Outside, Kind::JobFinished);
        rec.record_at(Timestamp(0), Lane::Outside, Kind::JobStarted);
        let started = |e: &Event| e.kind == Kind::JobStarted;
        let copy = rec.copy_where(started);
        assert_eq!(copy.len(), 1);
        assert_eq!(copy[0].at, Timestamp(0));
        let kinds: Vec<Kind> = rec.take().into_iter().map(|e| e.kind).collect();
        assert_eq!(kinds, vec![Kind::JobStarted, Kind::JobFinished]);
    }

    #[test]
    fn the_closure_does_not_run_when_off() {
        let rec = Recorder::new();
        rec.record_with(Lane::Outside, || unreachable!("formatted while off"));
    }
}
