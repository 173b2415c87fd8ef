//! Custom fault profiles for scenario files: each rule says what kind of
//! fault, aimed at what, how many per seed, how long and when, as ranges the
//! seed draws from (integers only, so a plan is the same on every machine).
//! A list of rules is a scenario like the built-in ones.

use rand::Rng;
use serde::{Deserialize, Serialize};
use std::time::Duration;

use sim::fault::{Fault, Peers, Shape, Target, TimedFault, Trigger};
use sim::net::MAX_LATENCY_MS;
use sim::rng::SimRng;
use sim::world::NetworkSettings;

use crate::draw::uniform;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleKind {
    Pause,
    Crash,
    Partition,
    Network,
    ClockJump,
    ClockDrift,
    MemoryPressure,
    Slow,
    ClockStrobe,
}

fn shape_name(shape: ShapeName) -> &'static str {
    match shape {
        ShapeName::Isolate => "isolate",
        ShapeName::Groups => "groups",
        ShapeName::FromServers => "from-servers",
        ShapeName::PrimaryWith => "primary-with",
        ShapeName::MajoritiesRing => "majorities-ring",
        ShapeName::Bridge => "bridge",
        ShapeName::RandomHalves => "random-halves",
    }
}

impl RuleKind {
    pub fn name(self) -> &'static str {
        match self {
            RuleKind::Pause => "pause",
            RuleKind::Crash => "crash",
            RuleKind::Partition => "partition",
            RuleKind::Network => "network",
            RuleKind::ClockJump => "clock-jump",
            RuleKind::ClockDrift => "clock-drift",
            RuleKind::MemoryPressure => "memory-pressure",
            RuleKind::Slow => "slow",
            RuleKind::ClockStrobe => "clock-strobe",
        }
    }
}

/// A partition's shape as scenario files name it ([`Shape`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ShapeName {
    Isolate,
    Groups,
    FromServers,
    PrimaryWith,
    MajoritiesRing,
    Bridge,
    RandomHalves,
}

/// One fault rule. Ranges are `[low, high]`, inclusive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    pub kind: RuleKind,
    /// holder | random-client | primary | random-server | every-server | node:NAME
    #[serde(default = "default_target")]
    pub target: String,
    /// How many faults of this rule per seed.
    #[serde(default = "one")]
    pub count: [u32; 2],
    /// How long each lasts (pause, crash until restart, partition, network,
    /// clock drift, memory pressure, clock strobe).
    #[serde(default = "default_duration")]
    pub duration_ms: [u64; 2],
    /// When each starts, in percent of the run.
    #[serde(default = "default_at")]
    pub at_percent: [u32; 2],
    /// crash: keep the disk (default true).
    #[serde(default)]
    pub durable: Option<bool>,
    /// partition: cut the target off from `all` (default) or only the lock `servers`.
    #[serde(default)]
    pub from: Option<Peers>,
    /// network: message loss in percent.
    #[serde(default)]
    pub loss_percent: Option<[u32; 2]>,
    /// network: the worst one-way latency.
    #[serde(default)]
    pub latency_max_ms: Option<[u64; 2]>,
    /// clock-jump: how far the wall clock steps (negative goes back);
    /// clock-strobe: how far each step away goes.
    #[serde(default)]
    pub jump_ms: Option<[i64; 2]>,
    /// clock-drift: the rate error in parts per million.
    #[serde(default)]
    pub drift_ppm: Option<[i64; 2]>,
    /// partition: which links it cuts (default `isolate`: the target cut off from `from`).
    #[serde(default)]
    pub shape: Option<ShapeName>,
    /// partition, shape = "groups": the two groups, each a list of targets.
    #[serde(default)]
    pub groups: Option<Vec<Vec<String>>>,
    /// partition, shape = "from-servers": how many lock servers the target is cut from.
    #[serde(default)]
    pub servers: Option<[u32; 2]>,
    /// partition, shape = "primary-with": how many clients (holders first) share the primary's side.
    #[serde(default)]
    pub clients: Option<[u32; 2]>,
    /// partition: lose only the messages from the first group (the target) to the second.
    #[serde(default)]
    pub one_way: Option<bool>,
    /// Start at the first mark of this protocol moment after the drawn time
    /// (`cs-enter`, `lock-checked`, or one the design lists), not at the time itself.
    #[serde(default)]
    pub when: Option<String>,
    /// Only a mark by this node counts (node:NAME, client:N, server:N).
    #[serde(default)]
    pub when_by: Option<String>,
    /// How long after the mark the fault starts.
    #[serde(default)]
    pub delay_ms: Option<[u64; 2]>,
    /// clock-strobe: how long the clock stays away, and then back, per step.
    #[serde(default)]
    pub period_ms: Option<[u64; 2]>,
    /// slow: the latency added to every message to or from the target.
    #[serde(default)]
    pub extra_latency_ms: Option<[u64; 2]>,
}

