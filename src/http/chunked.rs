//! The chunked transfer coding (RFC 9112 §7.1): an encoder, and a sans-io
//! decoder that accepts its input in pieces of any size.
//!
//! ## The wire format
//!
//! ```text
//! 5;ext=1\r\n        chunk-size in hex, optional extensions after ';' (ignored)
//! hello\r\n          exactly chunk-size bytes of data, then CRLF
//! 0\r\n              the last chunk has size 0
//! Expires: never\r\n trailer fields (optional)
//! \r\n               an empty line ends the message
//! ```
//!
//! ## How the decoder works
//!
//! [`ChunkedDecoder`] is a small state machine (`SizeLine -> Data -> DataEnd
//! -> SizeLine ... -> Trailers -> Done`). Each call to
//! [`decode`](ChunkedDecoder::decode) consumes as much input as it can and
//! remembers where it stopped, so a chunk-size line split across two reads is
//! glued back together and the result never depends on how the bytes were
//! split. Every line it buffers is bounded: a size line by
//! `max_chunk_line`, the trailer section by `max_trailer_bytes`, and the
//! decoded body by `max_body` (checked *before* reading a chunk, so a claimed
//! size of `ffffffffffff` is refused without allocating anything).
//!
//!
//! The size line is parsed strictly, on the client and the server alike
//! (both use this decoder): hex digits, then only well-formed `;name[=value]`
//! extensions. `5  ` (trailing spaces) and `5;` (an empty extension) are
//! errors, as in llhttp; see `parse_chunk_size`.
//!
//! Read next: `body.rs`, which decides when a body is chunked at all.

use super::{Error, Headers, Limits};

