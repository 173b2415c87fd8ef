//! The `locksim` binary: all work happens in the library.

// A simulated run allocates and frees small blocks at a high rate (a madsim
// task, a timer, a message and a reply future for every message sent), and
// glibc's malloc spent about a fifth of a run's instructions on them.
// mimalloc's thread-local free lists do the same for a fraction of that.
// Histories do not depend on where blocks land: nothing orders by address.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // Die quietly of SIGPIPE when a reader stops reading (`locksim list |
    // head`), as command-line tools do, instead of panicking on the write.
    #[cfg(unix)]
    // SAFETY: called first thing, before any thread exists; SIG_DFL is a valid disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    scenarios::cli::main()
}
