//! The client's side of the trace: one async span per request.
//!
//! [`RequestSpan::start`] records [`Kind::RequestStarted`] on the lane of
//! the thread sending (the loop's, see `trace/current.rs`), each phase the
//! request enters ([`HttpPhase`]: connect, head, body) is one
//! [`Kind::RequestPhase`], a new connection is one [`Kind::ConnectionOpened`]
//! (with its [`ConnId`]), and the end is [`Kind::RequestFinished`], with
//! the status, or `None` when the request failed or was cancelled (the
//! span's `Drop`, so a request cut short by its timeout still ends).
//!
//! When tracing is off nothing here allocates: `start` is one thread-local
//! read and one branch, and a span that never started records nothing.
//!
//! Read next: `trace/chrome.rs`, which draws these as nested async spans.

use super::request::Request;
use crate::trace::{current, ConnId, HttpPhase, Kind, RequestId};

/// One request's span; ends (as failed, unless [`RequestSpan::finish`]ed)
/// when dropped.
pub(crate) struct RequestSpan {
    req: Option<RequestId>,
    status: Option<u16>,
}

impl RequestSpan {
    /// Starts the span if this thread records.
    pub(crate) fn start(request: &Request) -> RequestSpan {
        let mut req = None;
        current::record_with(|| {
            let id = RequestId::next();
            req = Some(id);
            Kind::RequestStarted {
                req: id,
                method: request.method.clone(),
                url: request.url.to_string(),
            }
        });
        RequestSpan { req, status: None }
    }

    /// The request entered `phase`.
    pub(crate) fn phase(&self, phase: HttpPhase) {
        if let Some(req) = self.req {
            current::record_with(|| Kind::RequestPhase { req, phase });
        }
    }

    /// The request opened a new connection.
    pub(crate) fn opened(&self) {
        if let Some(req) = self.req {
            current::record_with(|| Kind::ConnectionOpened {
                req,
                conn: ConnId::next(),
            });
        }
    }

    /// The response came with this status.
    pub(crate) fn finish(&mut self, status: u16) {
        self.status = Some(status);
    }
}

impl Drop for RequestSpan {
    fn drop(&mut self) {
        if let Some(req) = self.req {
            let status = self.status;
            current::record_with(|| Kind::RequestFinished { req, status });
        }
    }
}
