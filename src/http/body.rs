//! Body framing: how a message says where its body ends, and a sans-io
//! [`BodyDecoder`] for each of the answers.
//!
//! ## The rules (RFC 9112 §6.3), in the order they are applied to a response
//!
//! 1. A `1xx` response is informational: it has no body and the real
//!    response follows (`101 Switching Protocols` ends the exchange instead).
//! 2. `204 No Content`, `304 Not Modified`, and *any* response to `HEAD` have
//!    no body, whatever `Content-Length` or `Transfer-Encoding` claim.
//! 3. `Transfer-Encoding` whose last coding is `chunked`: a chunked body.
//!    Any other `Transfer-Encoding`: the body runs until the server closes.
//! 4. `Content-Length`: exactly that many bytes. Several values that differ,
//!    or a value that is not a decimal number, are an error (a classic
//!    request-smuggling ingredient, so we refuse rather than guess).
//! 5. Otherwise the body runs until the server closes the connection
//!    ("close-delimited", typical of HTTP/1.0 servers).
//!
//! A request (server side) has no rule 5: without a length it has no body.
//!
//! ## Truncation is an error
//!
//! When the connection ends, a close-delimited body is complete; a
//! `Content-Length` or chunked body that is not is
//! [`Error::BodyTruncated`], never a silently short body.
//!
//! Read next: `response.rs`, which drives these decoders.

use super::chunked::ChunkedDecoder;
use super::{Error, Headers, Limits};

/// How the end of a body is found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// No body at all.
    Empty,
    /// Exactly this many bytes.
    Length(u64),
    /// The chunked coding.
    Chunked,
    /// Everything until the peer closes the connection.
    UntilClose,
}

/// Reads the `Content-Length` values: `None` if absent, an error if malformed
/// or conflicting (`Content-Length: 5, 5` is accepted, `5, 6` is not).
pub fn content_length(headers: &Headers) -> Result<Option<u64>, Error> {
    let mut found: Option<u64> = None;
    for value in headers.get_all("content-length") {
        for part in value.split(',') {
            let part = part.trim();
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Error::InvalidContentLength(value.to_string()));
            }
            let n: u64 = part
                .parse()
                .map_err(|_| Error::InvalidContentLength(value.to_string()))?;
            match found {
                Some(prev) if prev != n => {
                    let all: Vec<&str> = headers.get_all("content-length").collect();
                    return Err(Error::ConflictingContentLength(all.join(", ")));
                }
                _ => found = Some(n),
            }
        }
    }
    Ok(found)
}

/// True when the last coding listed in `Transfer-Encoding` is `chunked`.
pub fn last_coding_is_chunked(headers: &Headers) -> bool {
    headers
        .get_all("transfer-encoding")
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .last()
        .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
}

/// The framing of a response body (rules 2 to 5 above; rule 1 is the parser's).
pub fn response_framing(
    status: u16,
    head_request: bool,
    headers: &Headers,
) -> Result<Framing, Error> {
    if head_request || status == 204 || status == 304 || (100..200).contains(&status) {
        return Ok(Framing::Empty);
    }
    if headers.contains("transfer-encoding") {
        return Ok(if last_coding_is_chunked(headers) {
            Framing::Chunked
        } else {
            Framing::UntilClose
        });
    }
    Ok(match content_length(headers)? {
        Some(n) => Framing::Length(n),
        None => Framing::UntilClose,
    })
}

/// The framing of a request body: chunked, a length, or none.
pub fn request_framing(headers: &Headers) -> Result<Framing, Error> {
    if headers.contains("transfer-encoding") {
        if last_coding_is_chunked(headers) {
            return Ok(Framing::Chunked);
        }
        let te: Vec<&str> = headers.get_all("transfer-encoding").collect();
        return Err(Error::UnsupportedTransferEncoding(te.join(", ")));
    }
    Ok(match content_length(headers)? {
        Some(0) | None => Framing::Empty,
        Some(n) => Framing::Length(n),
    })
}

