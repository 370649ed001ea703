//! The dummyjson-compatible cart API, served by our HTTP server, and
//! [`EmbeddedServer`], which runs it on its own thread for tests, benchmarks
//! and `homemade carts`.
//!
//! ## The routes (what `https://dummyjson.com` answers, on this machine)
//!
//! | request | answer |
//! |---|---|
//! | `GET /carts/{id}` | `200` and the cart's JSON; `404` `{"message":"Cart with id '{id}' not found"}` |
//! | `GET /carts?limit=&skip=` | `200` `{"carts":[...],"total":208,"skip":S,"limit":L}` (`limit` defaults to 30, `0` means all; the envelope's `limit` is the number of carts returned) |
//! | `GET /carts/user/{userId}` | the same envelope over that user's carts; `404` `User with id '...' not found`, `400` `Invalid user id '...'` |
//! | `POST /carts/add`, `PUT`/`PATCH`/`DELETE /carts/{id}` | simulated writes, computed and not stored (`routes/writes.rs`) |
//! | `?select=a,b` on a cart or a list | each cart reduced to `id`, `a` and `b`, in that order |
//! | `?delay=ms` on any route | waits that long first, `0..=5000`; otherwise `400` with dummyjson's message |
//! | a path ending in `/` (`/carts/`) | `301` to the path without it, query kept |
//! | other paths and methods | `404` `{"message":"Route '...' not found"}` |
//!
//! The messages are dummyjson's own: `Delay should be a positive number in
//! milliseconds`, `Delay should be less than 5 seconds (5000 milliseconds)`,
//! `Invalid 'limit' - should be a positive number` (and the same for `skip`).
//! As there, the parameters are checked (on every route) before the delay,
//! so a bad request is refused at once, and they are read the JavaScript
//! way (`routes/js.rs`): `?limit=2.9` is 2, `?limit=1e3` is 1, `?limit=` is
//! "not a number" and returns no cart.
//!
//! ## The delay is a timer, not a sleeping thread
//!
//! `?delay=` awaits `event_loop::sleep`: the handler's task parks on the
//! loop's timer wheel and the thread goes on serving other connections. A
//! thousand requests with `?delay=1000` take about one second, not a
//! thousand (`tests/http_cart_delays_wait_together.rs` checks they all
//! complete).
//!
//! ## Speed
//!
//! Each cart's JSON is rendered once, on first use, and shared; a request
//! without a query costs parsing, a lookup and a copy into the socket.
//!
//! Read next: `strategies.rs`, which fetches these carts in eight ways.

mod js;
mod writes;

use super::model::{Cart, CartStore};
use crate::event_loop::sleep;
use crate::http::server::{ServerConfig, ServerResponse, ServerStats, ServerThread};
use crate::http::tls::ServerTls;
use crate::http::IncomingRequest;
use std::io;
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

/// The longest `?delay=` accepted, in milliseconds (dummyjson's limit).
pub const MAX_DELAY_MS: u64 = 5000;

/// Answers one request of the cart API (a handler for [`Server::serve`](crate::http::Server::serve)).
pub async fn handle(request: IncomingRequest) -> ServerResponse {
    if let Some(redirect) = without_trailing_slash(&request) {
        return redirect;
    }
    let params = match Params::read(&request) {
        Ok(params) => params,
        Err(response) => return response, // parameter errors are answered at once
    };
    let response = route(&request, &params);
    if let Some(delay) = params.delay {
        sleep(delay).await;
    }
    response
}

/// dummyjson's first step: `/carts/` (or `//carts//`) is a `301` to
/// `/carts`, with the query kept.
fn without_trailing_slash(request: &IncomingRequest) -> Option<ServerResponse> {
    let path = request.path();
    if path.len() <= 1 || !path.ends_with('/') {
        return None;
    }
    let mut location = String::with_capacity(request.target.len());
    for c in path[..path.len() - 1].chars() {
        if !(c == '/' && location.ends_with('/')) {
            location.push(c);
        }
    }
    location.push_str(&request.target[path.len()..]);
    let mut response = ServerResponse::new(301);
    response
        .headers
        .append("Content-Type", "text/plain; charset=utf-8");
    response.body = format!("Moved Permanently. Redirecting to {location}").into_bytes();
    response.headers.append("Location", location);
    Some(response)
}

