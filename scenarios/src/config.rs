//! Scenario files: `--config FILE.toml` sets everything a built-in scenario
//! and the command-line options set — design and its parameters, workload,
//! clients, stock, duration, network latency and loss, and either a built-in
//! fault scenario or custom fault rules ([`crate::fault_rules`]). See
//! `scenarios/examples/` for commented files.
//!
//! Unknown keys, wrong types and impossible values are refused with one line
//! naming the file, the line and the key.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

use crate::experiment::{Experiment, ExperimentSpec, NetworkSpec};
use crate::fault_rules::FaultRule;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    algorithm: String,
    /// A built-in scenario, or the name of the custom `faults` below.
    scenario: String,
    workload: Option<String>,
    clients: Option<u32>,
    stock: Option<i64>,
    duration_s: Option<u64>,
    #[serde(default)]
    params: BTreeMap<String, toml::Value>,
    #[serde(default)]
    network: NetworkSpec,
    #[serde(default)]
    faults: Vec<FaultRule>,
    pattern: Option<String>,
    timeout_ms: Option<u64>,
    reentrant: Option<bool>,
    #[serde(default)]
    workload_params: BTreeMap<String, toml::Value>,
    liveness_s: Option<u64>,
}

/// Read and validate a scenario file into an experiment spec.
pub fn load(path: &Path) -> Result<ExperimentSpec, String> {
    let name = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read scenario file {name}: {e}"))?;
    let file: ScenarioFile = toml::from_str(&text).map_err(|e| {
        let message = e.message().trim().replace('\n', " ");
        let Some(span) = e.span() else { return format!("{name}: {message}") };
        // Quote the offending line: a type error's span is the value, so the line names the key.
        let line = text[..span.start].matches('\n').count() + 1;
        let source = text.lines().nth(line - 1).unwrap_or("").trim();
        format!("{name}:{line}: {message} (in `{source}`)")
    })?;
    let defaults = ExperimentSpec::default();
    let pairs = |table: &BTreeMap<String, toml::Value>, section: &str| {
        table
            .iter()
            .map(|(k, v)| match v {
                toml::Value::String(s) => Ok(format!("{k}={s}")),
                toml::Value::Integer(n) => Ok(format!("{k}={n}")),
                toml::Value::Boolean(b) => Ok(format!("{k}={b}")),
                _ => Err(format!("{name}: {section}.{k} must be a whole number, true/false or a string")),
            })
            .collect::<Result<Vec<_>, _>>()
    };
    let params = pairs(&file.params, "params")?;
    let workload_params = pairs(&file.workload_params, "workload_params")?;
    let spec = ExperimentSpec {
        algorithm: file.algorithm,
        scenario: file.scenario,
        workload: file.workload.unwrap_or(defaults.workload),
        clients: file.clients.unwrap_or(defaults.clients),
        stock: file.stock.unwrap_or(defaults.stock),
        duration_s: file.duration_s.unwrap_or(defaults.duration_s),
        params,
        network: file.network,
        faults: file.faults,
        config: Some(path.display().to_string()),
        pattern: file.pattern,
        timeout_ms: file.timeout_ms.unwrap_or(defaults.timeout_ms),
        reentrant: file.reentrant.unwrap_or(defaults.reentrant),
        workload_params,
        liveness_s: file.liveness_s.unwrap_or(defaults.liveness_s),
    };
    Experiment::new(spec.clone()).map_err(|e| format!("{name}: {e}"))?;
    Ok(spec)
}
