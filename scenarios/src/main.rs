//! The `locksim` binary: all work happens in the library.

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
