//! A JSON body that is malformed, of the wrong shape or too large gets a
//! `400` (`413` past the server's body limit) in dummyjson's
//! `{"message": ...}` shape: never a panic, a hang or a dropped connection.

mod http_support;

use homemade::carts::routes::EmbeddedServer;
use http_support::{call, send_raw};

const SHAPE: &str = "products must be array of objects, containing product id and quantity";

#[test]
fn malformed_and_misshapen_bodies_get_400_with_a_message() {
    let server = EmbeddedServer::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = server.addr();
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let bodies: Vec<(&str, String, Option<&str>)> = vec![
        (
            "truncated",
            r#"{"userId":1,"products":[{"id":1"#.into(),
            None,
        ),
        ("not JSON", "userId=1&products=2".into(), None),
        ("trailing garbage", r#"{"userId":1} x"#.into(), None),
        ("a bare string", r#""hello""#.into(), None),
        ("nested 100,000 deep", deep, None),
        (
            "products not an array",
            r#"{"userId":1,"products":{"id":1}}"#.into(),
            Some(SHAPE),
        ),
        (
            "products null",
            r#"{"userId":1,"products":null}"#.into(),
            Some(SHAPE),
        ),
        (
            "a negative quantity",
            r#"{"userId":1,"products":[{"id":1,"quantity":-2}]}"#.into(),
            Some(SHAPE),
        ),
        (
            "a fractional quantity",
            r#"{"userId":1,"products":[{"id":1,"quantity":1.5}]}"#.into(),
            Some(SHAPE),
        ),
        (
            "a quantity that is no number",
            r#"{"userId":1,"products":[{"id":1,"quantity":"lots"}]}"#.into(),
            Some(SHAPE),
        ),
        (
            "a huge quantity",
            r#"{"userId":1,"products":[{"id":1,"quantity":1e300}]}"#.into(),
            Some(SHAPE),
        ),
    ];
    for (name, body, message) in &bodies {
        for (method, target) in [("POST", "/carts/add"), ("PUT", "/carts/1")] {
            if name.contains("no number") && method == "PUT" {
                // dummyjson's update reads it with `isNumber(q) ? +q : 1`.
                let answer = call(addr, method, target, Some(body));
                assert_eq!(answer.json()["products"][0]["quantity"], 1);
                continue;
            }
            let answer = call(addr, method, target, Some(body));
            assert_eq!(answer.status, 400, "{name}, {method}: {answer:?}");
            let got = answer.message();
            match message {
                Some(m) => assert_eq!(got, *m, "{name}, {method}"),
                None => assert!(
                    got.starts_with("Invalid JSON body: "),
                    "{name}, {method}: {got:?}"
                ),
            }
        }
    }
    // Bytes that are not UTF-8.
    let mut raw =
        b"POST /carts/add HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 4\r\n\r\n"
            .to_vec();
    raw.extend_from_slice(&[0xff, 0xfe, b'{', b'}']);
    let answer = send_raw(addr, &raw);
    assert_eq!(answer.status, 400);
    assert!(answer.message().starts_with("Invalid JSON body: "));
    // The server is unharmed.
    assert_eq!(call(addr, "GET", "/carts/1", None).status, 200);
    server.shutdown();
}

#[test]
fn a_body_over_the_limit_gets_413_and_the_server_stays_up() {
    let server = EmbeddedServer::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = server.addr();
    let line = r#"{"id":1,"quantity":1},"#;
    let body = format!(
        r#"{{"userId":1,"products":[{}{{"id":1}}]}}"#,
        line.repeat(2 * 1024 * 1024 / line.len())
    );
    let answer = call(addr, "POST", "/carts/add", Some(&body));
    assert_eq!(answer.status, 413);
    assert!(answer.message().contains("limit"), "{answer:?}");
    // Just under the limit, many lines of one product: priced once.
    let body = format!(
        r#"{{"userId":1,"products":[{}{{"id":1}}]}}"#,
        line.repeat(500_000 / line.len())
    );
    let answer = call(addr, "POST", "/carts/add", Some(&body));
    assert_eq!(answer.status, 201, "{}", answer.message());
    assert_eq!(answer.json()["totalProducts"], 1);
    assert_eq!(call(addr, "GET", "/carts/1", None).status, 200);
    server.shutdown();
}