/// The query parameters every route reads, as dummyjson reads them.
struct Params {
    /// `parseInt(limit)`; `None` is JavaScript's `NaN`.
    limit: Option<f64>,
    /// `parseInt(skip)`; `None` is `NaN`.
    skip: Option<f64>,
    /// `id` and the fields named by `?select=a,b`.
    select: Option<Vec<String>>,
    delay: Option<Duration>,
}

impl Params {
    /// Reads and checks `limit`, `skip`, `select` and `delay`, in dummyjson's order.
    fn read(request: &IncomingRequest) -> Result<Params, ServerResponse> {
        let mut params = Params {
            limit: Some(30.0),
            skip: Some(0.0),
            select: None,
            delay: None,
        };
        if !request.target.contains('?') {
            return Ok(params); // the usual case: nothing to read
        }
        for (name, slot) in [("limit", &mut params.limit), ("skip", &mut params.skip)] {
            if let Some(value) = request.query(name) {
                let n = js::number(value);
                if n.is_nan() || n < 0.0 {
                    return Err(ServerResponse::message(
                        400,
                        &format!("Invalid '{name}' - should be a positive number"),
                    ));
                }
                *slot = js::parse_int(value);
            }
        }
        params.select = request.query("select").filter(|s| !s.is_empty()).map(|s| {
            std::iter::once("id")
                .chain(s.split(','))
                .map(String::from)
                .collect()
        });
        params.delay = parse_delay(request.query("delay"))
            .map_err(|message| ServerResponse::message(400, message))?;
        Ok(params)
    }

    /// dummyjson's paging: drop `skip` carts, then keep `limit` of them
    /// (`0`, or more than there are, keeps all; `NaN` keeps none).
    fn page<'a>(&self, carts: Vec<&'a Cart>) -> Vec<&'a Cart> {
        let skip = self.skip.filter(|s| *s > 0.0).map_or(0, |s| s as usize);
        let rest: Vec<&Cart> = carts.into_iter().skip(skip).collect();
        match self.limit {
            Some(l) if l == 0.0 || l > rest.len() as f64 => rest,
            Some(l) => rest.into_iter().take(l as usize).collect(),
            None => Vec::new(),
        }
    }
}

/// Reads `?delay=` as dummyjson does: absent or empty means no delay.
fn parse_delay(value: Option<&str>) -> Result<Option<Duration>, &'static str> {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let ms = js::number(value);
    if ms.is_nan() || ms < 0.0 {
        return Err("Delay should be a positive number in milliseconds");
    }
    if ms > MAX_DELAY_MS as f64 {
        return Err("Delay should be less than 5 seconds (5000 milliseconds)");
    }
    // dummyjson waits `parseInt(delay)` milliseconds.
    let ms = js::parse_int(value).unwrap_or(0.0).max(0.0);
    Ok(Some(Duration::from_millis(ms as u64)))
}

/// Picks the answer.
fn route(request: &IncomingRequest, params: &Params) -> ServerResponse {
    let path = request.path();
    let method = request.method.as_str();
    let is_get = method == "GET" || method == "HEAD";
    let store = CartStore::embedded();
    match path.strip_prefix("/carts") {
        Some("") if is_get => return list(params, store.all().iter().collect()),
        Some(rest) => {
            let segment = rest.strip_prefix('/').unwrap_or("/");
            if let Some(user) = segment.strip_prefix("user/").filter(|u| !u.contains('/')) {
                if is_get {
                    return match writes::verify_user(user) {
                        Ok(user) => list(params, store.carts_of_user(user).collect()),
                        Err(response) => response,
                    };
                }
            } else if !segment.contains('/') {
                match method {
                    "GET" | "HEAD" => return one(segment, params),
                    "POST" if segment == "add" => return writes::add(request),
                    "PUT" | "PATCH" => return writes::update(request, segment),
                    "DELETE" => return writes::delete(segment),
                    _ => {}
                }
            }
        }
        None => {}
    }
    ServerResponse::message(
        404,
        &format!("Route '{method} {path}' not found (try /carts/1)"),
    )
}

/// `GET /carts/{id}`.
fn one(id: &str, params: &Params) -> ServerResponse {
    let cart = match writes::find_cart(id) {
        Ok(cart) => cart,
        Err(response) => return response,
    };
    match &params.select {
        None => match cart_json(cart.id) {
            Some(json) => ServerResponse::json(200, json.clone()),
            None => ServerResponse::message(500, "cart JSON missing"),
        },
        Some(fields) => match selected(cart, fields) {
            Ok(picked) => render(200, &picked),
            Err(response) => response,
        },
    }
}

