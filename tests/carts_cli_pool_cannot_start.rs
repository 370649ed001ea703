//! A process pool that cannot start (fork refused under a low
//! `RLIMIT_NPROC`) ends `homemade carts` at once: one line on stderr naming
//! the pool, exit 1, and no report on stdout. It used to show up only as a
//! "not available" row, with exit status 0.
//!
//! Root ignores `RLIMIT_NPROC`, so as root the child first becomes `nobody`
//! (`cli_support::as_unprivileged`); a limit of 2 then refuses the pool its
//! workers (the count includes the process itself). As any other user the
//! user's own processes already exceed 2, so the first fork is refused.

mod cli_support;

use cli_support::{as_unprivileged, homemade, limit_in_child, one_error_line, run, Limit};
use std::process::{Output, Stdio};

fn carts_with_few_processes(only: &str) -> Output {
    let args = ["carts", "--carts", "1", "--unit-ms", "1", "--only", only];
    let mut cmd = homemade(&args);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    as_unprivileged(&mut cmd);
    limit_in_child(&mut cmd, Limit::Processes, 2, 2);
    run(&mut cmd)
}

#[test]
fn a_pool_that_cannot_fork_fails_the_command_before_the_report() {
    for only in ["sequential,event-loop+processes", "event-loop+processes"] {
        let out = carts_with_few_processes(only);
        one_error_line(&out, &["homemade carts", "cannot start the process pool"]);
        assert_eq!(String::from_utf8_lossy(&out.stdout), "", "--only {only}");
    }
}
