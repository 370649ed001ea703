//! `Client::get_streaming`: the pieces add up to the body, a chunked body's
//! trailers come at the end, a body cut short is an error (never a short
//! body), and a completely read response gives its connection back to the
//! pool, as a buffered one does.

mod http_support;

use homemade::event_loop::EventLoop;
use homemade::http::{Client, Error, StreamingResponse};
use http_support::{echo_server, pattern, RawServer};

/// Reads the whole body: its bytes, or the first error.
async fn drain(response: &mut StreamingResponse) -> Result<Vec<u8>, Error> {
    let mut body = Vec::new();
    while let Some(piece) = response.chunk().await? {
        body.extend_from_slice(piece);
    }
    Ok(body)
}

#[test]
fn chunked_pieces_add_up_and_trailers_come_last() {
    let server = RawServer::answering(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 11\r\n\r\n"
            .to_vec(),
    );
    let client = Client::new();
    EventLoop::new().unwrap().block_on(async {
        let mut response = client.get_streaming(&server.url("/")).await.unwrap();
        assert_eq!(response.head().status, 200);
        assert!(response.head().body.is_empty());
        assert_eq!(drain(&mut response).await.unwrap(), b"hello world");
        assert_eq!(response.trailers().get("x-sum"), Some("11"));
        assert!(
            response.chunk().await.unwrap().is_none(),
            "ended stays ended"
        );
    });
}

#[test]
fn a_body_cut_short_is_an_error_every_time_it_is_asked() {
    let server =
        RawServer::answering(b"HTTP/1.1 200 OK\r\nContent-Length: 25\r\n\r\n0123456789".to_vec());
    let client = Client::new();
    EventLoop::new().unwrap().block_on(async {
        let mut response = client.get_streaming(&server.url("/")).await.unwrap();
        let err = drain(&mut response).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::BodyTruncated {
                    received: 10,
                    expected: Some(25)
                }
            ),
            "{err:?}"
        );
        assert!(response.chunk().await.is_err());
    });
}

#[test]
fn a_fully_read_streamed_response_parks_its_connection() {
    let server = echo_server();
    let url = server.url("/bytes/100000");
    let client = Client::new();
    EventLoop::new().unwrap().block_on(async {
        let whole = client.get(&url).await.unwrap().body;
        assert_eq!(whole, pattern(100_000));
        for _ in 0..3 {
            let mut response = client.get_streaming(&url).await.unwrap();
            assert_eq!(drain(&mut response).await.unwrap(), whole);
            drop(response);
            assert_eq!(client.idle_connections(&url), 1);
        }
    });
    assert_eq!(client.connections_opened(), 1);
}
