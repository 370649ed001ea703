//! `homemade fetch`: prints the body (and the head with `-i`), exits 0 for
//! any complete response whatever its status, non-zero with a one-line error
//! otherwise.

mod http_support;

use http_support::echo_server;
use std::process::{Command, Output};

fn fetch(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_homemade"))
        .arg("fetch")
        .args(args)
        .output()
        .expect("run homemade fetch")
}

#[test]
fn fetch_prints_bodies_and_reports_failures_in_one_line() {
    let server = echo_server();
    let base = server.base_url();

    let out = fetch(&[&format!("{base}/items/1")]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text,
        r#"{"body":"","method":"GET","path":"/items/1","query":null}"#
    );

    let out = fetch(&["-i", &format!("{base}/status/404")]);
    assert!(out.status.success(), "a 404 is a complete response");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("HTTP/1.1 404 Not Found\r\n"), "{text}");
    assert!(
        text.ends_with("\r\nContent-Length: 24\r\n\r\n{\"message\":\"status 404\"}"),
        "{text}"
    );

    let out = fetch(&["-X", "HEAD", "-i", &format!("{base}/items/1")]);
    assert!(out.status.success());
    assert!(String::from_utf8(out.stdout).unwrap().ends_with("\r\n\r\n"));

    let out = fetch(&["-d", "{}", &format!("{base}/items/1")]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(r#"{"body":"{}","method":"POST""#),
        "-d sends a POST with that body: {text}"
    );

    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    for (args, needle) in [
        (
            vec![format!("http://127.0.0.1:{port}/")],
            "refused".to_string(),
        ),
        (
            vec!["ftp://dummyjson.com/carts/1".into()],
            "unsupported URL scheme".into(),
        ),
        (vec!["dummyjson.com".into()], "invalid URL".into()),
        (
            vec!["-X".into(), "BAD METHOD".into(), format!("{base}/")],
            "not a valid method".into(),
        ),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = fetch(&args);
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with("homemade fetch: ") && err.contains(&needle),
            "{err}"
        );
        assert!(out.stdout.is_empty());
    }
}
