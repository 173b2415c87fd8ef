//! How a command fails, and the exit code each failure gets.

/// How a command failed.
#[derive(Debug)]
pub enum Failure {
    /// Bad input: exit 2.
    BadInput(String),
    /// A bug or non-determinism: exit 3.
    Internal(String),
}

impl From<String> for Failure {
    fn from(msg: String) -> Self {
        Failure::BadInput(msg)
    }
}

impl From<sim::runner::SeedPanic> for Failure {
    /// A run too big for memory is the input's fault (exit 2); any other
    /// panic is locksim's (exit 3).
    fn from(p: sim::runner::SeedPanic) -> Self {
        if p.is_history_limit() {
            Failure::BadInput(format!("seed {}: {}", p.seed, p.message))
        } else {
            Failure::Internal(p.to_string())
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::BadInput(msg) | Failure::Internal(msg) => f.write_str(msg),
        }
    }
}
