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
pub mod sentinel;

use std::sync::Arc;

use lock::{Deployment, Design};
use params::{ParamReader, Params};

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

/// Configure `design` from the user's `params`: unknown keys and impossible
/// values are refused with one line.
pub fn configure(design: &dyn Design, params: &Params) -> Result<Arc<dyn Deployment>, String> {
    design.configure(&ParamReader::new(design.name(), design.params(), params)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_design_reads_exactly_the_parameters_it_declares() {
        for design in designs() {
            let none = Params::default();
            let reader = ParamReader::new(design.name(), design.params(), &none).unwrap();
            design.configure(&reader).unwrap_or_else(|e| panic!("{} with its defaults: {e}", design.name()));
            assert_eq!(reader.undeclared_or_unread(), Vec::<String>::new(), "{}", design.name());
        }
    }
}
