//! The world a case is played in on the model: the suite's server nodes
//! and one client node, perfect clocks (no offset, no drift), the default 1-3 ms
//! network, seed 0. The client node runs the suite's script and hands back
//! one outcome per step; waits are simulated.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sim::clock::{ClockSettings, ClockSpread};
use sim::history::Role;
use sim::world::{NetworkSettings, NodeCtx, World};

use crate::script::Outcome;

/// Longer than any case's waits: a case that hangs fails instead.
const TIME_LIMIT: Duration = Duration::from_secs(3600);

/// The clocks every node of a case has: no offset, no drift.
pub const PERFECT: ClockSettings = ClockSettings { offset_ns: 0, drift_ppm: 0 };

/// Play `script` on a client node against the server nodes `deploy` adds
/// (it hands the script what it needs to reach them); a panic in the model
/// names the case.
pub fn play<D, N, C, CFut>(case: &str, deploy: D, script: C) -> Vec<Outcome>
where
    D: FnOnce(&World) -> N + Send + 'static,
    N: Clone + Send + Sync + 'static,
    C: Fn(NodeCtx, N) -> CFut + Send + Sync + 'static,
    CFut: Future<Output = Vec<Outcome>> + 'static,
{
    sim::runner::run_seed(0, TIME_LIMIT, move || async move {
        let world = World::new(0, NetworkSettings::default(), ClockSpread::NONE);
        let servers = deploy(&world);
        let done: Arc<Mutex<Option<Vec<Outcome>>>> = Arc::default();
        let (out, script) = (done.clone(), Arc::new(script));
        world.add_node("client", Role::Client, PERFECT, move |ctx: NodeCtx| {
            let (out, script, servers) = (out.clone(), script.clone(), servers.clone());
            async move {
                let outcomes = script(ctx, servers).await;
                *out.lock().expect("outcomes") = Some(outcomes);
            }
        });
        loop {
            if let Some(outcomes) = done.lock().expect("outcomes").take() {
                return outcomes;
            }
            madsim::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .unwrap_or_else(|p| panic!("case {case}: the model panicked: {p}"))
}
