//! The calibration suite: short scripted cases, each run once against a real
//! Redis 7 over a real connection and once against locksim's model of it
//! (`algorithms::redis`, the server the `cache` and `redlock` designs run),
//! compared outcome by outcome.
//!
//! Promises:
//! - A case is a list of operations ([`script::Op`]) with coarse waits
//!   between them (tens of ms, seconds where Redis's LRU clock needs them), and
//!   the outcome the Redis documentation gives for each ([`script::Case::expect`]).
//! - [`model::run`] plays a case on the model inside the simulator (one
//!   server node, one client node, no clock offset or drift); it needs no
//!   server, so `cargo test` checks every case's model outcomes against the
//!   documented ones.
//! - [`real::run`] plays the same case on a live server; the `calibrate`
//!   binary runs both and prints one line per case. A case whose model
//!   outcome differs from the real one fails the suite unless it is listed
//!   as a known difference ([`script::Case::known_difference`]), which is
//!   still printed with the reason.
//! - Outcomes are compared with [`script::Outcome::agrees`]: exact, except a
//!   time to live, which may differ by [`script::TTL_TOLERANCE_MS`].

pub mod model;
pub mod real;
pub mod redis_cases;
pub mod script;
