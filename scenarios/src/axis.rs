//! A sweep's axis: which numeric setting of an experiment it varies, and how
//! one of its values is written into a spec. The setting is named by a key:
//!
//! - `param.NAME` (or `param.NAME|OTHER`, for designs that call one setting
//!   by different names, `param.ttl_ms|lease_ms`): a design parameter; every
//!   design of the sweep must declare exactly one of the names;
//! - `workload.NAME`: a workload parameter;
//! - `scenario.NAME`: a built-in scenario's fault size ([`crate::sizes`]);
//! - `faults[I].FIELD`: a field of a scenario file's rule, set to `[V, V]`;
//! - an experiment knob (`clients`, `duration_s`, ...; [`KNOBS`]).
//!
//! Only numbers can be swept; a flag or a choice is refused, and so is an
//! axis over a setting the base spec already fixes (the point would not say
//! what ran). A value is applied as the user would have written it
//! (`--param ttl_ms=V`), so `Experiment::new` checks its range and the cell
//! names it.

use algorithms::lock::Design;
use algorithms::params::{Kind, ParamSpec, Params};

use crate::experiment::ExperimentSpec;
use crate::fault_rules::FaultRule;
use crate::spec::knobs::{Knob, KNOBS};

pub mod values;

/// What an axis sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AxisKey {
    Param(Vec<String>),
    Workload(String),
    Scenario(String),
    Rule { index: usize, field: String },
    Knob(&'static str),
}

/// The keys an axis may name, for error messages and `--help`.
pub const KEYS: &str =
    "param.NAME[|OTHER], workload.NAME, scenario.NAME, faults[I].FIELD, or clients, stock, duration_s, timeout_ms, liveness_s, clock_offset_ms, clock_drift_ppm";

impl AxisKey {
    pub fn parse(key: &str) -> Result<AxisKey, String> {
        let key = key.trim();
        let name = |rest: &str| -> Result<String, String> {
            if rest.is_empty() || !rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!("axis key '{}' names no setting (keys: {KEYS})", quote(key)));
            }
            Ok(rest.to_string())
        };
        if let Some(rest) = key.strip_prefix("param.") {
            return Ok(AxisKey::Param(rest.split('|').map(name).collect::<Result<_, _>>()?));
        }
        if let Some(rest) = key.strip_prefix("workload.") {
            return Ok(AxisKey::Workload(name(rest)?));
        }
        if let Some(rest) = key.strip_prefix("scenario.") {
            return Ok(AxisKey::Scenario(name(rest)?));
        }
        if let Some(rest) = key.strip_prefix("faults[") {
            let (index, field) =
                rest.split_once("].").and_then(|(i, f)| Some((i.parse::<usize>().ok()?, f))).ok_or_else(|| {
                    format!("axis key '{}' is not faults[I].FIELD (e.g. faults[0].duration_ms)", quote(key))
                })?;
            return Ok(AxisKey::Rule { index, field: name(field)? });
        }
        KNOBS
            .iter()
            .find(|k| k.key == key)
            .map(|k| AxisKey::Knob(k.key))
            .ok_or_else(|| format!("axis key '{}' names no setting (keys: {KEYS})", quote(key)))
    }

    /// The axis's default column name: the setting's own (the first name).
    pub fn column(&self) -> String {
        match self {
            AxisKey::Param(names) => names[0].clone(),
            AxisKey::Workload(n) | AxisKey::Scenario(n) => n.clone(),
            AxisKey::Rule { index, field } => format!("faults{index}_{field}"),
            AxisKey::Knob(k) => k.to_string(),
        }
    }

    /// Write `value` into `spec` (run by `design`); refuses a setting that is
    /// not a number, not declared, or already fixed by the base spec.
    pub fn apply(&self, spec: &mut ExperimentSpec, design: &dyn Design, value: i64) -> Result<(), String> {
        let whole = |what: &str| -> Result<u64, String> {
            u64::try_from(value).map_err(|_| format!("{what} takes whole numbers, not {value}"))
        };
        match self {
            AxisKey::Param(names) => {
                let declared: Vec<&ParamSpec> =
                    design.params().iter().filter(|p| names.iter().any(|n| n == p.name)).collect();
                let [param] = declared[..] else {
                    return Err(format!(
                        "axis param.{}: {} must declare exactly one of these (it has: {})",
                        names.join("|"),
                        design.name(),
                        design.params().iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
                    ));
                };
                numeric("param", param)?;
                let v = whole(&format!("param.{}", param.name))?;
                set_pair(&mut spec.params, "param", param.name, v)
            }
            AxisKey::Workload(name) => {
                let info = crate::workload::workload(&spec.workload)?;
                let param = declared_in("workload", info.name, info.params, name)?;
                numeric("workload", param)?;
                let v = whole(&format!("workload.{name}"))?;
                set_pair(&mut spec.workload_params, "workload", name, v)
            }
            AxisKey::Scenario(name) => {
                if !spec.faults.is_empty() || !spec.plan.is_empty() {
                    return Err(format!(
                        "axis scenario.{name}: the base has fault rules; sweep a rule's field as faults[I].FIELD"
                    ));
                }
                let scenario = crate::scenario::scenario(&spec.scenario)
                    .ok_or_else(|| format!("axis scenario.{name}: unknown scenario '{}'", quote(&spec.scenario)))?;
                declared_in("scenario", scenario.name, scenario.params, name)?;
                let v = whole(&format!("scenario.{name}"))?;
                set_pair(&mut spec.scenario_params, "scenario", name, v)
            }
            AxisKey::Rule { index, field } => {
                let count = spec.faults.len();
                let rule = spec.faults.get_mut(*index).ok_or_else(|| {
                    format!("axis faults[{index}].{field}: the base has {count} fault rules ([[faults]])")
                })?;
                rule.set_point(field, value).map_err(|e| format!("axis faults[{index}].{e}"))
            }
            AxisKey::Knob(key) => {
                let knob: &Knob = KNOBS.iter().find(|k| k.key == *key).expect("parsed from KNOBS");
                let v = knob.check(whole(key)?)?;
                (knob.set)(spec, v);
                Ok(())
            }
        }
    }
}

