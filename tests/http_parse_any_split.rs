//! Property: any split of any valid response parses to the same response;
//! chunked encode-then-decode gives back the original body.

use homemade::http::{chunked, Limits, Response, ResponseParser};
use proptest::prelude::*;

/// Builds a response from generated parts, in one of three framings.
fn render(
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    framing: u8,
    chunk: usize,
) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} Reason\r\n").into_bytes();
    for (n, v) in headers {
        out.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
    }
    match framing {
        0 => {
            out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
            out.extend_from_slice(body);
        }
        1 => {
            out.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
            out.extend_from_slice(&chunked::encode(body, chunk));
        }
        _ => {
            out.extend_from_slice(b"Connection: close\r\n\r\n");
            out.extend_from_slice(body);
        }
    }
    out
}

/// Pushes `input` cut at the given points, then EOF if needed.
fn parse_split(input: &[u8], cuts: &[usize]) -> Response {
    let mut parser = ResponseParser::new();
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    cuts.sort_unstable();
    let mut start = 0;
    for end in cuts.into_iter().chain([input.len()]) {
        if let Some(r) = parser.push(&input[start..end]).expect("valid response") {
            return r;
        }
        start = end;
    }
    parser.push_eof().expect("valid response")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_split_parses_to_the_same_response(
        status in 200u16..600,
        headers in prop::collection::vec(("[A-Za-z][A-Za-z0-9-]{0,12}", "[ -~]{0,20}"), 0..6),
        body in prop::collection::vec(any::<u8>(), 0..300),
        framing in 0u8..3,
        chunk in 1usize..64,
        cuts in prop::collection::vec(any::<usize>(), 0..12),
    ) {
        prop_assume!(status != 204 && status != 304);
        let headers: Vec<(String, String)> = headers
            .into_iter()
            .filter(|(n, _)| !["content-length", "transfer-encoding", "connection"].contains(&n.to_ascii_lowercase().as_str()))
            .map(|(n, v)| (n, v.trim().to_string()))
            .collect();
        let input = render(status, &headers, &body, framing, chunk);
        let whole = parse_split(&input, &[]);
        prop_assert_eq!(whole.status, status);
        prop_assert_eq!(&whole.body, &body);
        let split = parse_split(&input, &cuts);
        prop_assert_eq!(split, whole);
    }

    #[test]
    fn chunked_encode_then_decode_round_trips(
        body in prop::collection::vec(any::<u8>(), 0..2000),
        chunk in 1usize..300,
        tail in prop::collection::vec(any::<u8>(), 0..10),
    ) {
        let mut wire = chunked::encode(&body, chunk);
        let len = wire.len();
        wire.extend_from_slice(&tail);
        let (decoded, used) = chunked::decode(&wire, &Limits::default()).unwrap();
        prop_assert_eq!(decoded, body);
        prop_assert_eq!(used, len);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// The server's request parser: pipelined requests, any split, same requests.
    #[test]
    fn pipelined_requests_parse_the_same_under_any_split(
        bodies in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..100), 1..4),
        chunked_mask in any::<u8>(),
        cuts in prop::collection::vec(any::<usize>(), 0..10),
    ) {
        use homemade::http::RequestParser;
        let mut wire = Vec::new();
        for (i, body) in bodies.iter().enumerate() {
            wire.extend_from_slice(format!("POST /carts/{i}?delay=1 HTTP/1.1\r\nHost: x\r\n").as_bytes());
            if chunked_mask & (1 << i) != 0 {
                wire.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
                wire.extend_from_slice(&chunked::encode(body, 7));
            } else {
                wire.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
                wire.extend_from_slice(body);
            }
        }
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
        cuts.sort_unstable();
        let mut parser = RequestParser::new(Limits::default());
        let mut got = Vec::new();
        let mut start = 0;
        for end in cuts.into_iter().chain([wire.len()]) {
            parser.push(&wire[start..end]);
            start = end;
            while let Some(request) = parser.next_request().unwrap() {
                got.push(request);
            }
        }
        prop_assert!(parser.is_idle());
        prop_assert_eq!(got.len(), bodies.len());
        for (i, (request, body)) in got.iter().zip(&bodies).enumerate() {
            prop_assert_eq!(&request.method, "POST");
            prop_assert_eq!(request.path(), format!("/carts/{i}"));
            prop_assert_eq!(request.query("delay"), Some("1"));
            prop_assert_eq!(&request.body, body);
        }
    }

    /// A request carrying both `Content-Length` and `Transfer-Encoding`, after
    /// valid pipelined ones: under any split, the requests before it come out
    /// and then the error, never a request from the bytes behind it.
    #[test]
    fn a_cl_te_request_is_refused_under_any_split(
        before in 0usize..3,
        te_first in any::<bool>(),
        cuts in prop::collection::vec(any::<usize>(), 0..10),
    ) {
        use homemade::http::{Error, RequestParser};
        let mut wire = b"GET /carts/1 HTTP/1.1\r\nHost: x\r\n\r\n".repeat(before);
        let (first, second) = if te_first {
            ("Transfer-Encoding: chunked", "Content-Length: 5")
        } else {
            ("Content-Length: 5", "Transfer-Encoding: chunked")
        };
        wire.extend_from_slice(format!("POST /carts/add HTTP/1.1\r\nHost: x\r\n{first}\r\n{second}\r\n\r\n0\r\n\r\n").as_bytes());
        wire.extend_from_slice(b"GET /carts/2 HTTP/1.1\r\nHost: x\r\n\r\n");
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
        cuts.sort_unstable();
        let mut parser = RequestParser::new(Limits::default());
        let (mut got, mut error) = (0, None);
        let mut start = 0;
        'feed: for end in cuts.into_iter().chain([wire.len()]) {
            parser.push(&wire[start..end]);
            start = end;
            loop {
                match parser.next_request() {
                    Ok(Some(request)) => {
                        prop_assert_eq!(request.path(), "/carts/1");
                        got += 1;
                    }
                    Ok(None) => break,
                    Err(e) => {
                        error = Some(e);
                        break 'feed;
                    }
                }
            }
        }
        prop_assert_eq!(got, before);
        prop_assert!(matches!(error, Some(Error::MalformedHeader(_))), "{:?}", error);
    }
}

