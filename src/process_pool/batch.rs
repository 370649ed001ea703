//! # A `map` call's chunks, collected through one mailbox
//!
//! `map`, `map_chunked` and `imap_unordered` (`pool.rs`) cut their inputs
//! into chunks, one task per chunk, all sent together as a [`Batch`]. Each
//! finished chunk's id lands in the batch's mailbox (`state/front.rs`), and
//! the batch takes results out of it as they come; dropping a batch early
//! (an `imap_unordered` iterator let go) forgets the chunks not collected.
//!
//! Read next: `handle.rs` (waiting for one task instead of a batch).

use std::collections::VecDeque;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::TaskError;
use super::recorder::TaskId;
use super::state::{Inner, Owner};
use super::wire;

/// Python's rule with 8 chunks per worker instead of 4 (see module docs).
pub fn auto_chunksize(len: usize, workers: usize) -> usize {
    len.div_ceil(8 * workers.max(1)).max(1)
}

/// A set of chunks sent together, collected through one mailbox.
pub(super) struct Batch<'a, Out: DeserializeOwned> {
    inner: &'a Inner<Out>,
    mailbox: u64,
    first: TaskId,
    chunks: usize,
    chunksize: usize,
    outstanding: usize,
}

impl<'a, Out: DeserializeOwned> Batch<'a, Out> {
    /// Encodes and queues `inputs` in chunks of `chunksize`.
    pub(super) fn start<In: Serialize>(
        inner: &'a Inner<Out>,
        inputs: &[In],
        chunksize: usize,
    ) -> Self {
        let chunks = inputs.len().div_ceil(chunksize);
        let limit = inner.config.max_frame;
        let (first, mailbox) = {
            let mut st = inner.lock();
            (st.reserve_ids(chunks), st.open_mailbox())
        };
        let frames: Vec<_> = inputs
            .chunks(chunksize)
            .enumerate()
            .map(|(i, chunk)| {
                let frame = wire::encode_task_limited(first + i as u64, chunk, limit);
                (frame, chunk.len())
            })
            .collect();
        let mut st = inner.lock();
        for (i, (frame, items)) in frames.into_iter().enumerate() {
            let first_item = i * chunksize;
            st.add_task(
                first + i as u64,
                frame,
                (items, first_item),
                Owner::Mailbox(mailbox),
            );
        }
        inner.pump(&mut st);
        Batch {
            inner,
            mailbox,
            first,
            chunks,
            chunksize,
            outstanding: chunks,
        }
    }

    /// Waits for every chunk; returns every item's result, in input order.
    pub(super) fn collect_in_order(mut self) -> Vec<Result<Out, TaskError>> {
        let chunks = self.chunks;
        let mut slots: Vec<Option<Vec<Result<Out, TaskError>>>> =
            (0..chunks).map(|_| None).collect();
        let mut got = 0;
        while got < chunks {
            for (chunk, results) in self.next_finished() {
                slots[chunk] = Some(results);
                got += 1;
            }
        }
        slots.into_iter().flatten().flatten().collect()
    }

    /// Blocks until at least one chunk finished; returns the finished chunks
    /// as `(chunk index, results)`. Empty once everything was returned.
    fn next_finished(&mut self) -> Vec<(usize, Vec<Result<Out, TaskError>>)> {
        if self.outstanding == 0 {
            return Vec::new();
        }
        let mailbox = self.mailbox;
        let mut st = self.inner.wait_until(|st| st.mailbox_has_news(mailbox));
        let ids = st.drain_mailbox(mailbox);
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(results) = st.take_results(id) {
                out.push(((id - self.first) as usize, results));
            }
        }
        self.outstanding -= out.len();
        out
    }
}

impl<Out: DeserializeOwned> Drop for Batch<'_, Out> {
    fn drop(&mut self) {
        let ids = self.first..self.first + self.chunks as u64;
        self.inner.lock().close_mailbox(self.mailbox, ids);
    }
}

/// The iterator behind [`ProcessPool::imap_unordered`].
pub(super) struct ImapUnordered<'a, Out: DeserializeOwned> {
    batch: Batch<'a, Out>,
    ready: VecDeque<(usize, Result<Out, TaskError>)>,
}

impl<'a, Out: DeserializeOwned> ImapUnordered<'a, Out> {
    /// Yields the results of `batch` as its chunks finish.
    pub(super) fn new(batch: Batch<'a, Out>) -> Self {
        ImapUnordered {
            batch,
            ready: VecDeque::new(),
        }
    }
}

impl<Out: DeserializeOwned> Iterator for ImapUnordered<'_, Out> {
    type Item = (usize, Result<Out, TaskError>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Some(item);
            }
            if self.batch.outstanding == 0 {
                return None;
            }
            let size = self.batch.chunksize;
            for (chunk, results) in self.batch.next_finished() {
                for (k, r) in results.into_iter().enumerate() {
                    self.ready.push_back((chunk * size + k, r));
                }
            }
        }
    }
}
