//! Host names that are not IP literals (nor `localhost`) are resolved on a
//! helper thread, and the result is used to connect. Uses this machine's own
//! host name when the system resolver maps it to a loopback address (from
//! /etc/hosts, no network); skipped with a printed reason otherwise.

mod http_support;

use homemade::event_loop::EventLoop;
use homemade::http::{Client, Error};
use http_support::{echo_server, echoed_path};
use std::net::ToSocketAddrs;
use std::time::Duration;

#[test]
fn a_host_name_resolves_on_a_helper_thread() {
    let Ok(name) = std::fs::read_to_string("/proc/sys/kernel/hostname") else {
        println!("skipped: no /proc/sys/kernel/hostname");
        return;
    };
    let name = name.trim().to_string();
    let loopback = (name.as_str(), 80)
        .to_socket_addrs()
        .map(|mut addrs| addrs.all(|a| a.ip().is_loopback()))
        .unwrap_or(false);
    if name.is_empty()
        || name.contains(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.'))
        || !loopback
    {
        println!("skipped: host name {name:?} does not resolve to loopback only");
        return;
    }
    let server = echo_server();
    let url = format!("http://{name}:{}/items/5", server.addr().port());
    let client = Client::builder()
        .request_timeout(Duration::from_secs(10))
        .build();
    let response = EventLoop::new()
        .unwrap()
        .block_on(client.get(&url))
        .expect("the name resolved and the request completed");
    assert_eq!(response.status, 200);
    assert_eq!(echoed_path(&response.body), "/items/5");
    assert_eq!(server.stats().connections_accepted(), 1);

    // A name the resolver cannot answer is a clear error naming the host.
    let err = EventLoop::new()
        .unwrap()
        .block_on(client.get("http://no-such-host.invalid/"))
        .unwrap_err();
    match err {
        Error::Resolve { .. } => assert!(err.to_string().contains("no-such-host.invalid"), "{err}"),
        // A resolver that forwards `.invalid` to an unreachable DNS server is slow, not wrong.
        Error::Timeout { .. } => println!("note: the resolver timed out instead of refusing"),
        other => panic!("unexpected {other:?}"),
    }
}
