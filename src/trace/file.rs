//! `--trace FILE.json`: the file a whole run's trace goes to.
//!
//! [`from_args`] finds the flag among a program's arguments and starts a
//! [`TraceFile`]: it installs a recorder that stays on
//! ([`Recorder::for_trace_file`]) as the default of every runtime built
//! afterwards ([`install_default`]), so one file gets the events of every
//! loop, pool and client the program makes without passing the recorder
//! around. At the end, [`TraceFile::finish`] (or dropping it) writes the
//! file with [`chrome::write`](super::chrome::write).
//!
//! Read next: `chrome.rs`, what the file holds.

use std::io;
use std::path::{Path, PathBuf};

use super::chrome::write;
use super::recorder::{install_default, Recorder};

/// The file `--trace FILE.json` asked for, and the recorder that fills it:
/// see [`from_args`]. [`TraceFile::finish`] (or dropping it) writes the file.
#[derive(Debug)]
pub struct TraceFile {
    path: PathBuf,
    recorder: Recorder,
    written: bool,
}

/// Looks for `--trace FILE` or `--trace=FILE` in `args` (the program's
/// arguments, its name excluded); if found, installs a recorder for the
/// trace file as the default of every runtime built from now on
/// ([`install_default`], [`Recorder::for_trace_file`]). Returns the
/// [`TraceFile`] that will write it, and the other arguments, in order.
/// Call it first thing in `main`, before building any runtime:
///
/// ```no_run
/// let (trace, args) = homemade::trace::chrome::from_args(std::env::args().skip(1));
/// // ... parse `args`, build loops and pools, run ...
/// if let Some(trace) = trace {
///     trace.finish().expect("writing the trace");
/// }
/// ```
pub fn from_args(args: impl IntoIterator<Item = String>) -> (Option<TraceFile>, Vec<String>) {
    let mut args = args.into_iter();
    let mut path = None;
    let mut rest = Vec::new();
    while let Some(arg) = args.next() {
        if arg == "--trace" {
            path = args.next();
        } else if let Some(p) = arg.strip_prefix("--trace=") {
            path = Some(p.to_string());
        } else {
            rest.push(arg);
        }
    }
    (path.map(|p| TraceFile::start(PathBuf::from(p))), rest)
}

/// [`from_args`] on this program's arguments: what every example calls.
/// Keep the [`TraceFile`] alive to the end of `main` (`let (_trace, args)`):
/// dropping it writes the file and says so on stderr.
pub fn from_env() -> (Option<TraceFile>, Vec<String>) {
    from_args(std::env::args().skip(1))
}

impl TraceFile {
    /// Installs a recorder for the trace file as the default and remembers
    /// `path`.
    pub fn start(path: PathBuf) -> TraceFile {
        let recorder = Recorder::for_trace_file();
        install_default(Some(recorder.clone()));
        TraceFile {
            path,
            recorder,
            written: false,
        }
    }

    /// The recorder the file is made from.
    pub fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    /// Where the file goes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the file from everything recorded; returns how many events
    /// it held.
    pub fn finish(mut self) -> io::Result<usize> {
        self.write_now()
    }

    fn write_now(&mut self) -> io::Result<usize> {
        self.written = true;
        install_default(None);
        let events = self.recorder.take_history();
        write(&self.path, &events)?;
        Ok(events.len())
    }
}

impl Drop for TraceFile {
    fn drop(&mut self) {
        if !self.written {
            match self.write_now() {
                Ok(n) => eprintln!(
                    "trace: {n} events written to {} (open it in ui.perfetto.dev)",
                    self.path.display()
                ),
                Err(e) => eprintln!("could not write the trace to {}: {e}", self.path.display()),
            }
        }
    }
}
