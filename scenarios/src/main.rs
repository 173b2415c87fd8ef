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
    // A run stopped at the history limit is reported once, as one line of
    // bad input (`Failure`); the default hook would add a panic banner.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info.payload().downcast_ref::<String>().map(String::as_str).unwrap_or_default();
        if !message.starts_with(sim::history::TOO_LONG) {
            default_hook(info);
        }
    }));
    scenarios::cli::main()
}
