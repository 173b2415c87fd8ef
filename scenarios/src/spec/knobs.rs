//! The experiment's numeric settings (clients, stock, duration, the timeout
//! pattern's bound, the liveness bound, the spreads of the nodes' starting
//! clock offsets and drifts), each declared once in [`KNOBS`]:
//! its command-line flag, its key in scenario files and manifests, its
//! default, its range and its help. The CLI flags ([`KnobArgs`]), the
//! defaults of [`ExperimentSpec`], the validation every spec goes through
//! (command line, scenario file or a report's manifest alike) and the replay
//! command all derive from that one table. Every range is bounded, so no
//! value a user can give overflows the durations and counts it feeds.
//!
//! The values live in [`ExperimentSpec`]'s fields (the manifest's stable
//! format); a knob reads and writes its field through `get` / `set`.

use clap::{Arg, ArgMatches, Args, Command, FromArgMatches};

use super::ExperimentSpec;

/// One numeric setting of an experiment.
pub struct Knob {
    /// The key in scenario files and manifests (`duration_s`), and the clap id.
    pub key: &'static str,
    /// The long flag, without dashes (`duration`).
    pub flag: &'static str,
    pub value_name: &'static str,
    pub help: &'static str,
    pub default: u64,
    pub min: u64,
    pub max: u64,
    pub get: fn(&ExperimentSpec) -> u64,
    pub set: fn(&mut ExperimentSpec, u64),
}

/// A week, in seconds: the longest simulated phase a run may ask for (the
/// same week that bounds every duration parameter).
const WEEK_S: u64 = algorithms::params::MAX_MS / 1000;

pub const CLIENTS: Knob = Knob {
    key: "clients",
    flag: "clients",
    value_name: "N",
    help: "Number of client nodes",
    default: 5,
    min: 1,
    // Memory grows with clients; past this a run does not fit a test machine.
    max: 10_000,
    get: |s| s.clients.into(),
    set: |s, v| s.clients = v as u32,
};

pub const STOCK: Knob = Knob {
    key: "stock",
    flag: "stock",
    value_name: "UNITS",
    help: "Units of stock the inventory starts with",
    default: 100_000,
    min: 1,
    max: 1_000_000_000_000,
    get: |s| s.stock as u64,
    set: |s, v| s.stock = v as i64,
};

pub const DURATION: Knob = Knob {
    key: "duration_s",
    flag: "duration",
    value_name: "SECS",
    help: "Simulated seconds per seed (the fault phase)",
    default: 60,
    min: 1,
    max: WEEK_S,
    get: |s| s.duration_s,
    set: |s, v| s.duration_s = v,
};

pub const TIMEOUT: Knob = Knob {
    key: "timeout_ms",
    flag: "timeout-ms",
    value_name: "MS",
    help: "The timeout pattern's bound on one acquire, in milliseconds",
    default: 1000,
    min: 1,
    max: algorithms::params::MAX_MS,
    get: |s| s.timeout_ms,
    set: |s, v| s.timeout_ms = v,
};

pub const LIVENESS: Knob = Knob {
    key: "liveness_s",
    flag: "liveness",
    value_name: "SECS",
    help: "After the fault phase every fault is healed; simulated seconds allowed to make progress again",
    // Three default TTLs / leases: a lock left by a dead holder has expired by then.
    default: 30,
    min: 1,
    max: WEEK_S,
    get: |s| s.liveness_s,
    set: |s, v| s.liveness_s = v,
};

pub const CLOCK_OFFSET: Knob = Knob {
    key: "clock_offset_ms",
    flag: "clock-offset-ms",
    value_name: "MS",
    help: "Each node's wall clock starts up to this far (±) from true time, drawn per node; 0 for perfect clocks",
    // Typical NTP over the internet (sim::clock's module doc has the sources).
    default: sim::clock::DEFAULT_OFFSET_MS,
    min: 0,
    // A day: far beyond any NTP-disciplined clock, enough for a broken one.
    max: 86_400_000,
    get: |s| s.clock_offset_ms,
    set: |s, v| s.clock_offset_ms = v,
};

pub const CLOCK_DRIFT: Knob = Knob {
    key: "clock_drift_ppm",
    flag: "clock-drift-ppm",
    value_name: "PPM",
    help: "Each node's clock runs up to this fast or slow (±, parts per million), drawn per node; 0 for perfect clocks",
    // RFC 5905's frequency tolerance PHI (sim::clock's module doc).
    default: sim::clock::DEFAULT_DRIFT_PPM,
    min: 0,
    // Half speed to 1.5x: a clock must keep moving forwards (above -1e6 ppm).
    max: 500_000,
    get: |s| s.clock_drift_ppm,
    set: |s, v| s.clock_drift_ppm = v,
};

