//! The simulated writes of dummyjson's cart API: `POST /carts/add`,
//! `PUT`/`PATCH /carts/{id}` and `DELETE /carts/{id}`.
//!
//! As on dummyjson, nothing is stored: the answer is the cart the write
//! would produce, priced from the product table (`CartStore::product`), and
//! the next `GET` still returns the original data.
//!
//! | request | answer |
//! |---|---|
//! | `POST /carts/add` `{"userId":1,"products":[{"id":144,"quantity":2}]}` | `201` and the new cart, id 209 (one past the data) |
//! | `PUT`/`PATCH /carts/{id}` `{"products":[...],"merge":true}` | `200` and the cart with those lines; with `merge`, the cart's own lines first, a line sent for a product already there replacing it |
//! | `DELETE /carts/{id}` | `200`, the cart plus `"isDeleted":true,"deletedOn":"<ISO time>"` |
//!
//! ## Refusals (dummyjson's messages)
//!
//! * no usable `userId` (for add): `400` `User id is required`; not a
//!   number: `400` `Invalid user id '...'`; no such user: `404`
//!   `User with id '...' not found`;
//! * `products` not an array, or a line whose quantity is not a whole number
//!   `>= 0`: `400` `products must be array of objects, containing product
//!   id and quantity`; an empty array (for add): `400` `products can not be
//!   empty`;
//! * an unknown cart: `404` `Cart with id '...' not found`;
//! * a body that is not JSON: `400` `Invalid JSON body: ...`.
//!
//! A line for a product id that is not in the table is left out, as
//! dummyjson leaves out ids missing from its catalogue. Read DESIGN.md §4.3
//! for what differs from dummyjson.
//!
//! Read next: `js.rs`, the JavaScript rules for reading the fields.

use super::js;
use crate::carts::model::{Cart, CartStore, Product};
use crate::http::server::ServerResponse;
use crate::http::IncomingRequest;
use serde_json::{Map, Value};

/// dummyjson's answer to a `products` field of the wrong shape.
const BAD_PRODUCTS: &str = "products must be array of objects, containing product id and quantity";

/// `POST /carts/add`: the cart these products would make, answered `201`.
pub(super) fn add(request: &IncomingRequest) -> ServerResponse {
    let store = CartStore::embedded();
    let answer = body_object(request).and_then(|body| {
        let user_id = verify_user_value(body.get("userId"))?;
        let lines = match body.get("products") {
            None => Vec::new(),
            Some(Value::Array(lines)) => lines.clone(),
            Some(_) => return Err(bad(BAD_PRODUCTS)),
        };
        if lines.is_empty() {
            return Err(bad("products can not be empty"));
        }
        let mut products: Vec<Product> = Vec::new();
        for line in &lines {
            // dummyjson: id `+(p.id || 0)`, quantity `+(p.quantity || 1)`.
            let id = field(line, "id").filter(|v| js::truthy(Some(v)));
            let id = id.map_or(0.0, js::to_number);
            let quantity = field(line, "quantity").filter(|v| js::truthy(Some(v)));
            let quantity = whole(quantity.map_or(1.0, js::to_number))?;
            if let Some(product) = product(id) {
                if !products.iter().any(|p| p.id == product.id) {
                    products.push(product.with_quantity(quantity));
                }
            }
        }
        let id = store.len() as u64 + 1;
        Ok(Cart::from_products(id, user_id, products))
    });
    respond(201, answer)
}

/// `PUT` or `PATCH /carts/{id}`: the cart with the lines sent (and, with
/// `merge`, its own lines first).
pub(super) fn update(request: &IncomingRequest, id: &str) -> ServerResponse {
    let answer = find_cart(id).and_then(|cart| {
        let body = body_object(request)?;
        let user = body.get("userId").filter(|v| js::truthy(Some(v)));
        let user_id = match user {
            Some(value) => verify_user_value(Some(value))?,
            None => cart.user_id,
        };
        let sent = match body.get("products") {
            None => Vec::new(),
            Some(Value::Array(lines)) => lines.clone(),
            Some(_) => return Err(bad(BAD_PRODUCTS)),
        };
        // Lines keyed by product id, in first-seen order (a JavaScript Map).
        let mut lines: Vec<Product> = Vec::new();
        let mut put = |product: Product| match lines.iter_mut().find(|p| p.id == product.id) {
            Some(slot) => *slot = product,
            None => lines.push(product),
        };
        if js::truthy(body.get("merge")) {
            for own in &cart.products {
                put(own.clone());
            }
        }
        for line in &sent {
            let Some(found) = field(line, "id").and_then(|v| product(js::to_number(v))) else {
                continue; // not in the product table: left out
            };
            // dummyjson: `isNumber(p.quantity) ? +p.quantity : 1`.
            let quantity = field(line, "quantity").map_or(f64::NAN, js::to_number);
            let quantity = if quantity.is_nan() {
                1
            } else {
                whole(quantity)?
            };
            put(found.with_quantity(quantity));
        }
        Ok(Cart::from_products(cart.id, user_id, lines))
    });
    respond(200, answer)
}

