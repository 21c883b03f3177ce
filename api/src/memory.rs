//! Process memory.
//!
//! The server allocates through mimalloc (set in `main.rs`): with glibc's malloc, allocation
//! and freeing were a quarter of the CPU time of a page of customers (perf), and a list at 16
//! connections ran about 29% slower (medians of three alternated runs, 202 against 260 req/s
//! on 100,000 customers).
//!
//! Each password hash (argon2id) allocates its 19 MiB working memory in one block. mimalloc
//! keeps freed memory for reuse and gives it back to the system only as later allocations
//! come, so after a burst of sign-ins an idle server stayed at 85 MiB resident. [`release`]
//! after each hash gives it back at once.

/// `mi_option_purge_delay` in the mimalloc 2 headers the allocator is built from (the Rust
/// bindings do not name it).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Call once at start: freed memory goes back to the system at once rather than after 10 ms
/// (peak resident memory in a burst of sign-ins went from 88–102 MiB to 78 MiB, under a page
/// load from 50 to 45 MiB, throughput unchanged).
pub fn tune() {
    // SAFETY: sets one documented allocator option to a documented value.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) }
}

/// Returns memory freed on this thread to the operating system. Called after each password
/// hash, on the blocking thread that ran it.
pub fn release() {
    // SAFETY: mi_collect only walks and trims mimalloc's own heaps; it takes no pointers.
    unsafe { libmimalloc_sys::mi_collect(true) }
}
