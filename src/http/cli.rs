//! `homemade serve` and `homemade fetch`: the cart server in the foreground,
//! and a tiny curl on our own client.
//!
//! * `homemade serve [--port 8888] [--host 127.0.0.1]` binds the address,
//!   prints `listening on http://...` and serves the cart API until Ctrl-C
//!   (the default SIGINT action ends the process; nothing needs flushing).
//!   When that line cannot be written (`> /dev/full`) it exits 1 with one
//!   line on stderr; when stdout is a pipe already closed, quietly with 0.
//! * `homemade fetch URL [-i] [-X METHOD] [-d BODY] [--timeout S]` prints
//!   the body as it arrives (streamed: memory stays at one read buffer
//!   whatever the body's size, and there is no size limit). With `-i` it
//!   first prints the status line and the headers as received and an empty
//!   line, like `curl -i`. `-d` without `-X` means `POST`, as in curl. It
//!   exits 0 when a complete response arrived, whatever its status, and 1
//!   with a one-line error on stderr otherwise (a body cut short after some
//!   of it was printed included).
//!
//! Read next: `server.rs` and `client.rs`.

use super::server::Server;
use super::{Client, Request};
use crate::event_loop::EventLoop;
use crate::stdio::{self, Stream};
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

/// Arguments of `homemade serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8888)]
    pub port: u16,
    /// The address to bind; the default serves this machine only.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub host: IpAddr,
}

/// Arguments of `homemade fetch`.
#[derive(Debug, clap::Args)]
pub struct FetchArgs {
    /// The URL to fetch (`http://` only).
    pub url: String,
    /// Print the status line and headers before the body.
    #[arg(short = 'i', long = "include")]
    pub include: bool,
    /// The request method (default GET, or POST with -d).
    #[arg(short = 'X', long = "request")]
    pub method: Option<String>,
    /// A request body (implies POST unless -X says otherwise).
    #[arg(short = 'd', long = "data")]
    pub data: Option<String>,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 30.0)]
    pub timeout: f64,
}

/// Runs `homemade serve`.
pub fn serve(args: ServeArgs) -> ExitCode {
    let addr = SocketAddr::new(args.host, args.port);
    let event_loop = match EventLoop::new() {
        Ok(l) => l,
        Err(e) => return fail("serve", &format!("could not start the event loop: {e}")),
    };
    event_loop.block_on(async move {
        let server = match Server::bind(addr) {
            Ok(s) => s,
            Err(e) => return fail("serve", &format!("could not listen on {addr}: {e}")),
        };
        let bound = server.local_addr().unwrap_or(addr);
        let banner =
            format!("homemade serve: listening on http://{bound} (try /carts/1; Ctrl-C to stop)");
        // A full disk is an error; a closed pipe, a quiet exit (stdio.rs).
        if let Err(e) = stdio::line(Stream::Stdout, &banner) {
            return stdio::write_failed("serve", Stream::Stdout, &e);
        }
        server.serve(crate::carts::routes::handle).await;
        ExitCode::SUCCESS
    })
}

/// Runs `homemade fetch`.
pub fn fetch(args: FetchArgs) -> ExitCode {
    let method = args
        .method
        .clone()
        .unwrap_or_else(|| if args.data.is_some() { "POST" } else { "GET" }.to_string());
    let mut request = match Request::new(&method, &args.url) {
        Ok(r) => r,
        Err(e) => return fail("fetch", &e.to_string()),
    };
    if let Some(data) = &args.data {
        request = request
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(data.as_bytes());
    }
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        return fail("fetch", "--timeout must be a positive number of seconds");
    }
    let client = Client::builder()
        .request_timeout(Duration::from_secs_f64(args.timeout.min(1e6)))
        .build();
    let event_loop = match EventLoop::new() {
        Ok(l) => l,
        Err(e) => return fail("fetch", &format!("could not start the event loop: {e}")),
    };
    let mut response = match event_loop.block_on(client.request_streaming(request)) {
        Ok(r) => r,
        Err(e) => return fail("fetch", &e.to_string()),
    };
    let mut out = std::io::stdout().lock();
    let printed = event_loop.block_on(async {
        if args.include {
            let head = response.head();
            let mut text = Vec::with_capacity(256);
            text.extend_from_slice(head.status_line().as_bytes());
            text.extend_from_slice(b"\r\n");
            for (name, value) in head.headers.iter() {
                text.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
            }
            text.extend_from_slice(b"\r\n");
            out.write_all(&text).map_err(Failure::Write)?;
        }
        // The body goes out piece by piece as it arrives: memory stays at
        // one read buffer whatever its size.
        while let Some(piece) = response.chunk().await.map_err(Failure::Fetch)? {
            out.write_all(piece).map_err(Failure::Write)?;
        }
        out.flush().map_err(Failure::Write)
    });
    match printed {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Write(e)) => fail("fetch", &format!("could not write the body: {e}")),
        Err(Failure::Fetch(e)) => {
            let _ = out.flush();
            fail("fetch", &e.to_string())
        }
    }
}

/// Why printing a response stopped.
enum Failure {
    /// Writing to stdout failed.
    Write(std::io::Error),
    /// The body could not be read (truncated, malformed, timed out).
    Fetch(super::Error),
}

/// Prints a one-line error and returns the failure exit code; a broken
/// stderr does not turn it into a panic (`crate::stdio`).
fn fail(command: &str, message: &str) -> ExitCode {
    stdio::fail(command, message)
}
