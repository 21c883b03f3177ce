//! Process memory tuning.
//!
//! Each password hash (argon2id) allocates its 19 MiB working memory in one block. glibc's
//! malloc raises its mmap threshold after the first such block is freed, so later ones come
//! from per-thread heaps that keep the memory: measured on a release build, the demo seed alone
//! left the process at 224 MiB resident and a five-minute soak near 600 MiB. With the threshold
//! fixed at 1 MiB, blocks that large are mapped and returned on free: 30 MiB after the seed,
//! 37 MiB after 40 concurrent sign-ins.

/// Call once, before any thread allocates.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; it is called before other threads
    // start and with a documented option and value.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}
