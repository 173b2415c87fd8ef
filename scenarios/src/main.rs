//! The `locksim` binary: all work happens in the library.

fn main() -> std::process::ExitCode {
    scenarios::cli::main()
}
