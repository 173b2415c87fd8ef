//! locksim's simulated world, on madsim. It knows no algorithm.
//!
//! - [`runner`]: one seed, one fresh thread, one madsim runtime; sweeps over seeds.
//! - [`rng`]: named ChaCha streams derived from the seed (every random choice).
//! - [`clock`]: per-node monotonic and wall clocks with drift and jumps.
//! - [`world`]: nodes as restartable factories, durable state, typed RPC, the recorder;
//!   composed of parts (topology, clocks, nodes, signals) and of the active faults,
//!   each filed as the inverses of its effects.
//! - [`net`]: the message layer: loss, latency, services and calls.
//! - [`fault`]: fault plans as data and the injector that plays them as world effects.
//! - [`history`]: the events of a run and its stable `trace_hash`.
//! - [`check`]: safety properties over a history: the exclusion overlap, the open
//!   violation kinds workloads name for their corrupted effects, and the judge.
//! - [`deadlock`]: cycles in the clients' wait-for graph, when they formed and how they ended.
//! - [`metrics`]: throughput, latency and message counts from a history.
//! - [`record`]: flat per-seed records and summaries for tables, JSON and CSV.

pub mod check;
pub mod clock;
pub mod deadlock;
pub mod fault;
pub mod hash;
pub mod history;
pub mod metrics;
pub mod net;
pub mod record;
pub mod rng;
pub mod runner;
pub mod time;
pub mod world;

pub use madsim;
