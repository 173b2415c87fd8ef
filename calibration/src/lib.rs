//! The calibration suite: short scripted cases, each run once against a real
//! server over a real connection and once against locksim's model of it,
//! compared outcome by outcome. Two suites: [`redis`] (a live Redis 7 against
//! `algorithms::redis`, the server the `cache` and `redlock` designs run) and
//! [`postgres`] (a live PostgreSQL 15 against `algorithms::database`, with
//! the statements of Spring's `JdbcLockRegistry` and ShedLock).
//!
//! Promises:
//! - A case ([`script::Case`]) is a list of a suite's operations with coarse
//!   waits between them (hundreds of ms, seconds where Redis's LRU clock needs
//!   them), the server's setup, and the outcome the reference documentation
//!   gives for each step.
//! - Each suite's `model::run` plays a case on the model inside the
//!   simulator ([`model_world`]: one server node, one client node, no clock
//!   offset or drift); it needs no server, so `cargo test` checks every
//!   case's model outcomes against the documented ones
//!   ([`script::check_model`]).
//! - Each suite's `real::run` plays the same case on a live server; the
//!   `calibrate` binary runs both and prints one line per case
//!   ([`script::judge`]). A case whose model outcome differs from the real
//!   one fails the suite unless it is a known difference, which is still
//!   printed with the reason. A case the model has no counterpart for is
//!   reference-only: the real server is checked against the documented
//!   outcomes, and the line says why the model lacks it.
//! - Outcomes are compared with [`script::Outcome::agrees`]: exact, except a
//!   time to live, which may differ by [`script::TTL_TOLERANCE_MS`].
//! - [`record`] is what the last real run found, committed with the code, so
//!   a report can say which cases back each design without a server.

pub mod model_world;
pub mod postgres;
pub mod record;
pub mod redis;
pub mod script;
