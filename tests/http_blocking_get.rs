//! `http::blocking::get`: the same parser over blocking `std::net`, from many threads.

use homemade::carts::routes::EmbeddedServer;
use homemade::carts::Cart;
use homemade::http::{blocking, Error};

#[test]
fn blocking_get_fetches_carts_from_threads() {
    let server = EmbeddedServer::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let base = server.base_url();
    let ids: Vec<u64> = std::thread::scope(|s| {
        let handles: Vec<_> = (1..=8u64)
            .map(|id| {
                let url = format!("{base}/carts/{id}?delay=50");
                s.spawn(move || blocking::get(&url).unwrap().json::<Cart>().unwrap().id)
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(ids, (1..=8).collect::<Vec<_>>());
    let r = blocking::get(&format!("{base}/carts/0")).unwrap();
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
