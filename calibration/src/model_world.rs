//! The world a case is played in on the model: one server node and one
//! client node, perfect clocks (no offset, no drift), the default 1-3 ms
//! network, seed 0. The client node runs the suite's script and hands back
//! one outcome per step; waits are simulated.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sim::clock::{ClockSettings, ClockSpread};
use sim::history::{NodeId, Role};
use sim::world::{NetworkSettings, NodeCtx, World};

use crate::script::Outcome;

/// Longer than any case's waits: a case that hangs fails instead.
const TIME_LIMIT: Duration = Duration::from_secs(3600);

/// Play `script` on a client node against a server node named `server_name`
/// running `server_main`; a panic in the model names the case.
pub fn play<S, SFut, C, CFut>(case: &str, server_name: &'static str, server_main: S, script: C) -> Vec<Outcome>
where
    S: Fn(NodeCtx) -> SFut + Send + Sync + 'static,
    SFut: Future<Output = ()> + 'static,
    C: Fn(NodeCtx, NodeId) -> CFut + Send + Sync + 'static,
    CFut: Future<Output = Vec<Outcome>> + 'static,
{
    sim::runner::run_seed(0, TIME_LIMIT, move || async move {
        let world = World::new(0, NetworkSettings::default(), ClockSpread::NONE);
        let perfect = ClockSettings { offset_ns: 0, drift_ppm: 0 };
        let server = world.add_node(server_name, Role::Server, perfect, server_main);
        let done: Arc<Mutex<Option<Vec<Outcome>>>> = Arc::default();
        let (out, script) = (done.clone(), Arc::new(script));
        world.add_node("client", Role::Client, perfect, move |ctx: NodeCtx| {
            let (out, script) = (out.clone(), script.clone());
            async move {
                let outcomes = script(ctx, server).await;
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
