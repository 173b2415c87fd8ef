//! What the transfer can suffer: clients move money between accounts, each
//! account a register, each write saying which version of the register it
//! was based on (`read_version`).
//!
//! Checks: no accepted write overwrote an update its writer had not seen. An
//! accepted write of register `k` that left it at version `v` replaced version
//! `v - 1`; if it was based on another version, the writes in between were
//! lost (a [`LOST_UPDATE`], told as every lost update is).
//!
//! Promises: one violation per such write, at its time, with clients = [the
//! writer of the latest earlier accepted write on the same register (when
//! there is one), this writer] and events likewise. Writes that do not say
//! what they read, and rejected writes, are never lost updates.

use std::collections::HashMap;

use sim::check::Violation;
use sim::history::{EventKind, History, NodeId, WriteVerdict};

use super::super::effect::Effects;
use super::super::lost_update::{self, LOST_UPDATE};

pub const EFFECTS: Effects = Effects { check: transfer_lost_updates, kinds: &[lost_update::ENDING] };

/// Accepted writes based on a version that was no longer the register's latest.
pub fn transfer_lost_updates(history: &History) -> Vec<Violation> {
    let mut last: HashMap<u32, (usize, NodeId)> = HashMap::new();
    let mut violations = Vec::new();
    for (i, e) in history.events.iter().enumerate() {
        let EventKind::Write { client, version, verdict: WriteVerdict::Accepted, key, read_version, .. } = e.kind
        else {
            if let EventKind::ResourceInit { .. } = e.kind {
                last.clear(); // the resource lost its data: no write before this one is the latest
            }
            continue;
        };
        let previous = last.insert(key, (i, client));
        let Some(read) = read_version else { continue };
        if version.checked_sub(1) != Some(read) {
            let (mut clients, mut events) = (vec![client], vec![i]);
            if let Some((w, other)) = previous {
                clients.insert(0, other);
                events.insert(0, w);
            }
            violations.push(Violation { kind: LOST_UPDATE, at: e.at, clients, events });
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::check::fixture::{accepted, history, rejected};
    use sim::time::SimTime;

    /// An accepted write of `key` that left it at `version`, based on `read`.
    fn based_on(client: u32, key: u32, version: u64, read: u64) -> EventKind {
        let mut w = accepted(client, key, 0, None, version);
        if let EventKind::Write { read_version, .. } = &mut w {
            *read_version = Some(read);
        }
        w
    }

    #[test]
    fn writes_based_on_the_latest_version_are_fine() {
        let h = history(vec![
            (1, 3, based_on(1, 0, 1, 0)),
            (2, 3, based_on(2, 1, 1, 0)),
            (3, 3, based_on(2, 0, 2, 1)),
            (4, 3, rejected(1, 0, 0, None, 2)),
            (5, 3, accepted(1, 0, 0, None, 3)),
        ]);
        assert!(transfer_lost_updates(&h).is_empty());
    }

    #[test]
    fn a_write_based_on_a_replaced_version_is_a_lost_update() {
        let h = history(vec![(1, 3, based_on(1, 0, 1, 0)), (2, 3, based_on(2, 1, 1, 0)), (3, 3, based_on(2, 0, 2, 0))]);
        let v = transfer_lost_updates(&h);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].kind, LOST_UPDATE);
        assert_eq!(v[0].at, SimTime(3));
        assert_eq!(v[0].clients, vec![NodeId(1), NodeId(2)]);
        assert_eq!(v[0].events, vec![0, 2]);
    }

    #[test]
    fn a_first_write_based_on_a_version_never_seen_names_only_its_writer() {
        let h = history(vec![(1, 3, based_on(1, 0, 1, 0)), (2, 3, based_on(2, 1, 1, 3))]);
        let v = transfer_lost_updates(&h);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].clients, vec![NodeId(2)]);
        assert_eq!(v[0].events, vec![1]);
    }
}