fn quote(text: &str) -> String {
    algorithms::params::quote(text)
}

fn declared_in(
    kind: &str,
    owner: &str,
    params: &'static [ParamSpec],
    name: &str,
) -> Result<&'static ParamSpec, String> {
    params.iter().find(|p| p.name == name).ok_or_else(|| {
        let known: Vec<&str> = params.iter().map(|p| p.name).collect();
        let known = if known.is_empty() { "none".to_string() } else { known.join(", ") };
        format!("axis {kind}.{name}: {kind} '{owner}' has no parameter '{}' (it has: {known})", quote(name))
    })
}

/// Only numbers make an axis.
fn numeric(kind: &str, param: &ParamSpec) -> Result<(), String> {
    match param.kind {
        Kind::Millis { .. } | Kind::Count { .. } | Kind::Drawn { .. } => Ok(()),
        Kind::Flag { .. } | Kind::Choice { .. } => Err(format!(
            "axis {kind}.{}: an axis takes a number; compare its settings as separate designs instead",
            param.name
        )),
    }
}

/// Add `name=value` to `pairs`, unless the base already fixes `name`.
fn set_pair(pairs: &mut Vec<String>, kind: &str, name: &str, value: u64) -> Result<(), String> {
    let given = Params::parse(pairs)?;
    if given.pairs().iter().any(|p| p.split_once('=').is_some_and(|(k, _)| k == name)) {
        return Err(format!("axis {kind}.{name}: the base sets {name} too; leave it to the axis"));
    }
    pairs.push(format!("{name}={value}"));
    Ok(())
}

