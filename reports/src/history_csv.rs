//! A history as CSV, one row per event: time in seconds, node, event type and
//! a readable description, for spreadsheets and diffing two replays.

use serde::Serialize;
use sim::history::{EventKind, History};

#[derive(Serialize)]
struct Row<'a> {
    seconds: String,
    node: &'a str,
    event: &'static str,
    detail: String,
}

fn event_type(kind: &EventKind) -> &'static str {
    match kind {
        EventKind::Invoke { .. } => "invoke",
        EventKind::Complete { .. } => "complete",
        EventKind::CsEnter { .. } => "cs-enter",
        EventKind::CsExit => "cs-exit",
        EventKind::ResourceInit { .. } => "resource-init",
        EventKind::Read { .. } => "read",
        EventKind::Write { .. } => "write",
        EventKind::Fault { .. } => "fault",
        EventKind::Heal => "heal",
        EventKind::Ready => "ready",
        EventKind::Note { .. } => "note",
        EventKind::End { .. } => "end",
    }
}

pub fn to_csv(history: &History) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for e in &history.events {
        w.serialize(Row {
            seconds: e.at.to_string().trim_end_matches('s').to_string(),
            node: history.node_name(e.node),
            event: event_type(&e.kind),
            detail: history.describe(&e.kind),
        })?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::history::{Event, NodeId, NodeInfo, Role};
    use sim::time::SimTime;

    #[test]
    fn one_row_per_event_with_a_header() {
        let h = History {
            nodes: vec![NodeInfo { name: "client-0".into(), role: Role::Client }],
            events: vec![
                Event { at: SimTime(1_500_000_000), node: NodeId(0), kind: EventKind::CsEnter { locks: vec![] } },
                Event { at: SimTime(2_000_000_000), node: NodeId(0), kind: EventKind::CsExit },
            ],
        };
        let text = String::from_utf8(to_csv(&h).unwrap()).unwrap();
        assert_eq!(
            text,
            "seconds,node,event,detail\n1.500000,client-0,cs-enter,enter critical section\n2.000000,client-0,cs-exit,exit critical section\n"
        );
    }
}
