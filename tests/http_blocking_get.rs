//! `http::blocking::get`: the same parser over blocking `std::net`, from many threads.

mod http_support;

use homemade::http::{blocking, Error};
use http_support::{echo_server, echoed_path};

#[test]
fn blocking_get_fetches_from_threads() {
    let server = echo_server();
    let base = server.base_url();
    let ids: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (1..=8u64)
            .map(|id| {
                let url = format!("{base}/items/{id}?delay=50");
                s.spawn(move || echoed_path(&blocking::get(&url).unwrap().body))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let expected: Vec<String> = (1..=8).map(|id| format!("/items/{id}")).collect();
    assert_eq!(ids, expected);
    let r = blocking::get(&format!("{base}/status/404")).unwrap();
    assert_eq!(r.status, 404);
    assert!(matches!(
        blocking::get("ftp://dummyjson.com/carts/1"),
        Err(Error::UnsupportedScheme(_))
    ));
    assert!(matches!(
        blocking::get("not a url"),
        Err(Error::InvalidUrl(_))
    ));
}
