//! Scenario files: `--config FILE.toml` sets everything a built-in scenario
//! and the command-line options set — design and its parameters, workload,
//! clients, stock, duration, network latency, loss and transport, and either a built-in
//! fault scenario, custom fault rules ([`crate::fault_rules`]) or an exact
//! fault plan ([`crate::plan`]). See
//! `scenarios/examples/` for commented files.
//!
//! Unknown keys, wrong types and impossible values are refused with one line
//! naming the file, the line and the key.

use std::path::Path;

use algorithms::params::quote;

use crate::experiment::{Experiment, ExperimentSpec};

/// Keys a scenario file must give: the rest have defaults.
const REQUIRED: [(&str, &str); 2] = [("algorithm", "algorithm = \"cache\""), ("scenario", "scenario = \"gc-pause\"")];

/// Read a scenario file and validate it into an experiment (errors name the file).
pub fn load(path: &Path) -> Result<Experiment, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("cannot read scenario file {}: {e}", path.display()))?;
    parse(path, &text)
}

/// Validate the text of scenario file `path` (which need not exist yet: `shrink` checks what it will write).
pub fn parse(path: &Path, text: &str) -> Result<Experiment, String> {
    let name = path.display();
    let located = |e: toml::de::Error| located(path, text, e);
    let keys: toml::Table = toml::from_str(text).map_err(located)?;
    if let Some((key, example)) = REQUIRED.iter().find(|(key, _)| !keys.contains_key(*key)) {
        return Err(format!("{name}: {key} is required (e.g. {example})"));
    }
    if keys.contains_key("config") {
        return Err(format!("{name}: config is not a scenario-file key (it names the file itself)"));
    }
    // Plan entries first, so a malformed one is named by its index and key.
    if let Some(plan) = keys.get("plan") {
        let entries = plan.as_array().ok_or_else(|| format!("{name}: plan must be an array of tables ([[plan]])"))?;
        for (i, entry) in entries.iter().enumerate() {
            crate::plan::parse_entry(i, entry).map_err(|e| format!("{name}: {e}"))?;
        }
    }
    let mut spec: ExperimentSpec = toml::from_str(text).map_err(located)?;
    spec.config = Some(path.display().to_string());
    Experiment::new(spec).map_err(|e| format!("{name}: {e}"))
}

/// A TOML error as one line: the file, the line and the line's text.
fn located(path: &Path, text: &str, e: toml::de::Error) -> String {
    let name = path.display();
    let message = e.message().trim().replace('\n', " ");
    let Some(span) = e.span() else { return format!("{name}: {message}") };
    // Quote the offending line: a type error's span is the value, so the line names the key.
    let line = text[..span.start].matches('\n').count() + 1;
    let source = text.lines().nth(line - 1).unwrap_or("").trim();
    format!("{name}:{line}: {message} (in `{}`)", quote(source))
}

/// Read a sweep file ([`crate::grid::SweepSpec`]); `Grid::new` validates it.
pub fn load_sweep(path: &Path) -> Result<crate::grid::SweepSpec, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read sweep file {}: {e}", path.display()))?;
    let keys: toml::Table = toml::from_str(&text).map_err(|e| located(path, &text, e))?;
    if keys.get("base").and_then(|b| b.get("algorithm")).is_some() {
        return Err(format!("{}: base.algorithm: the designs go in `designs`, not the base", path.display()));
    }
    toml::from_str(&text).map_err(|e| located(path, &text, e))
}