/// dummyjson's paging envelope over `carts`, fields in its order.
fn list(params: &Params, carts: Vec<&Cart>) -> ServerResponse {
    #[derive(serde::Serialize)]
    struct Envelope<T> {
        carts: Vec<T>,
        total: usize,
        skip: Option<u64>,
        limit: usize,
    }
    let total = carts.len();
    let page = params.page(carts);
    let skip = params.skip.map(|s| s.max(0.0) as u64);
    let limit = page.len();
    match &params.select {
        None => render(
            200,
            &Envelope {
                carts: page,
                total,
                skip,
                limit,
            },
        ),
        Some(fields) => match page.iter().map(|c| selected(c, fields)).collect() {
            Ok(carts) => render(
                200,
                &Envelope::<Selected> {
                    carts,
                    total,
                    skip,
                    limit,
                },
            ),
            Err(response) => response,
        },
    }
}

/// A cart reduced to some of its fields, in the order asked (JSON objects in
/// `serde_json` are sorted by key, so the order is kept in a list).
struct Selected(Vec<(String, serde_json::Value)>);

impl serde::Serialize for Selected {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// `cart` reduced to `fields`: each named field once, unknown ones left out.
fn selected(cart: &Cart, fields: &[String]) -> Result<Selected, ServerResponse> {
    let serde_json::Value::Object(all) = serde_json::to_value(cart)
        .map_err(|e| ServerResponse::message(500, &format!("could not render a cart: {e}")))?
    else {
        return Err(ServerResponse::message(500, "a cart is not a JSON object"));
    };
    let mut picked: Vec<(String, serde_json::Value)> = Vec::new();
    for name in fields {
        if let Some(value) = all.get(name) {
            if !picked.iter().any(|(n, _)| n == name) {
                picked.push((name.clone(), value.clone()));
            }
        }
    }
    Ok(Selected(picked))
}

/// A `200`-style JSON answer of any serializable value.
fn render(status: u16, value: &impl serde::Serialize) -> ServerResponse {
    match serde_json::to_vec(value) {
        Ok(body) => ServerResponse::json(status, body),
        Err(e) => ServerResponse::message(500, &format!("could not render the answer: {e}")),
    }
}

/// The JSON of cart `id`, rendered once and shared.
fn cart_json(id: u64) -> Option<&'static Vec<u8>> {
    static RENDERED: OnceLock<Vec<(u64, Vec<u8>)>> = OnceLock::new();
    let rendered = RENDERED.get_or_init(|| {
        CartStore::embedded()
            .all()
            .iter()
            .map(|c| (c.id, serde_json::to_vec(c).expect("a cart serializes")))
            .collect()
    });
    rendered
        .binary_search_by_key(&id, |(i, _)| *i)
        .ok()
        .map(|i| &rendered[i].1)
}

/// The cart server on its own event loop, on its own thread: the cart
/// routes ([`handle`]) on an [`ServerThread`] (`http/on_thread.rs`).
/// Dropping it (or [`shutdown`](Self::shutdown)) stops the loop and joins
/// the thread.
pub struct EmbeddedServer {
    server: ServerThread,
}

impl std::fmt::Debug for EmbeddedServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedServer")
            .field("addr", &self.server.addr())
            .finish()
    }
}

impl EmbeddedServer {
    /// Starts the cart server on `addr` (port 0 picks a free port).
    pub fn start(addr: SocketAddr) -> io::Result<EmbeddedServer> {
        EmbeddedServer::start_with(addr, ServerConfig::default())
    }

    /// Starts the cart server with explicit server settings.
    pub fn start_with(addr: SocketAddr, config: ServerConfig) -> io::Result<EmbeddedServer> {
        let server = ServerThread::start(addr, config, None, handle)?;
        Ok(EmbeddedServer { server })
    }

    /// Starts the cart server over HTTPS with this certificate and key.
    pub fn start_tls(addr: SocketAddr, tls: ServerTls) -> io::Result<EmbeddedServer> {
        let server = ServerThread::start(addr, ServerConfig::default(), Some(tls), handle)?;
        Ok(EmbeddedServer { server })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// `http://IP:PORT` (`https://` with TLS), to which `/carts/1` can be appended.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// The server's counters (connections accepted, requests served, ...).
    pub fn stats(&self) -> &ServerStats {
        self.server.stats()
    }

    /// Stops the loop and joins its thread (dropping does the same).
    pub fn shutdown(self) {
        self.server.shutdown();
    }
}