impl FaultRule {
    /// Set `field` to the single value `v` (`[v, v]`); a field this rule's
    /// kind does not use is refused (a sweep over it would vary nothing).
    pub fn set_point(&mut self, field: &str, v: i64) -> Result<(), String> {
        use crate::fault_rules::RuleKind::*;
        let kind = self.kind;
        let unsigned = |v: i64| u64::try_from(v).map_err(|_| format!("{field} takes whole numbers, not {v}"));
        let small = |v: i64| u32::try_from(v).map_err(|_| format!("{field} = {v} is out of range"));
        let applies = |kinds: &[crate::fault_rules::RuleKind]| {
            if kinds.contains(&kind) {
                Ok(())
            } else {
                Err(format!("{field} is not used by kind = \"{}\"", kind.name()))
            }
        };
        match field {
            "count" => self.count = [small(v)?; 2],
            "duration_ms" => self.duration_ms = [unsigned(v)?; 2],
            "at_percent" => self.at_percent = [small(v)?; 2],
            "delay_ms" => self.delay_ms = Some([unsigned(v)?; 2]),
            "loss_percent" => {
                applies(&[Network])?;
                self.loss_percent = Some([small(v)?; 2]);
            }
            "latency_max_ms" => {
                applies(&[Network])?;
                self.latency_max_ms = Some([unsigned(v)?; 2]);
            }
            "jump_ms" => {
                applies(&[ClockJump, ClockStrobe])?;
                self.jump_ms = Some([v; 2]);
            }
            "drift_ppm" => {
                applies(&[ClockDrift])?;
                self.drift_ppm = Some([v; 2]);
            }
            "period_ms" => {
                applies(&[ClockStrobe])?;
                self.period_ms = Some([unsigned(v)?; 2]);
            }
            "extra_latency_ms" => {
                applies(&[Slow])?;
                self.extra_latency_ms = Some([unsigned(v)?; 2]);
            }
            "servers" => {
                applies(&[Partition])?;
                self.servers = Some([small(v)?; 2]);
            }
            "clients" => {
                applies(&[Partition])?;
                self.clients = Some([small(v)?; 2]);
            }
            _ => {
                return Err(format!(
                    "{field} is not a numeric rule field (fields: count, duration_ms, at_percent, delay_ms, loss_percent, latency_max_ms, jump_ms, drift_ppm, period_ms, extra_latency_ms, servers, clients)"
                ))
            }
        }
        if field == "delay_ms" && self.when.is_none() {
            return Err("delay_ms is used only with when (a trigger)".into());
        }
        self.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::Experiment;

    fn spec(scenario: &str) -> ExperimentSpec {
        ExperimentSpec { algorithm: "cache".into(), scenario: scenario.into(), ..ExperimentSpec::default() }
    }

    #[test]
    fn an_axis_value_is_the_setting_the_user_would_have_given() {
        let design = algorithms::design("cache").unwrap();
        let mut swept = spec("gc-pause");
        AxisKey::parse("param.ttl_ms|lease_ms").unwrap().apply(&mut swept, design, 2000).unwrap();
        AxisKey::parse("scenario.pause_ms").unwrap().apply(&mut swept, design, 700).unwrap();
        AxisKey::parse("clients").unwrap().apply(&mut swept, design, 3).unwrap();
        let given = ExperimentSpec {
            params: vec!["ttl_ms=2000".into()],
            scenario_params: vec!["pause_ms=700".into()],
            clients: 3,
            ..spec("gc-pause")
        };
        assert_eq!(swept, given);
        let (a, b) = (Experiment::new(swept).unwrap(), Experiment::new(given).unwrap());
        assert_eq!(a.cell(), b.cell());
        assert_eq!(a.run(1).unwrap().trace_hash, b.run(1).unwrap().trace_hash);
    }

    #[test]
    fn a_rule_field_its_kind_does_not_use_is_refused() {
        let design = algorithms::design("cache").unwrap();
        let rule: FaultRule = toml::from_str("kind = \"pause\"").unwrap();
        let mut s = ExperimentSpec { faults: vec![rule], ..spec("custom") };
        let jump = AxisKey::parse("faults[0].jump_ms").unwrap();
        assert!(jump.apply(&mut s.clone(), design, 5).unwrap_err().contains("not used by kind = \"pause\""));
        let length = AxisKey::parse("faults[0].duration_ms").unwrap();
        length.apply(&mut s, design, 1500).unwrap();
        assert_eq!(s.faults[0].duration_ms, [1500, 1500]);
        let missing = AxisKey::parse("faults[3].duration_ms").unwrap();
        assert!(missing.apply(&mut s, design, 1).unwrap_err().contains("the base has 1 fault rules"));
        assert!(AxisKey::parse("faults[x].count").unwrap_err().contains("not faults[I].FIELD"));
    }
}
