//! Running seeds: each on a fresh OS thread with its own madsim runtime.
//!
//! A fresh thread per seed means thread-locals, std's per-thread hash keys and
//! madsim's context start clean, so a seed's history does not depend on what
//! ran before it or on how many workers share the sweep
//! (docs/ARCHITECTURE.md, "Contracts": one seed, one world). Results come back in seed order whatever the worker count.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// A seed's run panicked: an internal error, reported with the seed to replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedPanic {
    pub seed: u64,
    pub message: String,
}

impl SeedPanic {
    /// The run was stopped because its history passed
    /// [`crate::history::MAX_EVENTS`]: too big a run, not a bug.
    pub fn is_history_limit(&self) -> bool {
        self.message.starts_with(crate::history::TOO_LONG)
    }
}

impl std::fmt::Display for SeedPanic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "seed {} panicked: {}", self.seed, self.message)
    }
}

/// Run `body` as seed `seed`'s simulation, on a new thread, and return its result.
/// Simulated time beyond `time_limit` is a panic (a run that never ends).
pub fn run_seed<T, F, Fut>(seed: u64, time_limit: Duration, body: F) -> Result<T, SeedPanic>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = T> + 'static,
    T: Send + 'static,
{
    std::thread::Builder::new()
        .name(format!("seed-{seed}"))
        .spawn(move || {
            let mut runtime = madsim::runtime::Runtime::with_seed_and_config(seed, madsim::Config::default());
            runtime.set_time_limit(time_limit);
            runtime.block_on(body())
        })
        .expect("the OS can start a thread")
        .join()
        .map_err(|payload| SeedPanic { seed, message: panic_text(&payload) })
}

fn panic_text(payload: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-text panic".into()
    }
}

/// Call `run` for every seed using `jobs` worker threads; `done` is called after
/// each seed (for progress). Results are in the order of `seeds`.
pub fn run_seeds<T: Send>(seeds: &[u64], jobs: usize, run: impl Fn(u64) -> T + Sync, done: impl Fn() + Sync) -> Vec<T> {
    run_seeds_until(seeds, jobs, &AtomicBool::new(false), run, done)
        .into_iter()
        .map(|r| r.expect("every seed ran"))
        .collect()
}

/// As [`run_seeds`], but once `stop` is set no new seed starts (seeds already
/// running finish); a seed that never ran is `None`.
pub fn run_seeds_until<T: Send>(
    seeds: &[u64],
    jobs: usize,
    stop: &AtomicBool,
    run: impl Fn(u64) -> T + Sync,
    done: impl Fn() + Sync,
) -> Vec<Option<T>> {
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<T>>> = seeds.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, seeds.len().max(1)) {
            scope.spawn(|| loop {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&seed) = seeds.get(i) else { break };
                let result = run(seed);
                *slots[i].lock().expect("result slot poisoned") = Some(result);
                done();
            });
        }
    });
    slots.into_iter().map(|slot| slot.into_inner().expect("result slot poisoned")).collect()
}
