//! The dummyjson-compatible routes: carts, paging, 404s, `?delay=` checks.

use homemade::carts::routes::EmbeddedServer;
use homemade::carts::{Cart, CartStore};
use homemade::event_loop::EventLoop;
use homemade::http::Client;

#[test]
fn the_routes_answer_like_dummyjson() {
    let server = EmbeddedServer::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let base = server.base_url();
    assert!(base.starts_with("http://127.0.0.1:"));
    let client = Client::new();
    EventLoop::new().unwrap().block_on(async {
        let r = client.get(&format!("{base}/carts/1")).await.unwrap();
        assert_eq!(r.status, 200);
        assert!(r
            .headers
            .get("content-type")
            .unwrap()
            .starts_with("application/json"));
        assert_eq!(
            &r.json::<Cart>().unwrap(),
            CartStore::embedded().get(1).unwrap()
        );

        let r = client.get(&format!("{base}/carts/999")).await.unwrap();
        assert_eq!(r.status, 404);
        assert_eq!(
            r.text().unwrap(),
            r#"{"message":"Cart with id '999' not found"}"#
        );
        let r = client.get(&format!("{base}/carts/01")).await.unwrap();
        assert_eq!(
            r.text().unwrap(),
            r#"{"message":"Cart with id '01' not found"}"#
        );

        let r = client
            .get(&format!("{base}/carts?limit=2&skip=5"))
            .await
            .unwrap();
        let page: serde_json::Value = r.json().unwrap();
        assert_eq!(page["total"], 208);
        assert_eq!(page["skip"], 5);
        assert_eq!(page["limit"], 2);
        assert_eq!(page["carts"][0]["id"], 6);
        assert!(r.text().unwrap().starts_with(r#"{"carts":[{"id":6,"#));
        let r = client.get(&format!("{base}/carts")).await.unwrap();
        assert_eq!(r.json::<serde_json::Value>().unwrap()["limit"], 30);
        let r = client
            .get(&format!("{base}/carts?limit=0&skip=200"))
            .await
            .unwrap();
        assert_eq!(r.json::<serde_json::Value>().unwrap()["limit"], 8);
        let r = client.get(&format!("{base}/carts?limit=x")).await.unwrap();
        assert_eq!(
            (r.status, r.text().unwrap()),
            (
                400,
                r#"{"message":"Invalid 'limit' - should be a positive number"}"#
            )
        );

        for (delay, message) in [
            ("abc", "Delay should be a positive number in milliseconds"),
            ("-5", "Delay should be a positive number in milliseconds"),
            (
                "5001",
                "Delay should be less than 5 seconds (5000 milliseconds)",
            ),
        ] {
            let r = client
                .get(&format!("{base}/carts/1?delay={delay}"))
                .await
                .unwrap();
            assert_eq!(r.status, 400, "delay={delay}");
            assert_eq!(r.text().unwrap(), format!(r#"{{"message":"{message}"}}"#));
        }
        let r = client
            .get(&format!("{base}/carts/2?delay=10"))
            .await
            .unwrap();
        assert_eq!(r.json::<Cart>().unwrap().id, 2);
        let r = client
            .get(&format!("{base}/carts/2?delay=0"))
            .await
            .unwrap();
        assert_eq!(r.status, 200);

        let r = client.head(&format!("{base}/carts/1")).await.unwrap();
        assert_eq!(r.status, 200);
        assert!(r.body.is_empty());
        assert!(
            r.headers
                .get("content-length")
                .unwrap()
                .parse::<usize>()
                .unwrap()
                > 100
        );

        let r = client.post(&format!("{base}/carts/1"), "{}").await.unwrap();
        assert_eq!(
            r.status, 404,
            "POST is not a route on /carts/1, as on dummyjson"
        );
        let r = client.get(&format!("{base}/nope")).await.unwrap();
        assert_eq!(r.status, 404);
    });
    server.shutdown();
}

#[test]
fn a_busy_port_is_a_clear_error() {
    let server = EmbeddedServer::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let err = EmbeddedServer::start(server.addr()).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
}
