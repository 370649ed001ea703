//! `--timeline FILE` that cannot be written (a missing folder, a directory,
//! a read-only file) is refused before anything runs: one line on stderr,
//! exit 1, nothing on stdout, and an existing file is left as it was. It used
//! to be found only after every strategy had run.

mod cli_support;

use cli_support::{as_unprivileged, homemade, one_error_line, run};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Output, Stdio};

/// `carts --timeline PATH` as an unprivileged user (root writes anything).
fn carts_with_timeline(path: &Path) -> Output {
    let path = path.to_str().unwrap();
    let args = [
        "carts",
        "--carts",
        "1",
        "--unit-ms",
        "1",
        "--only",
        "sequential",
    ];
    let mut cmd = homemade(&args);
    cmd.args(["--timeline", path])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    as_unprivileged(&mut cmd);
    run(&mut cmd)
}

fn refused_before_the_run(path: &Path) {
    let out = carts_with_timeline(path);
    let shown = path.display().to_string();
    // Nothing ran: no banner, no table.
    assert_eq!(String::from_utf8_lossy(&out.stdout), "", "{shown}");
    one_error_line(&out, &["--timeline", &shown]);
}

#[test]
fn an_unwritable_timeline_is_refused_before_the_run() {
    let dir = std::env::temp_dir().join(format!("homemade-timeline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // World-readable, so that `nobody` may look inside.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();

    refused_before_the_run(&dir.join("no-such-folder").join("x.svg"));
    refused_before_the_run(&dir);
    let read_only = dir.join("read-only.svg");
    std::fs::write(&read_only, "yesterday's picture").unwrap();
    std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o444)).unwrap();
    refused_before_the_run(&read_only);
    let kept = std::fs::read_to_string(&read_only).unwrap();

    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(kept, "yesterday's picture");
}
