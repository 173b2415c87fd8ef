//! Step 3 of a shrink: fewer clients, a fault phase that ends just after the
//! violation (faults that would start after it are dropped), and every
//! other knob and workload parameter back to its default. The design's own
//! parameters stay: they say which variant of the design is under test.

use std::time::Duration;

use crate::failure::Failure;
use crate::spec::knobs::{CLIENTS, DURATION, KNOBS};

use super::Search;

pub fn shrink(search: &mut Search) -> Result<(), Failure> {
    shorten(search)?;
    // Fewer clients: the fewest that still fail (a lock needs two to overlap, most often).
    let clients = search.spec.clients;
    for fewer in 1..clients {
        let mut spec = search.spec.clone();
        spec.clients = fewer;
        if search.keep_if_fails(spec, search.plan.clone())? {
            break;
        }
    }
    // Every other knob back to its default.
    for knob in KNOBS.iter().filter(|k| k.key != CLIENTS.key && k.key != DURATION.key) {
        if (knob.get)(&search.spec) != knob.default {
            let mut spec = search.spec.clone();
            (knob.set)(&mut spec, knob.default);
            search.keep_if_fails(spec, search.plan.clone())?;
        }
    }
    // Workload parameters back to their defaults, one at a time.
    let mut i = 0;
    while i < search.spec.workload_params.len() {
        let mut spec = search.spec.clone();
        spec.workload_params.remove(i);
        if !search.keep_if_fails(spec, search.plan.clone())? {
            i += 1;
        }
    }
    Ok(())
}

/// A run that ends one second after the violation (when it came in the fault
/// phase); faults that would start after the end are dropped. Cheap (one run)
/// and the largest cut of the history, so the search also tries it early.
pub fn shorten(search: &mut Search) -> Result<(), Failure> {
    let end_s = search.violation.as_secs() + 1;
    if end_s < search.spec.duration_s && search.violation < Duration::from_secs(search.spec.duration_s) {
        let mut spec = search.spec.clone();
        spec.duration_s = end_s.max(DURATION.min);
        let end = Duration::from_secs(spec.duration_s);
        let plan = search.plan.iter().filter(|f| f.at < end).cloned().collect();
        search.keep_if_fails(spec, plan)?;
    }
    Ok(())
}