/// The decoder's progress through one body.
#[derive(Debug)]
enum Progress {
    Length { remaining: u64, expected: u64 },
    Chunked(Box<ChunkedDecoder>),
    UntilClose,
    Done,
}

/// A sans-io body reader: feed it bytes, it says when the body is complete.
#[derive(Debug)]
pub struct BodyDecoder {
    progress: Progress,
    /// Decoded bytes not yet taken (all of them, unless the body is streamed).
    body: Vec<u8>,
    /// Decoded bytes so far, taken or not (what the body limit is checked against).
    total: u64,
    trailers: Option<Headers>,
    max_body: u64,
}

impl BodyDecoder {
    /// A decoder for a body with this framing.
    pub fn new(framing: Framing, limits: &Limits) -> Result<BodyDecoder, Error> {
        let max_body = limits.max_body_bytes;
        let (progress, capacity) = match framing {
            Framing::Empty | Framing::Length(0) => (Progress::Done, 0),
            Framing::Length(n) if n > max_body => {
                return Err(Error::BodyTooLarge { limit: max_body })
            }
            Framing::Length(n) => (
                Progress::Length {
                    remaining: n,
                    expected: n,
                },
                n.min(1 << 20) as usize,
            ),
            Framing::Chunked => (Progress::Chunked(Box::new(ChunkedDecoder::new(limits))), 0),
            Framing::UntilClose => (Progress::UntilClose, 0),
        };
        Ok(BodyDecoder {
            progress,
            body: Vec::with_capacity(capacity),
            total: 0,
            trailers: None,
            max_body,
        })
    }

    /// Consumes body bytes from `input`; returns how many were used (the rest
    /// follows the body).
    pub fn feed(&mut self, input: &[u8]) -> Result<usize, Error> {
        match &mut self.progress {
            Progress::Done => Ok(0),
            Progress::Length { remaining, .. } => {
                let n = (*remaining).min(input.len() as u64) as usize;
                self.body.extend_from_slice(&input[..n]);
                self.total += n as u64;
                *remaining -= n as u64;
                if *remaining == 0 {
                    self.progress = Progress::Done;
                }
                Ok(n)
            }
            Progress::Chunked(decoder) => {
                let used = decoder.decode(input, &mut self.body)?;
                if decoder.is_done() {
                    // Keep the trailers: swap the decoder out for `Done` below.
                    let trailers = decoder.take_trailers();
                    self.progress = Progress::Done;
                    self.trailers = Some(trailers);
                }
                Ok(used)
            }
            Progress::UntilClose => {
                if self.total.saturating_add(input.len() as u64) > self.max_body {
                    return Err(Error::BodyTooLarge {
                        limit: self.max_body,
                    });
                }
                self.body.extend_from_slice(input);
                self.total += input.len() as u64;
                Ok(input.len())
            }
        }
    }

    /// The connection ended: fine for a close-delimited body, an error for an incomplete one.
    pub fn finish_at_eof(&mut self) -> Result<(), Error> {
        match &self.progress {
            Progress::Done => Ok(()),
            Progress::UntilClose => {
                self.progress = Progress::Done;
                Ok(())
            }
            Progress::Length {
                remaining,
                expected,
            } => Err(Error::BodyTruncated {
                received: expected - remaining,
                expected: Some(*expected),
            }),
            Progress::Chunked(decoder) => Err(Error::BodyTruncated {
                received: decoder.decoded(),
                expected: None,
            }),
        }
    }

    /// True once the whole body was read.
    pub fn is_done(&self) -> bool {
        matches!(self.progress, Progress::Done)
    }

    /// Moves the body bytes decoded so far into `into`, replacing what it
    /// held; the decoder keeps `into`'s old buffer for the next bytes. This
    /// is how a streamed body is read piece by piece with two buffers that
    /// trade places, however long the body.
    pub fn take_body(&mut self, into: &mut Vec<u8>) {
        into.clear();
        std::mem::swap(&mut self.body, into);
    }

    /// Takes the body (and the trailers, if chunked) out of a finished decoder.
    pub fn into_parts(self) -> (Vec<u8>, Headers) {
        (self.body, self.trailers.unwrap_or_default())
    }
}