/// Encodes `body` with the chunked coding, in chunks of at most `max_chunk` bytes.
pub fn encode(body: &[u8], max_chunk: usize) -> Vec<u8> {
    let max_chunk = max_chunk.max(1);
    let mut out = Vec::with_capacity(body.len() + body.len() / max_chunk * 8 + 16);
    for chunk in body.chunks(max_chunk) {
        out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

/// Where the decoder is inside the chunked body.
#[derive(Debug)]
enum State {
    /// Reading a chunk-size line (bytes so far, without the LF).
    SizeLine(Vec<u8>),
    /// Reading chunk data; this many bytes are left in the chunk.
    Data(u64),
    /// Expecting the CRLF after chunk data (`true` once the CR was seen).
    DataEnd(bool),
    /// Reading trailer lines: the current line, and trailer bytes so far.
    Trailers(Vec<u8>, usize),
    /// The empty line after the trailers was read.
    Done,
}

/// A sans-io decoder for one chunked body.
#[derive(Debug)]
pub struct ChunkedDecoder {
    state: State,
    decoded: u64,
    trailers: Headers,
    max_chunk_line: usize,
    max_trailer_bytes: usize,
    max_body: u64,
}

impl ChunkedDecoder {
    /// A decoder enforcing these limits.
    pub fn new(limits: &Limits) -> ChunkedDecoder {
        ChunkedDecoder {
            state: State::SizeLine(Vec::new()),
            decoded: 0,
            trailers: Headers::new(),
            max_chunk_line: limits.max_chunk_line,
            max_trailer_bytes: limits.max_trailer_bytes,
            max_body: limits.max_body_bytes,
        }
    }

    /// Decodes from `input`, appending chunk data to `out`. Returns how many
    /// bytes of `input` were consumed; once [`is_done`](Self::is_done), the
    /// rest of `input` belongs to whatever follows the body.
    pub fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<usize, Error> {
        let mut pos = 0;
        while pos < input.len() {
            match &mut self.state {
                State::Done => break,
                State::SizeLine(line) => {
                    let (taken, complete) = take_line(&input[pos..], line, self.max_chunk_line)
                        .map_err(|_| Error::ChunkLineTooLong {
                            limit: self.max_chunk_line,
                        })?;
                    pos += taken;
                    if complete {
                        let size = parse_chunk_size(line)?;
                        if self.decoded.saturating_add(size) > self.max_body {
                            return Err(Error::BodyTooLarge {
                                limit: self.max_body,
                            });
                        }
                        self.state = if size == 0 {
                            State::Trailers(Vec::new(), 0)
                        } else {
                            State::Data(size)
                        };
                    }
                }
                State::Data(remaining) => {
                    let n = (*remaining).min((input.len() - pos) as u64) as usize;
                    out.extend_from_slice(&input[pos..pos + n]);
                    pos += n;
                    self.decoded += n as u64;
                    *remaining -= n as u64;
                    if *remaining == 0 {
                        self.state = State::DataEnd(false);
                    }
                }
                State::DataEnd(seen_cr) => {
                    match (input[pos], *seen_cr) {
                        (b'\r', false) => *seen_cr = true,
                        (b'\n', _) => self.state = State::SizeLine(Vec::new()),
                        _ => return Err(Error::MissingChunkTerminator),
                    }
                    pos += 1;
                }
                State::Trailers(line, total) => {
                    let room = self.max_trailer_bytes.saturating_sub(*total);
                    let before = line.len();
                    let (taken, complete) =
                        take_line(&input[pos..], line, room + before).map_err(|_| {
                            Error::TrailersTooLarge {
                                limit: self.max_trailer_bytes,
                            }
                        })?;
                    pos += taken;
                    *total += taken;
                    if complete {
                        if line.is_empty() {
                            self.state = State::Done;
                        } else {
                            let field = parse_trailer(line)?;
                            self.trailers.append(field.0, field.1);
                            line.clear();
                        }
                    }
                }
            }
        }
        Ok(pos)
    }

    /// True once the last chunk and the trailers were read.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Body bytes decoded so far.
    pub fn decoded(&self) -> u64 {
        self.decoded
    }

    /// Takes the trailer fields read after the last chunk.
    pub fn take_trailers(&mut self) -> Headers {
        std::mem::take(&mut self.trailers)
    }
}

/// Decodes a complete chunked body in one go (a convenience over [`ChunkedDecoder`]).
/// Returns the body and the number of input bytes consumed.
pub fn decode(input: &[u8], limits: &Limits) -> Result<(Vec<u8>, usize), Error> {
    let mut decoder = ChunkedDecoder::new(limits);
    let mut body = Vec::new();
    let used = decoder.decode(input, &mut body)?;
    if !decoder.is_done() {
        return Err(Error::BodyTruncated {
            received: decoder.decoded(),
            expected: None,
        });
    }
    Ok((body, used))
}

/// Moves bytes of `input` into `line` up to and including a LF. Returns the
/// bytes taken and whether the line is complete (the LF and a CR before it are
/// not kept). Fails when the line would grow past `limit`.
fn take_line(input: &[u8], line: &mut Vec<u8>, limit: usize) -> Result<(usize, bool), ()> {
    match input.iter().position(|&b| b == b'\n') {
        Some(i) => {
            if line.len() + i > limit {
                return Err(());
            }
            line.extend_from_slice(&input[..i]);
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            Ok((i + 1, true))
        }
        None => {
            if line.len() + input.len() > limit {
                return Err(());
            }
            line.extend_from_slice(input);
            Ok((input.len(), false))
        }
    }
}

/// Parses a chunk-size line strictly (RFC 9112 §7.1.1) and returns the size;
/// the extensions are checked for shape, then ignored.
///
/// ```text
/// chunk-line = 1*HEXDIG *( BWS ";" BWS ext-name [ BWS "=" BWS ext-value ] )
/// ext-name   = token
/// ext-value  = token / quoted-string
/// BWS        = *( SP / HTAB )
/// ```
///
/// So `5`, `5;a`, `5 ; a=b` and `5;a="x y"` are fine, while `5  ` (spaces
/// with no extension after them), `5;` (an empty extension), ` 5` and
/// `5;a=` are refused, as llhttp refuses them: a lenient reader here and a
/// strict one elsewhere on the path would disagree about where a body ends.
fn parse_chunk_size(line: &[u8]) -> Result<u64, Error> {
    let invalid = || Error::InvalidChunkSize(String::from_utf8_lossy(line).into_owned());
    let digits_end = line
        .iter()
        .position(|b| !b.is_ascii_hexdigit())
        .unwrap_or(line.len());
    let digits = &line[..digits_end];
    if digits.is_empty() {
        return Err(invalid());
    }
    let mut size: u64 = 0;
    for &b in digits {
        let d = (b as char).to_digit(16).ok_or_else(invalid)?;
        size = size
            .checked_mul(16)
            .and_then(|s| s.checked_add(d as u64))
            .ok_or_else(|| {
                Error::InvalidChunkSize(format!(
                    "{} (overflows 64 bits)",
                    String::from_utf8_lossy(digits)
                ))
            })?;
    }
    if extensions_are_well_formed(&line[digits_end..]) {
        Ok(size)
    } else {
        Err(invalid())
    }
}

/// True when `rest` (what follows the hex digits) is a sequence of zero or
/// more well-formed `;name[=value]` extensions.
fn extensions_are_well_formed(mut rest: &[u8]) -> bool {
    while !rest.is_empty() {
        rest = skip_bws(rest);
        let Some(after_semicolon) = rest.strip_prefix(b";") else {
            return false; // trailing spaces, or junk, with no ';'
        };
        rest = skip_bws(after_semicolon);
        let name_len = token_len(rest);
        if name_len == 0 {
            return false; // `5;` or `5; ;x`: an empty extension name
        }
        rest = &rest[name_len..];
        let after_name = skip_bws(rest);
        if let Some(after_equals) = after_name.strip_prefix(b"=") {
            let value = skip_bws(after_equals);
            let value_len = match value.first() {
                Some(b'"') => match quoted_string_len(value) {
                    Some(n) => n,
                    None => return false,
                },
                _ => token_len(value),
            };
            if value_len == 0 {
                return false; // `5;a=`
            }
            rest = &value[value_len..];
        }
    }
    true
}

/// Skips optional whitespace (`BWS`: spaces and tabs).
fn skip_bws(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    s
}

/// The length of the token (RFC 9110 §5.6.2) at the start of `s` (0 if none).
fn token_len(s: &[u8]) -> usize {
    s.iter().position(|&b| !is_tchar(b)).unwrap_or(s.len())
}

/// A token character: visible ASCII except the delimiters `"(),/:;<=>?@[\]{}`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The length of the quoted string (with both quotes) at the start of `s`,
/// or `None` if it is not closed or holds a control character.
fn quoted_string_len(s: &[u8]) -> Option<usize> {
    let mut i = 1; // after the opening quote
    while i < s.len() {
        match s[i] {
            b'"' => return Some(i + 1),
            b'\\' => {
                let escaped = *s.get(i + 1)?;
                if escaped != b'\t' && (escaped < b' ' || escaped == 0x7f) {
                    return None;
                }
                i += 2;
            }
            b'\t' | b' '..=0x7e | 0x80..=0xff => i += 1,
            _ => return None,
        }
    }
    None
}

/// Splits a trailer line into name and value.
fn parse_trailer(line: &[u8]) -> Result<(String, String), Error> {
    let text = String::from_utf8_lossy(line);
    match text.split_once(':') {
        Some((name, value)) if !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok((name.to_string(), value.trim().to_string()))
        }
        _ => Err(Error::MalformedHeader(format!("trailer line {text:?}"))),
    }
}
