//! `homemade serve` and `homemade fetch`: placeholders until the HTTP issue lands.

use std::process::ExitCode;

/// Arguments of `homemade serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {}

/// Arguments of `homemade fetch`.
#[derive(Debug, clap::Args)]
pub struct FetchArgs {}

/// Runs `homemade serve`.
pub fn serve(_args: ServeArgs) -> ExitCode {
    eprintln!("homemade serve: not built yet (see the HTTP issue)");
    ExitCode::from(2)
}

/// Runs `homemade fetch`.
pub fn fetch(_args: FetchArgs) -> ExitCode {
    eprintln!("homemade fetch: not built yet (see the HTTP issue)");
    ExitCode::from(2)
}
