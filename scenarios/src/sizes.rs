//! A built-in scenario's fault sizes as the user fixed them
//! (`--scenario-param pause_ms=2000`, a scenario file's `[scenario_params]`,
//! a sweep's `scenario.NAME` axis). Each scenario declares its sizes as
//! [`ParamSpec::drawn`] parameters; a size left out is drawn per seed, as
//! it always was.
//!
//! A fixed size replaces the drawn one *after* the draw: the plan's random
//! stream takes the same values in the same order whatever is fixed, so
//! every other part of the plan (when, whom, how many) stays where it was.
//! Two sweep points that differ in one size therefore meet the same faults
//! otherwise (common random numbers), and with nothing fixed the plan is
//! exactly today's. A fixed size never feeds a later draw's range, or the
//! rest of the plan would shift. A count (`pauses`) is a size too: the
//! faults drawn before it stays aligned, later ones are added or dropped.
//!
//! Its own module so that both `scenario` and `hazards` can use it.

use std::collections::BTreeMap;
use std::time::Duration;

use algorithms::params::{ParamReader, ParamSpec, Params};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sizes {
    declared: &'static [ParamSpec],
    fixed: BTreeMap<&'static str, u64>,
}

impl Sizes {
    /// Every size drawn per seed.
    pub fn drawn(declared: &'static [ParamSpec]) -> Sizes {
        Sizes { declared, fixed: BTreeMap::new() }
    }

    /// The sizes `given` fixes, checked against the declarations: an unknown
    /// name, a value that is not a whole number or out of range is refused
    /// with one line naming it.
    pub fn read(scenario: &'static str, declared: &'static [ParamSpec], given: &Params) -> Result<Sizes, String> {
        let reader = ParamReader::for_scenario(scenario, declared, given)?;
        let mut fixed = BTreeMap::new();
        for spec in declared {
            if let Some(v) = reader.fixed(spec.name)? {
                fixed.insert(spec.name, v);
            }
        }
        Ok(Sizes { declared, fixed })
    }

    /// `name` as fixed, or `drawn`.
    pub fn value(&self, name: &str, drawn: u64) -> u64 {
        self.lookup(name).unwrap_or(drawn)
    }

    /// A duration size in milliseconds (`pause_ms`), or `drawn`.
    pub fn millis(&self, name: &str, drawn: Duration) -> Duration {
        self.lookup(name).map_or(drawn, Duration::from_millis)
    }

    /// A count (`pauses`), or `drawn`.
    pub fn count(&self, name: &str, drawn: u32) -> u32 {
        self.lookup(name).map_or(drawn, |n| n as u32)
    }

    fn lookup(&self, name: &str) -> Option<u64> {
        debug_assert!(
            self.declared.iter().any(|s| s.name == name),
            "a scenario reads size {name} without declaring it (a locksim bug)"
        );
        self.fixed.get(name).copied()
    }
}
