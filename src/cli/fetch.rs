//! `homemade fetch`: a tiny curl on our own HTTP client.
//!
//! `homemade fetch URL [-i] [-X METHOD] [-d BODY] [--timeout S]` prints the
//! body as it arrives (streamed: memory stays at one read buffer whatever
//! the body's size, and there is no size limit). With `-i` it first prints
//! the status line and the headers as received and an empty line, like
//! `curl -i`. `-d` without `-X` means `POST`, as in curl. It exits 0 when a
//! complete response arrived, whatever its status, and 1 with a one-line
//! error on stderr otherwise (a body cut short after some of it was printed
//! included). `https://` URLs are verified against the system's store, or
//! exactly the CAs of `--cacert FILE`; there is no switch that skips
//! verification.
//!
//! Read next: `src/http/client.rs` and `src/http/streaming.rs`.

use homemade::event_loop::EventLoop;
use homemade::http::{self, Client, Request};
use homemade::stdio;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

/// Arguments of `homemade fetch`.
#[derive(Debug, clap::Args)]
pub struct FetchArgs {
    /// The URL to fetch (`http://` or `https://`).
    pub url: String,
    /// Trust exactly the CA certificates in this PEM file (default: the
    /// system's store).
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<std::path::PathBuf>,
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

/// Runs `homemade fetch`.
pub fn run(args: FetchArgs) -> ExitCode {
    let method = args
        .method
        .clone()
        .unwrap_or_else(|| if args.data.is_some() { "POST" } else { "GET" }.to_string());
    let mut request = match Request::new(&method, &args.url) {
        Ok(r) => r,
        Err(e) => return stdio::fail("fetch", &e.to_string()),
    };
    if let Some(data) = &args.data {
        request = request
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(data.as_bytes());
    }
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        return stdio::fail("fetch", "--timeout must be a positive number of seconds");
    }
    if let Err(e) = http::tls::set_default_cacert(args.cacert.as_deref()) {
        return stdio::fail("fetch", &format!("--cacert: {e}"));
    }
    let client = Client::builder()
        .request_timeout(Duration::from_secs_f64(args.timeout.min(1e6)))
        .build();
    let event_loop = match EventLoop::new() {
        Ok(l) => l,
        Err(e) => return stdio::fail("fetch", &format!("could not start the event loop: {e}")),
    };
    let mut response = match event_loop.block_on(client.request_streaming(request)) {
        Ok(r) => r,
        Err(e) => return stdio::fail("fetch", &e.to_string()),
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
        Err(Failure::Write(e)) => stdio::fail("fetch", &format!("could not write the body: {e}")),
        Err(Failure::Fetch(e)) => {
            let _ = out.flush();
            stdio::fail("fetch", &e.to_string())
        }
    }
}

/// Why printing a response stopped.
enum Failure {
    /// Writing to stdout failed.
    Write(std::io::Error),
    /// The body could not be read (truncated, malformed, timed out).
    Fetch(http::Error),
}