fn default_target() -> String {
    "holder".into()
}
fn one() -> [u32; 2] {
    [1, 1]
}
fn default_duration() -> [u64; 2] {
    [1_000, 1_000]
}
fn default_at() -> [u32; 2] {
    [5, 80]
}

/// A target name as written in scenario files.
pub fn parse_target(name: &str) -> Result<Target, String> {
    Ok(match name {
        "holder" => Target::Holder,
        "random-client" => Target::RandomClient,
        "primary" => Target::Primary,
        "random-server" => Target::RandomServer,
        "every-server" => Target::EveryServer,
        "every-client" => Target::EveryClient,
        "triggering" => Target::Triggering,
        _ => {
            let index = |prefix: &str| name.strip_prefix(prefix).and_then(|i| i.parse::<u32>().ok());
            match (name.strip_prefix("node:"), index("client:"), index("server:")) {
                (Some(node), _, _) if !node.is_empty() => Target::Node(node.into()),
                (_, Some(i), _) => Target::Client(i),
                (_, _, Some(i)) => Target::Server(i),
                _ => return Err(format!("target '{name}' is not one of {TARGETS}")),
            }
        }
    })
}

/// Every target scenario files can name.
const TARGETS: &str =
    "holder, random-client, primary, random-server, every-server, every-client, triggering, node:NAME, client:N, server:N";

/// The most faults one rule may draw per seed.
const MAX_COUNT: u32 = 1000;
/// The farthest a clock may jump: thirty days either way.
const MAX_JUMP_MS: i64 = 30 * 24 * 3600 * 1000;
/// The fastest a clock may run: ten times true time.
const MAX_DRIFT_PPM: i64 = 9_000_000;

fn ordered<T: PartialOrd + std::fmt::Display>(field: &str, [lo, hi]: [T; 2]) -> Result<(), String> {
    if lo > hi {
        return Err(format!("{field} = [{lo}, {hi}]: the low end is above the high end"));
    }
    Ok(())
}

/// `range` is ordered and inside `min..=max`.
fn within<T: PartialOrd + std::fmt::Display + Copy>(field: &str, range: [T; 2], min: T, max: T) -> Result<(), String> {
    ordered(field, range)?;
    if range[0] < min || range[1] > max {
        return Err(format!("{field} = [{}, {}]: must lie within {min} to {max}", range[0], range[1]));
    }
    Ok(())
}