/// Chunk-size lines RFC 9112 §7.1.1 forbids (and llhttp refuses), and
/// well-formed ones, for the strict chunk-line property below.
const BAD_CHUNK_LINES: &[&str] = &[
    "5  ", "5\t", "5;", "5 ;", "5;a=", "5;;a", " 5", "5;a=\"x", "5 x", "5;a b",
];
const GOOD_CHUNK_LINES: &[&str] = &["5", "5;a", "5 ; a = b", "5;a=\"q \\\" r\";b", "5\t;x=1"];

/// Pushes `wire` cut at `cuts` into a fresh response parser, or a fresh
/// request parser: the body, or the first error.
fn chunked_under_split(
    wire_body: &[u8],
    cuts: &[usize],
    server: bool,
) -> Result<Vec<u8>, homemade::http::Error> {
    use homemade::http::RequestParser;
    let head: &[u8] = if server {
        b"POST /carts/add HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    } else {
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    };
    let wire = [head, wire_body].concat();
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
    cuts.sort_unstable();
    let mut start = 0;
    let mut response = ResponseParser::new();
    let mut request = RequestParser::new(Limits::default());
    for end in cuts.into_iter().chain([wire.len()]) {
        let piece = &wire[start..end];
        start = end;
        if server {
            request.push(piece);
            if let Some(r) = request.next_request()? {
                return Ok(r.body);
            }
        } else if let Some(r) = response.push(piece)? {
            return Ok(r.body);
        }
    }
    if server {
        Err(homemade::http::Error::Internal("request incomplete".into()))
    } else {
        response.push_eof().map(|r| r.body)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    /// Both parsers refuse a loose chunk-size line and accept a strict one,
    /// whatever the split (the decoder is shared; both sides are checked).
    #[test]
    fn chunk_lines_are_parsed_strictly_on_both_sides_under_any_split(
        bad in 0..BAD_CHUNK_LINES.len(),
        good in 0..GOOD_CHUNK_LINES.len(),
        server in any::<bool>(),
        cuts in prop::collection::vec(any::<usize>(), 0..10),
    ) {
        let body = format!("{}\r\nhello\r\n0\r\n\r\n", BAD_CHUNK_LINES[bad]);
        let result = chunked_under_split(body.as_bytes(), &cuts, server);
        prop_assert!(
            matches!(result, Err(homemade::http::Error::InvalidChunkSize(_))),
            "{:?} accepted (server: {}): {:?}", BAD_CHUNK_LINES[bad], server, result
        );
        let body = format!("{}\r\nhello\r\n0\r\n\r\n", GOOD_CHUNK_LINES[good]);
        let result = chunked_under_split(body.as_bytes(), &cuts, server);
        prop_assert_eq!(result.ok(), Some(b"hello".to_vec()), "{:?} (server: {})", GOOD_CHUNK_LINES[good], server);
    }
}
