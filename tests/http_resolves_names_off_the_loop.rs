//! Host names that are not IP literals (nor `localhost`) are resolved on a
//! helper thread, so the loop keeps running while the resolver works. The
//! resolver is held at a test gate (`http::test_hooks`): another task on the
//! same loop must keep ticking while the request waits for its name, and it
//! is that task that opens the gate. Resolved on the loop itself, the loop
//! would stop at the gate, the ticks would stop, and the test fails.
//!
//! The name is one that this machine's resolver maps to loopback without
//! the network (its host name, or the `/etc/hosts` aliases of Debian); none
//! of them is a failure with what to add, unless HOMEMADE_ALLOW_NO_LOOPBACK_NAME=1.

mod http_support;

use homemade::event_loop::{sleep, spawn, EventLoop};
use homemade::http::server::ServerConfig;
use homemade::http::test_hooks::{hold_resolution, resolutions_held};
use homemade::http::{Client, Error};
use http_support::{echo_server_on, echoed_path};
use std::cell::{Cell, RefCell};
use std::net::{SocketAddr, ToSocketAddrs};
use std::rc::Rc;
use std::time::Duration;

/// Ticks the other task counts, with the resolver held, before it opens
/// the gate.
const TICKS: usize = 20;
/// The ticker gives up waiting for the resolver to reach the gate after
/// this many ticks (a few seconds), and the test then fails.
const MAX_TICKS: usize = 5_000;

/// A name (not an IP literal, not `localhost`) and the loopback address it
/// resolves to, from the system resolver.
fn loopback_name() -> Option<(String, SocketAddr)> {
    let own = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let candidates = [
        own.trim(),
        "localhost.localdomain",
        "ip6-localhost",
        "ip6-loopback",
    ];
    let found = candidates.into_iter().find_map(|name| {
        let plain = !name.is_empty()
            && name.contains(|c: char| c.is_ascii_alphabetic())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        let addrs: Vec<SocketAddr> = (name, 0).to_socket_addrs().ok()?.collect();
        let first = *addrs.first()?;
        (plain && addrs.iter().all(|a| a.ip().is_loopback())).then(|| (name.to_string(), first))
    });
    found
}

#[test]
fn the_loop_keeps_running_while_a_name_resolves() {
    // Bound the system resolver for the unknown name below (read by glibc
    // when a thread first resolves; set before this test starts any thread).
    std::env::set_var("RES_OPTIONS", "timeout:1 attempts:1");
    let Some((name, addr)) = loopback_name() else {
        let why = "no name but `localhost` resolves to loopback only here";
        if std::env::var_os("HOMEMADE_ALLOW_NO_LOOPBACK_NAME").is_some_and(|v| v == "1") {
            println!("skipped: {why} (HOMEMADE_ALLOW_NO_LOOPBACK_NAME=1)");
            return;
        }
        panic!("{why}: add `127.0.0.1 localhost.localdomain` to /etc/hosts, or set HOMEMADE_ALLOW_NO_LOOPBACK_NAME=1 to skip");
    };
    let server = echo_server_on(SocketAddr::new(addr.ip(), 0), ServerConfig::default()).unwrap();
    let url = format!("http://{name}:{}/items/5", server.addr().port());
    let client = Client::builder()
        .request_timeout(Duration::from_secs(10))
        .build();

    // What happened, in order: ticks, the gate opening, the response.
    let log: Rc<RefCell<Vec<&'static str>>> = Rc::default();
    let done = Rc::new(Cell::new(false));
    hold_resolution(true);
    let response = EventLoop::new().unwrap().block_on({
        let (log, done, client, url) = (Rc::clone(&log), Rc::clone(&done), &client, &url);
        async move {
            let ticker = spawn({
                let (log, done) = (Rc::clone(&log), Rc::clone(&done));
                async move {
                    // Tick until the resolver waits at the gate (its thread
                    // may start late on a busy machine) and TICKS more.
                    let mut ticks_held = 0;
                    for _ in 0..MAX_TICKS {
                        if done.get() || ticks_held == TICKS {
                            break;
                        }
                        sleep(Duration::from_millis(1)).await;
                        if resolutions_held().0 == 1 {
                            ticks_held += 1;
                        }
                        log.borrow_mut().push("tick");
                    }
                    log.borrow_mut().push("open");
                    hold_resolution(false);
                }
            });
            let response = client.get(url).await;
            log.borrow_mut().push("response");
            done.set(true);
            ticker.await.unwrap();
            response
        }
    });
    hold_resolution(false);
    let response = response.expect("the name resolved and the request completed");
    assert_eq!(response.status, 200);
    assert_eq!(echoed_path(&response.body), "/items/5");
    assert_eq!(server.stats().connections_accepted(), 1);
    assert_eq!(
        resolutions_held(),
        (1, 0),
        "one resolution held, none gave up"
    );
    // Ticks, at least TICKS of them, then the ticker opened the gate, and
    // only then did the response come.
    let log = log.borrow();
    let ticks = log.iter().take_while(|&&e| e == "tick").count();
    assert!(
        ticks >= TICKS,
        "the ticker ran while the name resolved: {ticks} ticks, then {:?}",
        &log[ticks..]
    );
    assert_eq!(log[ticks..], ["open", "response"], "after {ticks} ticks");

    // A name the resolver cannot answer is a clear error naming the host
    // (a timeout instead would be a failure: the resolver is bounded above).
    let err = EventLoop::new()
        .unwrap()
        .block_on(client.get("http://no-such-host.invalid/"))
        .unwrap_err();
    assert!(matches!(err, Error::Resolve { .. }), "{err:?}");
    assert!(err.to_string().contains("no-such-host.invalid"), "{err}");
}