impl FaultRule {
    /// Check the rule can be drawn; the error names the field.
    pub fn validate(&self) -> Result<(), String> {
        parse_target(&self.target).map_err(|e| format!("target: {e}"))?;
        within("count", self.count, 0, MAX_COUNT)?;
        within("duration_ms", self.duration_ms, 0, algorithms::params::MAX_MS)?;
        ordered("at_percent", self.at_percent)?;
        if self.at_percent[1] > 100 {
            return Err(format!("at_percent = {:?}: a fault must start within the run (0 to 100)", self.at_percent));
        }
        let needs = |field: &str, present: bool| {
            if present {
                Ok(())
            } else {
                Err(format!("{field} is required for kind = \"{}\"", self.kind.name()))
            }
        };
        match self.kind {
            RuleKind::Network => {
                let loss = self.loss_percent.unwrap_or([0, 0]);
                ordered("loss_percent", loss)?;
                if loss[1] > 100 {
                    return Err(format!("loss_percent = {loss:?}: loss is at most 100"));
                }
                needs("latency_max_ms", self.latency_max_ms.is_some())?;
                within("latency_max_ms", self.latency_max_ms.unwrap_or_default(), 0, MAX_LATENCY_MS)?;
            }
            RuleKind::ClockJump => {
                needs("jump_ms", self.jump_ms.is_some())?;
                within("jump_ms", self.jump_ms.unwrap_or_default(), -MAX_JUMP_MS, MAX_JUMP_MS)?;
            }
            RuleKind::ClockDrift => {
                needs("drift_ppm", self.drift_ppm.is_some())?;
                let drift = self.drift_ppm.unwrap_or_default();
                if !sim::clock::valid_drift(drift[0]) {
                    return Err(format!("drift_ppm = {drift:?}: a clock must move forwards (above -1000000)"));
                }
                within("drift_ppm", drift, -999_999, MAX_DRIFT_PPM)?;
            }
            RuleKind::ClockStrobe => {
                needs("jump_ms", self.jump_ms.is_some())?;
                within("jump_ms", self.jump_ms.unwrap_or_default(), -MAX_JUMP_MS, MAX_JUMP_MS)?;
                needs("period_ms", self.period_ms.is_some())?;
                within("period_ms", self.period_ms.unwrap_or_default(), 1, algorithms::params::MAX_MS)?;
            }
            RuleKind::Slow => {
                needs("extra_latency_ms", self.extra_latency_ms.is_some())?;
                within("extra_latency_ms", self.extra_latency_ms.unwrap_or_default(), 0, MAX_LATENCY_MS)?;
            }
            _ => {}
        }
        self.validate_partition()?;
        self.validate_trigger()
    }

    fn validate_partition(&self) -> Result<(), String> {
        let shape = self.shape.unwrap_or(ShapeName::Isolate);
        let partition = self.kind == RuleKind::Partition;
        let only = |field: &str, present: bool, applies: bool, to: &str| {
            if present && !applies {
                Err(format!("{field} applies only to {to}"))
            } else {
                Ok(())
            }
        };
        only("shape", self.shape.is_some(), partition, "kind = \"partition\"")?;
        only("one_way", self.one_way.is_some(), partition, "kind = \"partition\"")?;
        only("from", self.from.is_some(), partition, "kind = \"partition\"")?;
        only("from", self.from.is_some(), shape == ShapeName::Isolate, "shape = \"isolate\"")?;
        only("groups", self.groups.is_some(), partition && shape == ShapeName::Groups, "shape = \"groups\"")?;
        only(
            "servers",
            self.servers.is_some(),
            partition && shape == ShapeName::FromServers,
            "shape = \"from-servers\"",
        )?;
        only(
            "clients",
            self.clients.is_some(),
            partition && shape == ShapeName::PrimaryWith,
            "shape = \"primary-with\"",
        )?;
        if !partition {
            return Ok(());
        }
        let needs = |field: &str, present: bool| {
            if present {
                Ok(())
            } else {
                Err(format!("{field} is required for shape = \"{}\"", shape_name(shape)))
            }
        };
        match shape {
            ShapeName::Groups => {
                needs("groups", self.groups.is_some())?;
                let groups = self.groups.as_deref().unwrap_or_default();
                if groups.len() != 2 || groups.iter().any(|g| g.is_empty()) {
                    return Err("groups must be two non-empty lists of targets, e.g. [[\"client:0\"], [\"server:3\", \"server:4\"]]".into());
                }
                for target in groups.iter().flatten() {
                    parse_target(target).map_err(|e| format!("groups: {e}"))?;
                }
            }
            ShapeName::FromServers => {
                needs("servers", self.servers.is_some())?;
                within("servers", self.servers.unwrap_or_default(), 1, MAX_COUNT)?;
            }
            ShapeName::PrimaryWith => {
                needs("clients", self.clients.is_some())?;
                within("clients", self.clients.unwrap_or_default(), 0, MAX_COUNT)?;
            }
            _ => {}
        }
        let generated = matches!(shape, ShapeName::MajoritiesRing | ShapeName::Bridge | ShapeName::RandomHalves);
        if self.one_way == Some(true) && generated {
            return Err(format!(
                "one_way does not apply to shape = \"{}\" (the generator says which way each link is cut)",
                shape_name(shape)
            ));
        }
        Ok(())
    }

