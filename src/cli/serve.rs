//! `homemade serve`: the dummyjson-compatible cart server in the foreground.
//!
//! `homemade serve [--port 8888] [--host 127.0.0.1] [--tls-cert CERT
//! --tls-key KEY]` binds the address, prints `listening on http://...`
//! (`https://` with a certificate and key, PEM) and serves the cart API until
//! Ctrl-C (the default SIGINT action ends the process; nothing needs
//! flushing). When that line cannot be written (`> /dev/full`) it exits 1
//! with one line on stderr; when stdout is a pipe already closed, quietly
//! with 0.
//!
//! This front end is the one place where the HTTP server (`homemade::http`)
//! meets the cart routes (`homemade::carts::routes`): the library's `http`
//! module knows nothing of carts.
//!
//! Read next: `src/http/server.rs`, then `src/carts/routes.rs`.

use homemade::event_loop::EventLoop;
use homemade::http::server::Server;
use homemade::http::tls::ServerTls;
use homemade::stdio::{self, Stream};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;

/// Arguments of `homemade serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8888)]
    pub port: u16,
    /// The address to bind; the default serves this machine only.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub host: IpAddr,
    /// Serve HTTPS with this certificate chain (PEM, leaf first).
    #[arg(long, value_name = "CERT.pem", requires = "tls_key")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, value_name = "KEY.pem", requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,
}

/// Runs `homemade serve`.
pub fn run(args: ServeArgs) -> ExitCode {
    let addr = SocketAddr::new(args.host, args.port);
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => match ServerTls::from_pem_files(cert, key) {
            Ok(tls) => Some(tls),
            Err(e) => return stdio::fail("serve", &e.to_string()),
        },
        _ => None,
    };
    let event_loop = match EventLoop::new() {
        Ok(l) => l,
        Err(e) => return stdio::fail("serve", &format!("could not start the event loop: {e}")),
    };
    event_loop.block_on(async move {
        let mut server = match Server::bind(addr) {
            Ok(s) => s,
            Err(e) => return stdio::fail("serve", &format!("could not listen on {addr}: {e}")),
        };
        if let Some(tls) = tls {
            server = server.with_tls(tls);
        }
        let bound = server.local_addr().unwrap_or(addr);
        let banner = format!(
            "homemade serve: listening on {}://{bound} (try /carts/1; Ctrl-C to stop)",
            server.scheme()
        );
        // A full disk is an error; a closed pipe, a quiet exit (stdio.rs).
        if let Err(e) = stdio::line(Stream::Stdout, &banner) {
            return stdio::write_failed("serve", Stream::Stdout, &e);
        }
        server.serve(homemade::carts::routes::handle).await;
        ExitCode::SUCCESS
    })
}
