//! dummyjson's simulated cart writes: `POST /carts/add`, `PUT`/`PATCH
//! /carts/{id}` (with and without `merge`) and `DELETE /carts/{id}` answer
//! the cart the write would make, with its totals recomputed from the
//! products sent, and store nothing.

mod http_support;

use homemade::carts::routes::EmbeddedServer;
use homemade::carts::{cents, Cart, CartStore};
use http_support::call;
use serde_json::json;

/// Checks a cart's totals against its own lines.
fn assert_totals_add_up(cart: &Cart) {
    let total: i64 = cart.products.iter().map(|p| cents(p.total)).sum();
    let discounted: i64 = cart
        .products
        .iter()
        .map(|p| cents(p.discounted_total))
        .sum();
    assert_eq!(cents(cart.total), total);
    assert_eq!(cents(cart.discounted_total), discounted);
    assert_eq!(cart.total_products, cart.products.len() as u64);
    assert_eq!(
        cart.total_quantity,
        cart.products.iter().map(|p| p.quantity).sum::<u64>()
    );
}

#[test]
fn add_prices_the_products_sent_and_stores_nothing() {
    let server = EmbeddedServer::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = server.addr();
    let body = json!({"userId": 5, "products": [{"id": 144, "quantity": 4}, {"id": 98, "quantity": 1}, {"id": 99999}]});
    let answer = call(addr, "POST", "/carts/add", Some(&body.to_string()));
    assert_eq!(answer.status, 201, "{answer:?}");
    let cart: Cart = serde_json::from_str(&answer.body).unwrap();
    assert_eq!((cart.id, cart.user_id), (209, 5));
    // The unknown product 99999 is left out; 144 is the Cricket Helmet at 44.99.
    assert_eq!(
        cart.products.iter().map(|p| p.id).collect::<Vec<_>>(),
        [144, 98]
    );
    let helmet = &cart.products[0];
    assert_eq!(
        (helmet.title.as_str(), helmet.price, helmet.quantity),
        ("Cricket Helmet", 44.99, 4)
    );
    assert_eq!(cents(helmet.total), 17996);
    let off = CartStore::embedded()
        .product(144)
        .unwrap()
        .discount_percentage;
    let expected = (179.96 * (100.0 - off)).round() as i64; // in cents
    assert_eq!(cents(helmet.discounted_total), expected);
    assert_eq!(helmet.discount_percentage, off);
    assert_totals_add_up(&cart);
    // A quantity left out (or 0) counts as 1, as `p.quantity || 1` does.
    let one = call(
        addr,
        "POST",
        "/carts/add",
        Some(r#"{"userId":"1","products":[{"id":"144","quantity":0}]}"#),
    );
    assert_eq!(one.status, 201);
    assert_eq!(one.json()["products"][0]["quantity"], 1);
    assert_eq!(one.json()["userId"], 1);
    // Nothing was stored: there are still 208 carts.
    assert_eq!(
        call(addr, "GET", "/carts?limit=1", None).json()["total"],
        208
    );
    assert_eq!(call(addr, "GET", "/carts/209", None).status, 404);
    server.shutdown();
}

#[test]
fn update_replaces_or_merges_the_lines_and_recomputes_the_totals() {
    let server = EmbeddedServer::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = server.addr();
    let original = CartStore::embedded().get(1).unwrap();
    let kept = original.products[0].id;
    let new_id = (1..200)
        .find(|id| {
            CartStore::embedded().product(*id).is_some()
                && original.products.iter().all(|p| p.id != *id)
        })
        .unwrap();
    let lines = json!([{"id": kept, "quantity": 10}, {"id": new_id, "quantity": 2}]);
    for method in ["PUT", "PATCH"] {
        // Without merge: exactly the lines sent.
        let body = json!({"products": lines}).to_string();
        let answer = call(addr, method, "/carts/1", Some(&body));
        assert_eq!(answer.status, 200, "{method}: {answer:?}");
        let cart: Cart = serde_json::from_str(&answer.body).unwrap();
        assert_eq!((cart.id, cart.user_id), (1, original.user_id));
        assert_eq!(
            cart.products
                .iter()
                .map(|p| (p.id, p.quantity))
                .collect::<Vec<_>>(),
            [(kept, 10), (new_id, 2)]
        );
        assert_totals_add_up(&cart);

        // With merge: the cart's lines first (the one sent again replaced in
        // place), then the new one.
        let body = json!({"merge": true, "userId": 7, "products": lines}).to_string();
        let cart: Cart =
            serde_json::from_str(&call(addr, method, "/carts/1", Some(&body)).body).unwrap();
        assert_eq!(cart.user_id, 7);
        let mut expected: Vec<(u64, u64)> = original
            .products
            .iter()
            .map(|p| (p.id, p.quantity))
            .collect();
        expected[0].1 = 10;
        expected.push((new_id, 2));
        assert_eq!(
            cart.products
                .iter()
                .map(|p| (p.id, p.quantity))
                .collect::<Vec<_>>(),
            expected
        );
        assert_totals_add_up(&cart);
        assert_eq!(cart.total_products, original.total_products + 1);
        assert_eq!(
            cart.total_quantity,
            original.total_quantity - original.products[0].quantity + 10 + 2
        );
    }
    // Merge with nothing sent gives the cart back, totals and all.
    let cart: Cart =
        serde_json::from_str(&call(addr, "PUT", "/carts/1", Some(r#"{"merge":true}"#)).body)
            .unwrap();
    assert_eq!(&cart, original);
    // And the stored cart did not change.
    let stored: Cart = serde_json::from_str(&call(addr, "GET", "/carts/1", None).body).unwrap();
    assert_eq!(&stored, original);
    server.shutdown();
}

#[test]
fn delete_marks_the_cart_deleted_without_deleting_it() {
    let server = EmbeddedServer::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = server.addr();
    let answer = call(addr, "DELETE", "/carts/3", None);
    assert_eq!(answer.status, 200);
    let body = answer.json();
    assert_eq!(body["isDeleted"], true);
    let on = body["deletedOn"].as_str().unwrap();
    assert!(
        on.len() == 24 && on.ends_with('Z') && on.as_bytes()[10] == b'T',
        "{on}"
    );
    let cart: Cart = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(&cart, CartStore::embedded().get(3).unwrap());
    assert_eq!(call(addr, "GET", "/carts/3", None).status, 200);
    server.shutdown();
}

#[test]
fn unknown_carts_and_users_get_dummyjsons_messages() {
    let server = EmbeddedServer::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = server.addr();
    let lines = r#""products":[{"id":1,"quantity":1}]"#;
    for (method, target, body, status, message) in [
        (
            "PUT",
            "/carts/999",
            "{}".to_string(),
            404,
            "Cart with id '999' not found".to_string(),
        ),
        (
            "PATCH",
            "/carts/01",
            "{}".to_string(),
            404,
            "Cart with id '01' not found".to_string(),
        ),
        (
            "DELETE",
            "/carts/abc",
            String::new(),
            404,
            "Cart with id 'abc' not found".to_string(),
        ),
        (
            "POST",
            "/carts/add",
            format!("{{{lines}}}"),
            400,
            "User id is required".to_string(),
        ),
        (
            "POST",
            "/carts/add",
            format!("{{\"userId\":0,{lines}}}"),
            400,
            "User id is required".to_string(),
        ),
        (
            "POST",
            "/carts/add",
            format!("{{\"userId\":\"x\",{lines}}}"),
            400,
            "Invalid user id 'x'".to_string(),
        ),
        (
            "POST",
            "/carts/add",
            format!("{{\"userId\":999,{lines}}}"),
            404,
            "User with id '999' not found".to_string(),
        ),
        (
            "PUT",
            "/carts/1",
            r#"{"userId":999}"#.to_string(),
            404,
            "User with id '999' not found".to_string(),
        ),
        (
            "POST",
            "/carts/add",
            r#"{"userId":1,"products":[]}"#.to_string(),
            400,
            "products can not be empty".to_string(),
        ),
        (
            "POST",
            "/carts/add",
            r#"{"userId":1}"#.to_string(),
            400,
            "products can not be empty".to_string(),
        ),
    ] {
        let body = (!body.is_empty()).then_some(body.as_str());
        let answer = call(addr, method, target, body);
        assert_eq!(
            (answer.status, answer.message()),
            (status, message),
            "{method} {target} {body:?}"
        );
    }
    server.shutdown();
}