    fn validate_trigger(&self) -> Result<(), String> {
        if let Some(by) = &self.when_by {
            if self.when.is_none() {
                return Err("when_by needs when (the mark to wait for)".into());
            }
            if !parse_target(by).map_err(|e| format!("when_by: {e}"))?.is_one_node() {
                return Err(format!("when_by = '{by}': must name one node (node:NAME, client:N, server:N)"));
            }
        }
        if self.delay_ms.is_some() && self.when.is_none() {
            return Err("delay_ms needs when (the mark it counts from)".into());
        }
        within("delay_ms", self.delay_ms.unwrap_or_default(), 0, algorithms::params::MAX_MS)?;
        if self.when.is_none() && self.target == "triggering" {
            return Err("target 'triggering' needs when (the mark whose node it hits)".into());
        }
        if self.when.is_none() && self.groups.iter().flatten().flatten().any(|t| t == "triggering") {
            return Err("groups: 'triggering' needs when (the mark whose node it hits)".into());
        }
        Ok(())
    }

    /// Check what depends on the run's `duration` (call after [`FaultRule::validate`]):
    /// a clock cannot step back further than it has run, so the lowest
    /// `jump_ms` of a clock-jump or clock-strobe rule must not go back past
    /// the earliest start the rule allows (`at_percent[0]` of the run).
    pub fn validate_for_run(&self, duration: Duration) -> Result<(), String> {
        let (RuleKind::ClockJump | RuleKind::ClockStrobe, Some([lowest, _])) = (self.kind, self.jump_ms) else {
            return Ok(());
        };
        // Whole milliseconds, rounded down like the draw's start (u128: no overflow).
        let earliest_ms = duration.as_millis() * u128::from(self.at_percent[0]) / 100;
        if lowest < 0 && u128::from(lowest.unsigned_abs()) > earliest_ms {
            return Err(format!(
                "jump_ms = {:?}: a clock cannot step back {} ms when the earliest start (at_percent {}% of {} s) is {earliest_ms} ms into the run",
                self.jump_ms.unwrap_or_default(),
                lowest.unsigned_abs(),
                self.at_percent[0],
                duration.as_secs()
            ));
        }
        Ok(())
    }

