//! Per-node clocks (docs/ARCHITECTURE.md, "Contracts": nodes own their clocks).
//!
//! madsim has one global clock; real machines do not agree on time. Each node
//! owns a `NodeClock` with
//! - a **monotonic** reading: local time since the world started, advancing at
//!   the global rate scaled by the node's drift (parts per million);
//! - a **wall** reading: the monotonic reading plus an offset, which clock
//!   jumps (NTP steps, operator error) move forwards or backwards.
//!
//! Every time-based decision of an algorithm reads these, and its sleeps and
//! timeouts are measured on them (`sleep`, `timeout`), so a fast clock makes a
//! lease expire early and a slow one makes a TTL last longer, as on real
//! hardware. Arithmetic is integer (i128 nanoseconds), so readings are the
//! same bit for bit on every machine.
//!
//! **Clocks as in production.** No two machines start with the same clock:
//! the world draws each node's starting offset and drift from a
//! [`ClockSpread`] (uniform in `±offset` and `±drift`, whole nanoseconds and
//! whole ppm, from the random stream `clocks/NAME` of that node, so adding a
//! node never changes another's draw), on top of the [`ClockSettings`] its
//! deployer passes (an explicit override tests use). The world node keeps a
//! perfect clock. The defaults are an NTP-disciplined fleet:
//! - offsets within ±10 ms ([`DEFAULT_OFFSET_MS`]): NTP usually keeps a
//!   clock within tens of milliseconds of UTC over the public internet and
//!   under a millisecond on a LAN (the NTP project's own description of its
//!   accuracy, also Wikipedia's "Network Time Protocol");
//! - drift within ±15 ppm ([`DEFAULT_DRIFT_PPM`]): RFC 5905's frequency
//!   tolerance PHI = 15e-6 s/s, the rate error NTPv4 assumes of a
//!   disciplined clock. An undisciplined quartz crystal can be off by up to
//!   500 ppm, the most NTP will correct (RFC 5905's and the Linux kernel's
//!   MAXFREQ). Both spreads are experiment settings: a user can widen them
//!   that far, or set them to 0 for perfect clocks.

use rand::Rng;
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use crate::rng::SimRng;
use crate::time::SimTime;

const PPM: i128 = 1_000_000;

/// The default spread of starting offsets, ± milliseconds (see the module doc).
pub const DEFAULT_OFFSET_MS: u64 = 10;
/// The default spread of starting drift, ± parts per million (RFC 5905's PHI).
pub const DEFAULT_DRIFT_PPM: u64 = 15;

/// How far apart the nodes' clocks start: each node's offset is drawn
/// uniformly from `-offset_ns..=offset_ns` and its drift from
/// `-drift_ppm..=drift_ppm`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockSpread {
    pub offset_ns: u64,
    /// Drawn drifts are kept above -1,000,000 ppm (a clock moves forwards).
    pub drift_ppm: u64,
}

impl ClockSpread {
    /// Perfect clocks: every node starts with exactly the settings it is given.
    pub const NONE: ClockSpread = ClockSpread { offset_ns: 0, drift_ppm: 0 };

    /// A spread of `±offset_ms` milliseconds and `±drift_ppm` ppm.
    pub fn new(offset_ms: u64, drift_ppm: u64) -> ClockSpread {
        ClockSpread { offset_ns: offset_ms.saturating_mul(1_000_000), drift_ppm }
    }

    /// One node's starting clock: `given` moved by an offset and a drift drawn
    /// from `rng` (the node's own stream). Integer draws only.
    pub fn draw(&self, rng: &mut SimRng, given: ClockSettings) -> ClockSettings {
        let offset = self.offset_ns.min(i64::MAX as u64) as i64;
        let drift = self.drift_ppm.min(PPM as u64 - 1) as i64;
        let offset_ns = given.offset_ns.saturating_add(rng.gen_range(-offset..=offset));
        // The caller's drift plus the draw, still a clock that moves forwards.
        let drift_ppm = given.drift_ppm.saturating_add(rng.gen_range(-drift..=drift)).max(1 - PPM as i64);
        ClockSettings { offset_ns, drift_ppm }
    }
}

impl Default for ClockSpread {
    fn default() -> Self {
        ClockSpread::new(DEFAULT_OFFSET_MS, DEFAULT_DRIFT_PPM)
    }
}

/// The initial state of a node's clock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockSettings {
    /// Wall-clock offset from true time, in nanoseconds.
    pub offset_ns: i64,
    /// Rate error in parts per million: +100 runs 0.01% fast. Must be > -1,000,000.
    pub drift_ppm: i64,
}

/// A wall-clock reading in nanoseconds (may go backwards after a jump).
pub type WallNanos = i64;

#[derive(Debug)]
pub struct NodeClock {
    state: Mutex<ClockState>,
}

#[derive(Debug, Clone, Copy)]
struct ClockState {
    /// Global time at which the current drift rate took effect.
    anchor_global: u64,
    /// Monotonic reading at `anchor_global`.
    anchor_mono: u64,
    drift_ppm: i64,
    /// Offset plus every jump so far.
    wall_offset: i64,
}

impl ClockState {
    fn monotonic_at(&self, global: u64) -> u64 {
        let elapsed = global.saturating_sub(self.anchor_global) as i128;
        let local = elapsed * (PPM + self.drift_ppm as i128) / PPM;
        self.anchor_mono + local as u64
    }
}

/// Whether a drift rate keeps the clock moving forwards.
pub fn valid_drift(ppm: i64) -> bool {
    ppm > -(PPM as i64)
}

