//! locksim's locking designs: one module per design (its server models and
//! its client), the protected resource, and the registry by name.
//!
//! Every design follows a public reference and says in its module doc which
//! one and what it simplifies.

pub mod cache;
pub mod coord;
pub mod database;
pub mod ephemeral;
pub mod lease;
pub mod lock;
pub mod operator;
pub mod optimistic;
pub mod ordering;
pub mod params;
pub mod redis;
pub mod redlock;
pub mod reentrant;
pub mod resource;
pub mod retry;

use lock::Design;

/// Every registered design, in the order `locksim list` shows them.
pub fn designs() -> &'static [&'static dyn Design] {
    &[
        &database::DatabaseDesign,
        &cache::CacheDesign,
        &redlock::RedlockDesign,
        &ephemeral::EphemeralDesign,
        &lease::LeaseDesign,
        &optimistic::OptimisticDesign,
        &ordering::OrderingDesign,
    ]
}

/// The design called `name`.
pub fn design(name: &str) -> Option<&'static dyn Design> {
    designs().iter().copied().find(|d| d.name() == name)
}
