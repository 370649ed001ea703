//! A soft `RLIMIT_NOFILE` for the tests that run short of descriptors,
//! put back when the guard drops.

/// Sets the soft descriptor limit; the old one comes back on drop.
pub struct SoftLimit(libc::rlimit);

impl SoftLimit {
    pub fn set(soft: u64) -> SoftLimit {
        let mut old = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit/setrlimit read and write structs we own.
        unsafe {
            assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut old), 0);
            let new = libc::rlimit {
                rlim_cur: soft as libc::rlim_t,
                rlim_max: old.rlim_max,
            };
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &new), 0);
        }
        SoftLimit(old)
    }
}

impl Drop for SoftLimit {
    fn drop(&mut self) {
        // SAFETY: as above.
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &self.0) };
    }
}
