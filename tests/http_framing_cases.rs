//! The framing case table: every way a response says where its body ends,
//! and every way it can lie, parsed whole and byte by byte.

use homemade::http::{Error, Limits, Response, ResponseParser};

/// Parses `input` pushed in pieces of `step` bytes, then EOF if still incomplete.
fn parse(input: &[u8], head: bool, step: usize) -> Result<Response, Error> {
    let mut parser = ResponseParser::with_limits(head, Limits::default());
    for piece in input.chunks(step.max(1)) {
        if let Some(response) = parser.push(piece)? {
            return Ok(response);
        }
    }
    parser.push_eof()
}

/// What a case must produce.
enum Expect {
    Ok {
        status: u16,
        body: &'static [u8],
        reusable: bool,
    },
    Err(fn(&Error) -> bool),
}

fn cases() -> Vec<(&'static str, Vec<u8>, bool, Expect)> {
    use Expect::*;
    let big_head = {
        let mut h = b"HTTP/1.1 200 OK\r\n".to_vec();
        for i in 0..40 {
            h.extend_from_slice(format!("X-Filler-{i}: {}\r\n", "y".repeat(2000)).as_bytes());
        }
        h.extend_from_slice(b"Content-Length: 0\r\n\r\n");
        h
    };
    let many_headers = {
        let mut h = b"HTTP/1.1 200 OK\r\n".to_vec();
        for i in 0..101 {
            h.extend_from_slice(format!("X-{i}: 1\r\n").as_bytes());
        }
        h.extend_from_slice(b"\r\n");
        h
    };
    vec![
        ("content-length", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".to_vec(), false,
            Ok { status: 200, body: b"hello", reusable: true }),
        ("content-length zero", b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_vec(), false,
            Ok { status: 200, body: b"", reusable: true }),
        ("repeated equal content-length", b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3, 3\r\n\r\nabc".to_vec(), false,
            Ok { status: 200, body: b"abc", reusable: true }),
        ("chunked with extensions and trailers",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=val\r\nhello\r\n6 ; x\r\n world\r\n0\r\nExpires: never\r\nX-Sum: 11\r\n\r\n".to_vec(), false,
            Ok { status: 200, body: b"hello world", reusable: true }),
        ("chunked wins over content-length (and forbids reuse)",
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n".to_vec(), false,
            Ok { status: 200, body: b"abc", reusable: false }),
        ("gzip then chunked is chunked", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nxy\r\n0\r\n\r\n".to_vec(), false,
            Ok { status: 200, body: b"xy", reusable: true }),
        ("other transfer-encoding reads to close", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nraw bytes".to_vec(), false,
            Ok { status: 200, body: b"raw bytes", reusable: false }),
        ("close-delimited HTTP/1.0", b"HTTP/1.0 200 OK\r\nServer: x\r\n\r\nuntil the end".to_vec(), false,
            Ok { status: 200, body: b"until the end", reusable: false }),
        ("close-delimited HTTP/1.1", b"HTTP/1.1 200 OK\r\n\r\nuntil the end".to_vec(), false,
            Ok { status: 200, body: b"until the end", reusable: false }),
        ("HTTP/1.0 with keep-alive and length", b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok".to_vec(), false,
            Ok { status: 200, body: b"ok", reusable: true }),
        ("HTTP/1.0 without keep-alive", b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec(), false,
            Ok { status: 200, body: b"ok", reusable: false }),
        ("connection close", b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok".to_vec(), false,
            Ok { status: 200, body: b"ok", reusable: false }),
        ("1xx before the final response",
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone".to_vec(), false,
            Ok { status: 201, body: b"done", reusable: true }),
        ("101 ends the exchange", b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n".to_vec(), false,
            Ok { status: 101, body: b"", reusable: false }),
        ("204 with a misleading length", b"HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n".to_vec(), false,
            Ok { status: 204, body: b"", reusable: true }),
        ("304 with a misleading chunked", b"HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec(), false,
            Ok { status: 304, body: b"", reusable: true }),
        ("HEAD with a misleading length", b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n".to_vec(), true,
            Ok { status: 200, body: b"", reusable: true }),
        ("conflicting content-length", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!".to_vec(), false,
            Err(|e| matches!(e, Error::ConflictingContentLength(_)))),
        ("conflicting content-length in one field", b"HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello!".to_vec(), false,
            Err(|e| matches!(e, Error::ConflictingContentLength(_)))),
        ("malformed content-length", b"HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello".to_vec(), false,
            Err(|e| matches!(e, Error::InvalidContentLength(_)))),
        ("overflowing content-length", b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n".to_vec(), false,
            Err(|e| matches!(e, Error::InvalidContentLength(_)))),
        ("invalid chunk size", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n".to_vec(), false,
            Err(|e| matches!(e, Error::InvalidChunkSize(_)))),
        ("empty chunk size", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n;ext\r\nhello\r\n0\r\n\r\n".to_vec(), false,
            Err(|e| matches!(e, Error::InvalidChunkSize(_)))),
        ("overflowing chunk size", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1ffffffffffffffff\r\nx\r\n".to_vec(), false,
            Err(|e| matches!(e, Error::InvalidChunkSize(s) if s.contains("overflow")))),
        ("huge chunk beyond the body limit", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffff\r\nx".to_vec(), false,
            Err(|e| matches!(e, Error::BodyTooLarge { .. }))),
        ("chunk data without CRLF", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n".to_vec(), false,
            Err(|e| matches!(e, Error::MissingChunkTerminator))),
        ("trailing spaces after the chunk size", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5  \r\nhello\r\n0\r\n\r\n".to_vec(), false,
            Err(|e| matches!(e, Error::InvalidChunkSize(_)))),
        ("a tab after the last chunk size", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\t\r\n\r\n".to_vec(), false,
            Err(|e| matches!(e, Error::InvalidChunkSize(_)))),
        ("nothing after the semicolon", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;\r\nok\r\n0\r\n\r\n".to_vec(), false,
            Err(|e| matches!(e, Error::InvalidChunkSize(_)))),
        ("an extension with an empty value", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;a=\r\nok\r\n0\r\n\r\n".to_vec(), false,
            Err(|e| matches!(e, Error::InvalidChunkSize(_)))),
        ("a space before the chunk size", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n 2\r\nok\r\n0\r\n\r\n".to_vec(), false,
            Err(|e| matches!(e, Error::InvalidChunkSize(_)))),
        ("an unclosed quoted extension value", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;a=\"x\r\nok\r\n0\r\n\r\n".to_vec(), false,
            Err(|e| matches!(e, Error::InvalidChunkSize(_)))),
        ("well-formed extensions: spaces around ';' and '=', a quoted value",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2 ; a = b;c=\"x \\\" y\"\r\nok\r\n0;last\r\n\r\n".to_vec(), false,
            Ok { status: 200, body: b"ok", reusable: true }),
        ("endless chunk-size line", [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;".to_vec(), vec![b'a'; 10_000]].concat(), false,
            Err(|e| matches!(e, Error::ChunkLineTooLong { .. }))),
        ("endless trailers", [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n".to_vec(), b"X-T: 1\r\n".repeat(5000)].concat(), false,
            Err(|e| matches!(e, Error::TrailersTooLarge { .. }))),
        ("oversized head", big_head, false, Err(|e| matches!(e, Error::HeadTooLarge { limit: 65536 }))),
        ("too many headers", many_headers, false, Err(|e| matches!(e, Error::TooManyHeaders { limit: 100 }))),
        ("body truncated by EOF", b"HTTP/1.1 200 OK\r\nContent-Length: 25\r\n\r\n0123456789".to_vec(), false,
            Err(|e| matches!(e, Error::BodyTruncated { received: 10, expected: Some(25) }) && e.to_string() == "body truncated at 10 of 25 bytes")),
        ("chunked body truncated by EOF", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel".to_vec(), false,
            Err(|e| matches!(e, Error::BodyTruncated { received: 3, expected: None }))),
        ("head truncated by EOF", b"HTTP/1.1 200 OK\r\nContent-Le".to_vec(), false,
            Err(|e| matches!(e, Error::HeadTruncated { .. }))),
        ("nothing at all", Vec::new(), false, Err(|e| matches!(e, Error::ConnectionClosed))),
        ("malformed status line", b"HTTP/1.1 OK 200\r\n\r\n".to_vec(), false,
            Err(|e| matches!(e, Error::MalformedStatusLine(_)))),
        ("not HTTP at all", b"SSH-2.0-OpenSSH_9.6\r\n".to_vec(), false,
            Err(|e| matches!(e, Error::MalformedStatusLine(_)))),
        ("malformed header", b"HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n".to_vec(), false,
            Err(|e| matches!(e, Error::MalformedHeader(_)))),
    ]
}

#[test]
fn every_framing_case_parses_right_or_fails_with_the_right_error() {
    for (name, input, head, expect) in cases() {
        // Whole, in small odd pieces, and byte by byte: the same answer each time.
        for step in [input.len().max(1), 7, 1] {
            let result = parse(&input, head, step);
            match (&expect, &result) {
                (Expect::Ok { status, body, .. }, Ok(r)) => {
                    assert_eq!(r.status, *status, "{name} (step {step})");
                    assert_eq!(&r.body[..], *body, "{name} (step {step})");
                }
                (Expect::Err(check), Err(e)) => {
                    assert!(check(e), "{name} (step {step}): wrong error {e:?} ({e})")
                }
                (_, other) => panic!("{name} (step {step}): unexpected {other:?}"),
            }
        }
        if let Expect::Ok { reusable, .. } = expect {
            let mut parser = ResponseParser::with_limits(head, Limits::default());
            let done = parser.push(&input).unwrap();
            if done.is_none() {
                parser.push_eof().unwrap();
            }
            assert_eq!(parser.reusable(), reusable, "{name}: reusable");
        }
    }
}

#[test]
fn trailers_are_kept_and_bytes_after_the_body_forbid_reuse() {
    let mut p = ResponseParser::new();
    let r = p
        .push(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Sum: 11\r\n\r\n")
        .unwrap()
        .unwrap();
    assert_eq!(r.trailers.get("x-sum"), Some("11"));
    let mut p = ResponseParser::new();
    p.push(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxEXTRA")
        .unwrap()
        .unwrap();
    assert_eq!(p.leftover(), b"EXTRA");
    assert!(!p.reusable());
}

#[test]
fn the_body_limit_is_configurable() {
    let limits = Limits::default().with_max_body(4);
    let mut p = ResponseParser::with_limits(false, limits.clone());
    let e = p
        .push(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
        .unwrap_err();
    assert!(matches!(e, Error::BodyTooLarge { limit: 4 }));
    let mut p = ResponseParser::with_limits(false, limits);
    let e = p.push(b"HTTP/1.0 200 OK\r\n\r\n12345").unwrap_err();
    assert!(matches!(e, Error::BodyTooLarge { limit: 4 }));
}

#[test]
fn the_header_count_limit_is_configurable_both_ways() {
    let mut head = b"HTTP/1.1 200 OK\r\n".to_vec();
    for i in 0..150 {
        head.extend_from_slice(format!("X-{i}: 1\r\n").as_bytes());
    }
    head.extend_from_slice(b"Content-Length: 0\r\n\r\n");
    let roomy = Limits {
        max_headers: 200,
        ..Limits::default()
    };
    let r = ResponseParser::with_limits(false, roomy)
        .push(&head)
        .unwrap()
        .unwrap();
    assert_eq!(r.headers.len(), 151);
    let tight = Limits {
        max_headers: 10,
        ..Limits::default()
    };
    let e = ResponseParser::with_limits(false, tight)
        .push(&head)
        .unwrap_err();
    assert!(matches!(e, Error::TooManyHeaders { limit: 10 }));
}

/// A request case: its name, its bytes, and the body or the error it gives.
type RequestCase = (
    &'static str,
    Vec<u8>,
    Result<&'static [u8], fn(&Error) -> bool>,
);

/// The request side of the table: how the server's parser frames a request
/// body, and the heads it must refuse (RFC 9112 §3.2, §6.1).
fn request_cases() -> Vec<RequestCase> {
    let smuggling =
        |e: &Error| matches!(e, Error::MalformedHeader(m) if m.contains("Transfer-Encoding"));
    vec![
        ("content-length", b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc".to_vec(), Ok(b"abc")),
        ("chunked", b"POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n".to_vec(), Ok(b"abc")),
        ("no length, no body", b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), Ok(b"")),
        ("CL then TE", b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".to_vec(), Err(smuggling)),
        ("TE then CL", b"POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n".to_vec(), Err(smuggling)),
        ("CL and TE in other cases", b"POST /a HTTP/1.1\r\nHost: x\r\ncOnTeNt-LeNgTh: 0\r\ntransfer-ENCODING: chunked\r\n\r\n0\r\n\r\n".to_vec(), Err(smuggling)),
        ("CL and a non-chunked TE", b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: gzip\r\n\r\nabcde".to_vec(), Err(smuggling)),
        ("TE in HTTP/1.0", b"POST /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".to_vec(), Err(smuggling)),
        ("no Host in HTTP/1.1", b"GET /a HTTP/1.1\r\n\r\n".to_vec(), Err(|e| matches!(e, Error::MalformedHeader(m) if m.contains("no Host")))),
        ("two Hosts", b"GET /a HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n".to_vec(), Err(|e| matches!(e, Error::MalformedHeader(m) if m.contains("2 Host")))),
        ("request line over the limit", [b"GET /".to_vec(), vec![b'a'; 70_000]].concat(), Err(|e| matches!(e, Error::RequestLineTooLong { .. }))),
    ]
}

#[test]
fn every_request_framing_case_parses_right_or_fails_with_the_right_error() {
    use homemade::http::RequestParser;
    for (name, input, expect) in request_cases() {
        for step in [input.len(), 7, 1] {
            let mut parser = RequestParser::new(Limits::default());
            let mut result = Ok(None);
            for piece in input.chunks(step) {
                parser.push(piece);
                result = parser.next_request();
                if !matches!(result, Ok(None)) {
                    break;
                }
            }
            match (&expect, result) {
                (Ok(body), Ok(Some(request))) => {
                    assert_eq!(&request.body[..], *body, "{name} (step {step})")
                }
                (Err(check), Err(e)) => {
                    assert!(check(&e), "{name} (step {step}): wrong error {e:?}")
                }
                (_, other) => panic!("{name} (step {step}): unexpected {other:?}"),
            }
        }
    }
}