/// Every numeric knob, in the order help, scenario files and replay commands list them.
pub static KNOBS: [Knob; 7] = [CLIENTS, STOCK, DURATION, TIMEOUT, LIVENESS, CLOCK_OFFSET, CLOCK_DRIFT];

impl Knob {
    /// `value` if it is in range; otherwise one line naming the flag and key.
    pub fn check(&self, value: u64) -> Result<u64, String> {
        if self.accepts(value) {
            Ok(value)
        } else {
            Err(format!("--{} ({} in a scenario file) {}, got {value}", self.flag, self.key, self.range()))
        }
    }

    fn accepts(&self, value: u64) -> bool {
        (self.min..=self.max).contains(&value)
    }

    fn range(&self) -> String {
        format!("must be a whole number from {} to {}", self.min, self.max)
    }

    /// Parse a command-line value (clap's message adds the flag).
    fn parse(&self, raw: &str) -> Result<u64, String> {
        match raw.parse::<u64>() {
            Ok(v) if self.accepts(v) => Ok(v),
            _ => Err(self.range()),
        }
    }
}

/// Check every knob of `spec` is in range.
pub fn validate(spec: &ExperimentSpec) -> Result<(), String> {
    KNOBS.iter().try_for_each(|k| k.check((k.get)(spec)).map(drop))
}

/// The spec's defaults for every knob.
pub fn apply_defaults(spec: &mut ExperimentSpec) {
    KNOBS.iter().for_each(|k| (k.set)(spec, k.default));
}

/// Command-line words giving every knob of `spec` that is not at its default.
pub fn replay_flags(spec: &ExperimentSpec) -> String {
    KNOBS.iter().filter(|k| (k.get)(spec) != k.default).map(|k| format!(" --{} {}", k.flag, (k.get)(spec))).collect()
}

/// The knobs given on the command line (flags built from [`KNOBS`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KnobArgs {
    /// `(index into KNOBS, value)` of each flag given.
    given: Vec<(usize, u64)>,
}

impl KnobArgs {
    /// Set the given knobs in `spec` (the others keep its values).
    pub fn apply(&self, spec: &mut ExperimentSpec) {
        self.given.iter().for_each(|&(i, v)| (KNOBS[i].set)(spec, v));
    }
}

impl FromArgMatches for KnobArgs {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut args = KnobArgs::default();
        args.update_from_arg_matches(matches)?;
        Ok(args)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        for (i, knob) in KNOBS.iter().enumerate() {
            if let Some(&v) = matches.get_one::<u64>(knob.key) {
                self.given.retain(|(j, _)| *j != i);
                self.given.push((i, v));
            }
        }
        Ok(())
    }
}

impl Args for KnobArgs {
    fn augment_args(cmd: Command) -> Command {
        KNOBS.iter().fold(cmd, |cmd, knob: &'static Knob| {
            cmd.arg(
                Arg::new(knob.key)
                    .long(knob.flag)
                    .value_name(knob.value_name)
                    .help(format!("{} [default: {}; {}..={}]", knob.help, knob.default, knob.min, knob.max))
                    .value_parser(move |raw: &str| knob.parse(raw))
                    .allow_hyphen_values(true)
                    .conflicts_with("config"),
            )
        })
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_knob_reads_and_writes_its_own_field_and_defaults_in_range() {
        for (i, knob) in KNOBS.iter().enumerate() {
            assert!(knob.check(knob.default).is_ok(), "{}", knob.key);
            let mut spec = ExperimentSpec::default();
            assert_eq!((knob.get)(&spec), knob.default, "{}", knob.key);
            (knob.set)(&mut spec, knob.default + 1);
            assert_eq!((knob.get)(&spec), knob.default + 1, "{}", knob.key);
            // No other knob moved.
            for (j, other) in KNOBS.iter().enumerate().filter(|(j, _)| *j != i) {
                assert_eq!((other.get)(&spec), other.default, "{} moved {}", knob.key, KNOBS[j].key);
            }
        }
    }

    #[test]
    fn out_of_range_values_name_the_flag_and_the_key() {
        assert_eq!(
            DURATION.check(18446744073709551615).unwrap_err(),
            "--duration (duration_s in a scenario file) must be a whole number from 1 to 604800, got 18446744073709551615"
        );
        assert!(CLIENTS.check(0).is_err());
        assert!(CLIENTS.parse("-1").is_err() && CLIENTS.parse("x").is_err() && CLIENTS.parse("7") == Ok(7));
    }
}
