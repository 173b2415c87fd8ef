//! An experiment as the user asked for it, before validation: from the
//! command line (`cli::spec`), a scenario file (`crate::config`) or a
//! report's manifest, which saves it so the report can be rebuilt, merged
//! and resumed. Its serde form is both the manifest's format and the
//! scenario file's (a file may write `params`, `workload_params` and `scenario_params` as
//! tables); keys left out take their defaults. The numeric settings are
//! declared in [`crate::spec::knobs`]; `Experiment::new` validates everything.

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

use algorithms::params::{quote, Params};
use sim::net::MAX_LATENCY_MS;
use sim::world::{NetworkSettings, Transport};

use crate::fault_rules::FaultRule;
use crate::plan::PlanEntry;

pub mod knobs;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExperimentSpec {
    pub algorithm: String,
    pub scenario: String,
    pub workload: String,
    pub clients: u32,
    pub stock: i64,
    pub duration_s: u64,
    /// The design's parameters, `key=value`.
    #[serde(deserialize_with = "pairs")]
    pub params: Vec<String>,
    pub network: NetworkSpec,
    /// A custom fault profile named `scenario` (from a scenario file); empty
    /// for a built-in scenario.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<FaultRule>,
    /// An exact fault plan (`[[plan]]`, [`crate::plan`]), played for every
    /// seed instead of a scenario's draws.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub plan: Vec<PlanEntry>,
    /// The scenario file this came from, for replay commands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
    /// `None`: the workload's natural pattern.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<PatternName>,
    /// The `timeout` pattern's bound on one acquire.
    pub timeout_ms: u64,
    /// Clients re-enter the lock they hold (client-side reentrancy).
    pub reentrant: bool,
    /// The workload's own parameters, `key=value`.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "pairs")]
    pub workload_params: Vec<String>,
    /// A built-in scenario's fixed fault sizes, `key=value` (the others are
    /// drawn per seed; [`crate::sizes`]).
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "pairs")]
    pub scenario_params: Vec<String>,
    /// After the fault phase, how long the healed world has to make progress.
    pub liveness_s: u64,
    /// Nodes' clocks start up to this many milliseconds apart from true time (±).
    pub clock_offset_ms: u64,
    /// Nodes' clocks run up to this many parts per million fast or slow (±).
    pub clock_drift_ppm: u64,
}

impl Default for ExperimentSpec {
    fn default() -> Self {
        let mut spec = ExperimentSpec {
            algorithm: "cache".into(),
            scenario: "none".into(),
            workload: "inventory".into(),
            clients: 0,
            stock: 0,
            duration_s: 0,
            params: Vec::new(),
            network: NetworkSpec::default(),
            faults: Vec::new(),
            plan: Vec::new(),
            config: None,
            pattern: None,
            timeout_ms: 0,
            reentrant: false,
            workload_params: Vec::new(),
            scenario_params: Vec::new(),
            liveness_s: 0,
            clock_offset_ms: 0,
            clock_drift_ppm: 0,
        };
        knobs::apply_defaults(&mut spec);
        spec
    }
}

/// `key=value` pairs: a list (the manifest) or a table of strings, whole
/// numbers and booleans (a scenario file), in key order.
pub(crate) fn pairs<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct Pairs;
    impl<'de> Visitor<'de> for Pairs {
        type Value = Vec<String>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a table of key = value settings")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
            let mut list = Vec::new();
            while let Some(pair) = seq.next_element::<String>()? {
                list.push(pair);
            }
            Ok(list)
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<String>, A::Error> {
            #[derive(Deserialize)]
            #[serde(untagged)]
            enum Scalar {
                Text(String),
                Number(i64),
                Flag(bool),
            }
            let mut table = BTreeMap::new();
            while let Some(key) = map.next_key::<String>()? {
                let value = map.next_value::<Scalar>().map_err(|_| {
                    de::Error::custom(format!("{} must be a whole number, true/false or a string", quote(&key)))
                })?;
                let text = match value {
                    Scalar::Text(s) => s,
                    Scalar::Number(n) => n.to_string(),
                    Scalar::Flag(b) => b.to_string(),
                };
                table.insert(key, text);
            }
            Ok(table.into_iter().map(|(k, v)| format!("{k}={v}")).collect())
        }
    }
    d.deserialize_any(Pairs)
}

