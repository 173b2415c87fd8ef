//! The shrunk case as a scenario file: the experiment's settings and its
//! exact plan ([`crate::plan`]), led by comments saying where it came from.
//! Before it is written it is parsed back as `--config` would read it and
//! replayed twice: both runs must hash the same and show the kind kept.

use std::path::Path;

use crate::experiment::{ExperimentSpec, SeedRun};
use crate::failure::Failure;

use super::Shrunk;

/// The header of a shrunk case's file: which command shrank which replay, and its sizes.
pub fn header(command: &str, original_replay: &str, shrunk: &Shrunk) -> [String; 3] {
    [
        format!("Shrunk by `locksim {command}` from: {original_replay}"),
        format!("It shows {}. Before: {}", shrunk.kind, shrunk.before),
        format!("After: {} ({} runs tried)", shrunk.after, shrunk.runs),
    ]
}

/// The file's text: a header of `#` lines, then the spec in TOML.
pub fn text(spec: &ExperimentSpec, header: &[String]) -> Result<String, Failure> {
    let mut spec = spec.clone();
    spec.config = None;
    let body = toml::to_string(&spec).map_err(|e| Failure::Internal(format!("cannot write the shrunk case: {e}")))?;
    let mut out: String = header.iter().map(|l| format!("# {l}\n")).collect();
    out.push('\n');
    out.push_str(&body);
    Ok(out)
}

/// Parse `text` as scenario file `path`, replay `seed` twice: the trace hash
/// (identical in both) if it shows `kind`, else an internal error (exit 3).
pub fn check(path: &Path, text: &str, seed: u64, kind: &str) -> Result<u64, Failure> {
    replayed(path, text, seed, kind).map(|run| run.trace_hash)
}

/// As [`check`], returning the replayed run.
pub fn replayed(path: &Path, text: &str, seed: u64, kind: &str) -> Result<SeedRun, Failure> {
    let experiment = crate::config::parse(path, text)
        .map_err(|e| Failure::Internal(format!("the shrunk case does not read back: {e}")))?;
    let (a, b) = (experiment.run(seed)?, experiment.run(seed)?);
    if a.trace_hash != b.trace_hash {
        return Err(Failure::Internal(format!(
            "the shrunk case is not deterministic: trace {:016x} then {:016x}",
            a.trace_hash, b.trace_hash
        )));
    }
    let shows = a.verdict.overlaps.iter().chain(&a.verdict.corrupted).any(|v| v.kind.name() == kind);
    if !shows {
        return Err(Failure::Internal(format!("the shrunk case, replayed from its file, no longer shows {kind}")));
    }
    Ok(a)
}

/// The default output name: `shrunk-<design>-<scenario>-<seed>.toml`, with
/// anything but letters, digits and `-` made a `-`.
pub fn default_name(design: &str, scenario: &str, seed: u64) -> String {
    let clean =
        |s: &str| s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect::<String>();
    format!("shrunk-{}-{}-{seed}.toml", clean(design), clean(scenario))
}