impl NodeClock {
    /// A clock whose readings start at zero (monotonic) and `offset` (wall) when
    /// the world starts.
    pub fn new(settings: ClockSettings) -> NodeClock {
        assert!(valid_drift(settings.drift_ppm), "clock drift must be above -1e6 ppm");
        NodeClock {
            state: Mutex::new(ClockState {
                anchor_global: 0,
                anchor_mono: 0,
                drift_ppm: settings.drift_ppm,
                wall_offset: settings.offset_ns,
            }),
        }
    }

    fn state(&self) -> ClockState {
        *self.state.lock().expect("clock lock poisoned")
    }

    /// Local monotonic time since the world started.
    pub fn monotonic(&self) -> Duration {
        Duration::from_nanos(self.state().monotonic_at(SimTime::now().0))
    }

    /// Local wall-clock time in nanoseconds.
    pub fn wall(&self) -> WallNanos {
        let s = self.state();
        s.monotonic_at(SimTime::now().0) as i64 + s.wall_offset
    }

    pub fn drift_ppm(&self) -> i64 {
        self.state().drift_ppm
    }

    /// Change the drift rate from now on (readings stay continuous).
    pub fn set_drift(&self, ppm: i64) {
        assert!(valid_drift(ppm), "clock drift must be above -1e6 ppm");
        let now = SimTime::now().0;
        let mut s = self.state.lock().expect("clock lock poisoned");
        s.anchor_mono = s.monotonic_at(now);
        s.anchor_global = now;
        s.drift_ppm = ppm;
    }

    /// Step the wall clock by `delta_ns` (the monotonic reading is unaffected).
    pub fn jump(&self, delta_ns: i64) {
        self.state.lock().expect("clock lock poisoned").wall_offset += delta_ns;
    }

    /// Global time that passes while this clock advances by `local` at its current rate
    /// (rounded up, so the local reading has advanced at least `local` afterwards).
    fn global_for(&self, local: Duration) -> Duration {
        let rate = PPM + self.state().drift_ppm as i128;
        let local = local.as_nanos() as i128;
        Duration::from_nanos(((local * PPM + rate - 1) / rate) as u64)
    }

    /// Sleep until this clock's monotonic reading has advanced by `local`.
    ///
    /// Re-checks after waking, so a drift change during the sleep is honoured.
    pub async fn sleep(&self, local: Duration) {
        let deadline = self.monotonic() + local;
        loop {
            let now = self.monotonic();
            if now >= deadline {
                return;
            }
            madsim::time::sleep(self.global_for(deadline - now)).await;
        }
    }

    /// Run `fut`, giving up when this clock has advanced by `local`.
    pub async fn timeout<F: Future>(&self, local: Duration, fut: F) -> Result<F::Output, TimedOut> {
        madsim::time::timeout(self.global_for(local), fut).await.map_err(|_| TimedOut)
    }
}

/// A call or wait ran past its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimedOut;

#[cfg(test)]
mod tests {
    use super::*;

    fn state(drift_ppm: i64) -> ClockState {
        ClockState { anchor_global: 0, anchor_mono: 0, drift_ppm, wall_offset: 0 }
    }

    #[test]
    fn drift_scales_elapsed_time() {
        assert_eq!(state(0).monotonic_at(1_000_000_000), 1_000_000_000);
        // +1000 ppm: one global second reads as 1.001 local seconds.
        assert_eq!(state(1_000).monotonic_at(1_000_000_000), 1_001_000_000);
        assert_eq!(state(-500_000).monotonic_at(1_000_000_000), 500_000_000);
    }

    #[test]
    fn drawn_clocks_are_a_function_of_the_stream_and_within_the_spread() {
        let spread = ClockSpread::default();
        let draw = |seed, name: &str| spread.draw(&mut crate::rng::stream(seed, name), ClockSettings::default());
        assert_eq!(draw(1, "clocks/client-1"), draw(1, "clocks/client-1"));
        assert_ne!(draw(1, "clocks/client-1"), draw(1, "clocks/client-2"));
        assert_ne!(draw(1, "clocks/client-1"), draw(2, "clocks/client-1"));
        let (mut offsets, mut drifts) = (Vec::new(), Vec::new());
        for seed in 0..500 {
            let c = draw(seed, "clocks/n");
            assert!(c.offset_ns.abs() <= 10_000_000 && c.drift_ppm.abs() <= 15, "{c:?}");
            offsets.push(c.offset_ns);
            drifts.push(c.drift_ppm);
        }
        // Both signs and both ends of the range are drawn.
        assert!(offsets.iter().any(|&o| o < -9_000_000) && offsets.iter().any(|&o| o > 9_000_000));
        assert!(drifts.contains(&-15) && drifts.contains(&15));
    }

    #[test]
    fn spreads_of_zero_give_the_settings_given_and_draws_add_to_them() {
        let given = ClockSettings { offset_ns: 5, drift_ppm: 100 };
        for seed in 0..20 {
            let rng = &mut crate::rng::stream(seed, "clocks/n");
            assert_eq!(ClockSpread::NONE.draw(rng, given), given);
            assert_eq!(ClockSpread::NONE.draw(rng, ClockSettings::default()), ClockSettings::default());
            let c = ClockSpread::new(1, 10).draw(rng, given);
            assert!((c.offset_ns - 5).abs() <= 1_000_000 && (c.drift_ppm - 100).abs() <= 10, "{c:?}");
        }
        // The widest spreads still give a clock that moves forwards.
        let slow = ClockSettings { offset_ns: i64::MIN, drift_ppm: -999_999 };
        let c = ClockSpread { offset_ns: u64::MAX, drift_ppm: u64::MAX }.draw(&mut crate::rng::stream(0, "x"), slow);
        assert!(valid_drift(c.drift_ppm));
    }

    #[test]
    fn drift_must_keep_the_clock_moving() {
        assert!(valid_drift(-999_999));
        assert!(!valid_drift(-1_000_000));
    }
}