    /// The nodes this rule names (`node:NAME`), each with the key that names it.
    pub fn named_nodes(&self) -> Vec<(&'static str, &str)> {
        let mut named: Vec<(&'static str, &str)> =
            self.target.strip_prefix("node:").map(|n| ("target", n)).into_iter().collect();
        named.extend(
            self.groups.iter().flatten().flatten().filter_map(|t| t.strip_prefix("node:")).map(|n| ("groups", n)),
        );
        named.extend(self.when_by.as_deref().and_then(|t| t.strip_prefix("node:")).map(|n| ("when_by", n)));
        named
    }

    /// The partition's shape, with its counts drawn.
    fn draw_shape(&self, rng: &mut SimRng, target: &Target) -> Shape {
        let targets = |g: &[String]| g.iter().map(|t| parse_target(t).expect("validated")).collect();
        match self.shape.unwrap_or(ShapeName::Isolate) {
            ShapeName::Isolate => Shape::Isolate { side: vec![target.clone()], from: self.from.unwrap_or_default() },
            ShapeName::Groups => {
                let groups = self.groups.as_deref().expect("validated");
                Shape::Groups { a: targets(&groups[0]), b: targets(&groups[1]) }
            }
            ShapeName::FromServers => {
                let [lo, hi] = self.servers.expect("validated");
                Shape::FromServers { node: target.clone(), count: rng.gen_range(lo..=hi) }
            }
            ShapeName::PrimaryWith => {
                let [lo, hi] = self.clients.expect("validated");
                Shape::PrimaryWith { clients: rng.gen_range(lo..=hi) }
            }
            ShapeName::MajoritiesRing => Shape::MajoritiesRing,
            ShapeName::Bridge => Shape::Bridge,
            ShapeName::RandomHalves => Shape::RandomHalves,
        }
    }

    /// The trigger the rule waits for, with its delay drawn.
    fn draw_trigger(&self, rng: &mut SimRng) -> Option<Trigger> {
        let mark = self.when.clone()?;
        let by = self.when_by.as_deref().map(|t| parse_target(t).expect("validated"));
        let [lo, hi] = self.delay_ms.unwrap_or([0, 0]);
        Some(Trigger { mark, by, delay: uniform(rng, Duration::from_millis(lo), Duration::from_millis(hi)) })
    }

    /// The faults this rule draws for one seed of a run lasting `duration`.
    pub fn draw(&self, rng: &mut SimRng, duration: Duration) -> Vec<TimedFault> {
        let target = parse_target(&self.target).expect("validated");
        let count = rng.gen_range(self.count[0]..=self.count[1]);
        (0..count)
            .map(|_| {
                let at = uniform(rng, duration * self.at_percent[0] / 100, duration * self.at_percent[1] / 100);
                let [lo, hi] = self.duration_ms;
                let length = uniform(rng, Duration::from_millis(lo), Duration::from_millis(hi));
                let fault = match self.kind {
                    RuleKind::Pause => Fault::Pause { target: target.clone(), duration: length },
                    RuleKind::Crash => Fault::Crash {
                        target: target.clone(),
                        restart_after: Some(length),
                        durable: self.durable.unwrap_or(true),
                    },
                    RuleKind::Partition => Fault::Partition {
                        shape: self.draw_shape(rng, &target),
                        one_way: self.one_way.unwrap_or(false),
                        duration: length,
                    },
                    RuleKind::Network => {
                        let [l0, l1] = self.loss_percent.unwrap_or([0, 0]);
                        let [m0, m1] = self.latency_max_ms.expect("validated");
                        let base = NetworkSettings::default();
                        let latency_max = uniform(rng, Duration::from_millis(m0), Duration::from_millis(m1));
                        let settings = NetworkSettings {
                            loss: rng.gen_range(l0..=l1) as f64 / 100.0,
                            latency_min: base.latency_min.min(latency_max),
                            latency_max,
                        };
                        Fault::Network { settings, duration: length }
                    }
                    RuleKind::ClockJump => {
                        let [j0, j1] = self.jump_ms.expect("validated");
                        Fault::ClockJump { target: target.clone(), delta_ns: rng.gen_range(j0..=j1) * 1_000_000 }
                    }
                    RuleKind::ClockDrift => {
                        let [d0, d1] = self.drift_ppm.expect("validated");
                        let drift_ppm = rng.gen_range(d0..=d1);
                        Fault::ClockDrift { target: target.clone(), drift_ppm, duration: Some(length) }
                    }
                    RuleKind::MemoryPressure => {
                        Fault::Signal { target: target.clone(), name: "memory-pressure".into(), duration: length }
                    }
                    RuleKind::ClockStrobe => {
                        let [j0, j1] = self.jump_ms.expect("validated");
                        let [p0, p1] = self.period_ms.expect("validated");
                        let delta_ns = rng.gen_range(j0..=j1) * 1_000_000;
                        let period = Duration::from_millis(rng.gen_range(p0..=p1));
                        Fault::ClockStrobe { target: target.clone(), delta_ns, period, duration: length }
                    }
                    RuleKind::Slow => {
                        let [e0, e1] = self.extra_latency_ms.expect("validated");
                        let extra = uniform(rng, Duration::from_millis(e0), Duration::from_millis(e1));
                        Fault::Slow { target: target.clone(), extra, duration: length }
                    }
                };
                match self.draw_trigger(rng) {
                    Some(when) => TimedFault::when(at, when, fault),
                    None => TimedFault::at(at, fault),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(kind: RuleKind) -> FaultRule {
        FaultRule {
            kind,
            target: default_target(),
            count: [2, 2],
            duration_ms: [100, 200],
            at_percent: [10, 20],
            durable: None,
            from: None,
            loss_percent: None,
            latency_max_ms: None,
            jump_ms: None,
            drift_ppm: None,
            shape: None,
            groups: None,
            servers: None,
            clients: None,
            one_way: None,
            when: None,
            when_by: None,
            delay_ms: None,
            period_ms: None,
            extra_latency_ms: None,
        }
    }

    #[test]
    fn a_rule_draws_its_count_within_its_ranges() {
        let faults = rule(RuleKind::Pause).draw(&mut sim::rng::stream(1, "x"), Duration::from_secs(100));
        assert_eq!(faults.len(), 2);
        for f in faults {
            assert!(f.at >= Duration::from_secs(10) && f.at <= Duration::from_secs(20));
            let Fault::Pause { target: Target::Holder, duration } = f.fault else { panic!("{f:?}") };
            assert!(duration >= Duration::from_millis(100) && duration <= Duration::from_millis(200));
        }
    }

    #[test]
    fn impossible_rules_name_the_field() {
        let mut r = rule(RuleKind::Pause);
        r.count = [3, 1];
        assert_eq!(r.validate().unwrap_err(), "count = [3, 1]: the low end is above the high end");
        let mut r = rule(RuleKind::Pause);
        r.target = "leader".into();
        assert!(r.validate().unwrap_err().starts_with("target: target 'leader' is not one of"));
        assert_eq!(rule(RuleKind::ClockJump).validate().unwrap_err(), "jump_ms is required for kind = \"clock-jump\"");
        let mut r = rule(RuleKind::ClockDrift);
        r.drift_ppm = Some([-2_000_000, 0]);
        assert!(r.validate().unwrap_err().contains("must move forwards"));
    }

    #[test]
    fn a_clock_cannot_be_stepped_back_further_than_it_has_run() {
        let minute = Duration::from_secs(60);
        let mut r = rule(RuleKind::ClockJump);
        // at_percent [10, 20] of a minute: the earliest start is 6 s in.
        r.jump_ms = Some([-6_000, 5_000]);
        assert_eq!(r.validate().and_then(|()| r.validate_for_run(minute)), Ok(()));
        r.jump_ms = Some([-6_001, 5_000]);
        assert_eq!(
            r.validate_for_run(minute).unwrap_err(),
            "jump_ms = [-6001, 5000]: a clock cannot step back 6001 ms when the earliest start (at_percent 10% of 60 s) is 6000 ms into the run"
        );
        // Every drawn plan is valid: no fault starts before the clock has run that far.
        r.jump_ms = Some([-6_000, -6_000]);
        for seed in 0..20 {
            let plan = sim::fault::FaultPlan::new(r.draw(&mut sim::rng::stream(seed, "x"), minute));
            plan.validate().unwrap();
        }
        let mut s = rule(RuleKind::ClockStrobe);
        s.jump_ms = Some([-7_000, 1_000]);
        s.period_ms = Some([10, 20]);
        assert!(s.validate().is_ok() && s.validate_for_run(minute).unwrap_err().starts_with("jump_ms"));
    }

    #[test]
    fn a_strobe_rule_needs_its_step_and_period_and_draws_within_them() {
        let mut r = rule(RuleKind::ClockStrobe);
        assert_eq!(r.validate().unwrap_err(), "jump_ms is required for kind = \"clock-strobe\"");
        r.jump_ms = Some([1_000, 3_000]);
        assert_eq!(r.validate().unwrap_err(), "period_ms is required for kind = \"clock-strobe\"");
        r.period_ms = Some([0, 10]);
        assert!(r.validate().unwrap_err().starts_with("period_ms = [0, 10]: must lie within 1"));
        r.period_ms = Some([50, 100]);
        r.validate().unwrap();
        for f in r.draw(&mut sim::rng::stream(3, "x"), Duration::from_secs(100)) {
            let Fault::ClockStrobe { delta_ns, period, duration, .. } = f.fault else { panic!("{f:?}") };
            assert!((1_000_000_000..=3_000_000_000).contains(&delta_ns), "{delta_ns}");
            assert!(period >= Duration::from_millis(50) && period <= Duration::from_millis(100));
            assert!(duration >= Duration::from_millis(100) && duration <= Duration::from_millis(200));
        }
    }
}
