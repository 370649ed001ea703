//! How the cart lists read their parameters, as dummyjson does:
//! `GET /carts/user/{userId}`, `?limit=&skip=` read the JavaScript way,
//! `?select=`, and `/carts/` redirected to `/carts`.

mod http_support;

use homemade::carts::routes::EmbeddedServer;
use homemade::carts::CartStore;
use http_support::call;

#[test]
fn the_carts_of_one_user() {
    let server = EmbeddedServer::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = server.addr();
    let store = CartStore::embedded();
    let user = store.get(1).unwrap().user_id;
    let theirs: Vec<u64> = store.carts_of_user(user).map(|c| c.id).collect();
    let answer = call(addr, "GET", &format!("/carts/user/{user}"), None);
    assert_eq!(answer.status, 200);
    let body = answer.json();
    let ids: Vec<u64> = body["carts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, theirs);
    assert_eq!(body["total"], theirs.len());
    assert_eq!(
        (body["skip"].as_u64(), body["limit"].as_u64()),
        (Some(0), Some(theirs.len() as u64))
    );
    for (target, status, message) in [
        ("/carts/user/999", 404, "User with id '999' not found"),
        ("/carts/user/abc", 400, "Invalid user id 'abc'"),
        ("/carts/user/05", 404, "User with id '05' not found"),
    ] {
        let answer = call(addr, "GET", target, None);
        assert_eq!(
            (answer.status, answer.message().as_str()),
            (status, message),
            "{target}"
        );
    }
    server.shutdown();
}

#[test]
fn limit_and_skip_are_read_the_javascript_way() {
    let server = EmbeddedServer::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = server.addr();
    let page = |query: &str| {
        let body = call(addr, "GET", &format!("/carts?{query}"), None).json();
        let first = body["carts"][0]["id"].as_u64();
        (body["limit"].as_u64().unwrap(), body["skip"].clone(), first)
    };
    assert_eq!(page("limit=2.9&skip=3"), (2, 3.into(), Some(4))); // parseInt
    assert_eq!(page("limit=1e3"), (1, 0.into(), Some(1))); // Number() says yes, parseInt says 1
    assert_eq!(page("limit=0&skip=200"), (8, 200.into(), Some(201))); // 0 means all
    assert_eq!(page("limit=500"), (208, 0.into(), Some(1)));
    assert_eq!(page("limit="), (0, 0.into(), None)); // NaN: no cart
    assert_eq!(page("skip=").1, serde_json::Value::Null); // NaN skip: none skipped, null
    for (query, message) in [
        ("limit=-1", "Invalid 'limit' - should be a positive number"),
        ("limit=ten", "Invalid 'limit' - should be a positive number"),
        ("skip=-3", "Invalid 'skip' - should be a positive number"),
    ] {
        let answer = call(addr, "GET", &format!("/carts?{query}"), None);
        assert_eq!(
            (answer.status, answer.message().as_str()),
            (400, message),
            "{query}"
        );
    }
    // Checked on every route, before the delay.
    let answer = call(addr, "GET", "/carts/1?limit=x&delay=4000", None);
    assert_eq!(answer.status, 400);
    server.shutdown();
}

#[test]
fn select_keeps_the_id_and_the_fields_named() {
    let server = EmbeddedServer::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = server.addr();
    let answer = call(addr, "GET", "/carts?limit=2&select=userId,total,nope", None);
    assert!(
        answer.body.starts_with(r#"{"carts":[{"id":1,"userId":"#),
        "{}",
        answer.body
    );
    let cart = &answer.json()["carts"][1];
    let keys: Vec<&String> = cart.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 3);
    assert_eq!(
        cart["total"].as_f64(),
        Some(CartStore::embedded().get(2).unwrap().total)
    );
    let one = call(addr, "GET", "/carts/2?select=totalQuantity", None);
    assert_eq!(
        one.body,
        format!(
            r#"{{"id":2,"totalQuantity":{}}}"#,
            CartStore::embedded().get(2).unwrap().total_quantity
        )
    );
    server.shutdown();
}

#[test]
fn a_trailing_slash_is_redirected() {
    let server = EmbeddedServer::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = server.addr();
    for (target, location) in [
        ("/carts/", "/carts"),
        ("/carts/?limit=2", "/carts?limit=2"),
        ("/carts/1/", "/carts/1"),
        ("//carts//user//5/", "/carts/user/5"),
    ] {
        let answer = call(addr, "GET", target, None);
        assert_eq!(answer.status, 301, "{target}");
        assert_eq!(answer.header("location"), Some(location), "{target}");
    }
    server.shutdown();
}