impl ExperimentSpec {
    /// The names a report gives this cell: the design with its parameters
    /// (`database(fencing=true)`), the scenario, and the workload with its
    /// parameters and pattern (`transfer(ordering=false,pattern=timeout:500ms)`),
    /// so variants are distinct cells.
    pub fn cell_names(&self) -> [String; 3] {
        // Parsed, so `key = value` and `key=value` name one setting (specs
        // that do not parse never become cells).
        let pairs = |given: &[String]| Params::parse(given).map_or_else(|_| given.to_vec(), |p| p.pairs());
        let mut settings = pairs(&self.workload_params);
        match self.pattern {
            Some(PatternName::Timeout) => settings.push(format!("pattern=timeout:{}ms", self.timeout_ms)),
            Some(p) => settings.push(format!("pattern={}", p.name())),
            None => {}
        }
        if self.reentrant {
            settings.push("reentrant".into());
        }
        let scenario = label(&self.scenario, pairs(&self.scenario_params));
        [label(&self.algorithm, pairs(&self.params)), scenario, label(&self.workload, settings)]
    }
}

fn label(name: &str, settings: Vec<String>) -> String {
    if settings.is_empty() {
        name.into()
    } else {
        format!("{name}({})", settings.join(","))
    }
}

/// How clients acquire a lock (`--pattern`, `pattern = "..."`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum PatternName {
    /// One attempt; returns at once.
    Try,
    /// Retry until --timeout-ms; an unknown outcome is released.
    Timeout,
    /// Retry until acquired.
    Blocking,
}

impl PatternName {
    pub const ALL: [PatternName; 3] = [PatternName::Try, PatternName::Timeout, PatternName::Blocking];

    pub fn name(self) -> &'static str {
        match self {
            PatternName::Try => "try",
            PatternName::Timeout => "timeout",
            PatternName::Blocking => "blocking",
        }
    }

    pub fn summary(self) -> &'static str {
        match self {
            PatternName::Try => "one attempt; returns at once",
            PatternName::Timeout => "retry until --timeout-ms; an unknown outcome is released",
            PatternName::Blocking => "retry until acquired",
        }
    }
}

/// The network as a scenario file or the manifest states it (a key left out
/// keeps its default).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkSpec {
    pub latency_min_ms: u64,
    pub latency_max_ms: u64,
    pub loss_percent: u32,
    /// `stream` (TCP-like, the default) or `datagram` (see `sim::net`).
    pub transport: Transport,
}

impl Default for NetworkSpec {
    fn default() -> Self {
        let n = NetworkSettings::default();
        NetworkSpec {
            latency_min_ms: n.latency_min.as_millis() as u64,
            latency_max_ms: n.latency_max.as_millis() as u64,
            loss_percent: 0,
            transport: Transport::default(),
        }
    }
}

impl NetworkSpec {
    pub fn settings(self) -> Result<NetworkSettings, String> {
        if self.latency_min_ms > self.latency_max_ms {
            return Err("network: latency_min_ms must not exceed latency_max_ms".into());
        }
        if self.latency_max_ms > MAX_LATENCY_MS {
            return Err(format!("network: latency_max_ms must be at most {MAX_LATENCY_MS} (a minute)"));
        }
        if self.loss_percent >= 100 {
            return Err("network: loss_percent must be below 100 (nothing would ever arrive)".into());
        }
        Ok(NetworkSettings {
            loss: self.loss_percent as f64 / 100.0,
            latency_min: Duration::from_millis(self.latency_min_ms),
            latency_max: Duration::from_millis(self.latency_max_ms),
        })
    }
}
