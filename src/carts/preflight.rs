//! What `homemade carts` checks before its report begins.
//!
//! A run takes seconds to minutes, so a problem that can be seen at the start
//! is reported at the start, as the only thing the user sees (one line on
//! stderr, exit 1), rather than after every strategy has run:
//!
//! * [`timeline_file`]: the `--timeline` file can be written. A missing
//!   folder, a directory or a read-only file used to be found only when the
//!   picture was written, at the very end.
//! * [`server`]: the cart server answers. One GET of the first cart, decoded
//!   the way every strategy decodes it, so a closed port, a wrong server or a
//!   missing cart is named before the banner and the table header.
//!
//! The process pool is the third early check, made in `src/cli/carts/mod.rs`
//! itself since it must come first of all (DESIGN.md §3.2): a pool that
//! cannot start ends the command there.
//!
//! Read next: `src/cli/carts/mod.rs`, which calls these in order.

use super::error::CartError;
use std::fs::OpenOptions;
use std::io::ErrorKind;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;

/// Checks that `path` can be written, and leaves the file system as it was.
///
/// An existing file is opened for writing without truncating it (so a failed
/// run keeps yesterday's picture); a missing one is created and removed
/// again. A directory, a missing folder or a file without write permission
/// gives the error line to print.
///
/// A named pipe is not opened here: opening a FIFO for writing waits for its
/// reader, and closing it again would end the reader's stream before the
/// picture is written. It is written at the end, as always.
pub fn timeline_file(path: &Path) -> Result<(), String> {
    let refuse = |e: std::io::Error| format!("--timeline {}: cannot write it: {e}", path.display());
    if std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo()) {
        return Ok(());
    }
    match OpenOptions::new().write(true).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
                .map_err(refuse)?;
            // Created only to learn that it can be; the real write comes at
            // the end. A failure to remove it is harmless (it is empty).
            let _ = std::fs::remove_file(path);
            Ok(())
        }
        Err(e) => Err(refuse(e)),
    }
}

/// Fetches cart `first_id` from `base_url` once, within `timeout` (the
/// run's `--timeout`); the error is the line to print.
pub fn server(
    base_url: &str,
    first_id: u64,
    timeout: std::time::Duration,
) -> Result<(), CartError> {
    super::strategies::probe(base_url, first_id, timeout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_folder_or_a_directory_is_refused_and_a_new_file_is_not_left() {
        let dir = std::env::temp_dir().join(format!("homemade-preflight-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = dir.join("no-such-folder").join("x.svg");
        assert!(timeline_file(&missing).unwrap_err().contains("--timeline"));
        assert!(timeline_file(&dir).is_err(), "a directory is not a file");
        let fresh = dir.join("fresh.svg");
        timeline_file(&fresh).unwrap();
        assert!(!fresh.exists(), "the probe file is removed again");
        let kept = dir.join("kept.svg");
        std::fs::write(&kept, "old picture").unwrap();
        timeline_file(&kept).unwrap();
        assert_eq!(std::fs::read_to_string(&kept).unwrap(), "old picture");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