/// `DELETE /carts/{id}`: the cart, marked deleted now.
pub(super) fn delete(id: &str) -> ServerResponse {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Deleted<'a> {
        #[serde(flatten)]
        cart: &'a Cart,
        is_deleted: bool,
        deleted_on: String,
    }
    match find_cart(id) {
        Ok(cart) => {
            let deleted = Deleted {
                cart,
                is_deleted: true,
                deleted_on: iso_now(),
            };
            json(200, &deleted)
        }
        Err(response) => response,
    }
}

/// dummyjson's user check on a user id given as text (a path segment):
/// required, a number, and one of the users.
pub(super) fn verify_user(id: &str) -> Result<u64, ServerResponse> {
    if id.is_empty() {
        return Err(bad("User id is required"));
    }
    if js::number(id).is_nan() {
        return Err(bad(&format!("Invalid user id '{id}'")));
    }
    // Compared as text, as dummyjson does: "05" is not user 5.
    id.parse::<u64>()
        .ok()
        .filter(|n| n.to_string() == id && CartStore::embedded().has_user(*n))
        .ok_or_else(|| ServerResponse::message(404, &format!("User with id '{id}' not found")))
}

/// The same check on a body's `userId` (`(id || '').toString()` first).
fn verify_user_value(value: Option<&Value>) -> Result<u64, ServerResponse> {
    match value.filter(|v| js::truthy(Some(v))) {
        Some(v) => verify_user(&js::to_string(v)),
        None => verify_user(""),
    }
}

/// The cart with this id, compared as text like `GET /carts/{id}`.
pub(super) fn find_cart(id: &str) -> Result<&'static Cart, ServerResponse> {
    id.parse::<u64>()
        .ok()
        .filter(|n| n.to_string() == id)
        .and_then(|n| CartStore::embedded().get(n))
        .ok_or_else(|| ServerResponse::message(404, &format!("Cart with id '{id}' not found")))
}

/// The body as a JSON object. An empty body is `{}` (as Express gives a
/// route), an array has no named fields, anything else that is not an
/// object, or not JSON, is a `400`.
fn body_object(request: &IncomingRequest) -> Result<Map<String, Value>, ServerResponse> {
    if request.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(&request.body) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(Value::Array(_)) => Ok(Map::new()),
        Ok(other) => Err(bad(&format!(
            "Invalid JSON body: expected an object, found {}",
            js::to_string(&other)
        ))),
        Err(e) => Err(bad(&format!("Invalid JSON body: {e}"))),
    }
}

/// A field of a line, if the line is an object.
fn field<'a>(line: &'a Value, name: &str) -> Option<&'a Value> {
    line.as_object()?.get(name)
}

/// The product with this id (as a JavaScript number) in the product table.
fn product(id: f64) -> Option<&'static Product> {
    let whole = id.is_finite() && id >= 1.0 && id.fract() == 0.0 && id <= u64::MAX as f64;
    whole
        .then(|| CartStore::embedded().product(id as u64))
        .flatten()
}

/// A quantity: a whole number `>= 0` (and at most a billion, so that totals
/// stay exact in cents), else dummyjson's shape error.
fn whole(quantity: f64) -> Result<u64, ServerResponse> {
    let ok = quantity.is_finite() && quantity >= 0.0 && quantity.fract() == 0.0 && quantity <= 1e9;
    ok.then_some(quantity as u64)
        .ok_or_else(|| bad(BAD_PRODUCTS))
}

/// A `400` with this message.
fn bad(message: &str) -> ServerResponse {
    ServerResponse::message(400, message)
}

/// The answer for a computed cart or a refusal.
fn respond(status: u16, answer: Result<Cart, ServerResponse>) -> ServerResponse {
    match answer {
        Ok(cart) => json(status, &cart),
        Err(response) => response,
    }
}

/// A JSON answer of a serializable value.
fn json(status: u16, value: &impl serde::Serialize) -> ServerResponse {
    match serde_json::to_vec(value) {
        Ok(body) => ServerResponse::json(status, body),
        Err(e) => ServerResponse::message(500, &format!("could not render the answer: {e}")),
    }
}

/// The current time as JavaScript's `new Date().toISOString()` writes it,
/// e.g. `2024-05-01T12:34:56.789Z` (UTC, milliseconds).
fn iso_now() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        now.subsec_millis()
    )
}

/// The calendar date `days` after 1970-01-01 (the proleptic Gregorian
/// calendar, counted in 400-year eras of 146,097 days).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468; // days since 0000-03-01
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // day of the era, 0..146096
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // year of the era
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of the year from March 1st
    let mp = (5 * doy + 2) / 153; // month from March, 0..11
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = 400 * era + yoe + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::civil_from_days;

    #[test]
    fn days_become_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_423), (2025, 12, 1));
    }
}
