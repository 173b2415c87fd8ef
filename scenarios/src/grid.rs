//! A sweep's grid: the designs, one or two axes of values, and the base
//! experiment every point varies. [`SweepSpec`] is the sweep file's form (and
//! the manifest's); [`Grid::new`] checks it and builds one validated
//! [`Experiment`] per design and point, so nothing runs (and nothing is
//! written) unless every point is valid.
//!
//! Points are numbered x-major: with axes x (n values) and y (m values),
//! point `ix * m + iy`. Every design and point runs the same seeds, so two
//! designs at one point meet the same fault plan, and neighbouring points
//! differ only in the swept setting ([`crate::sizes`]).

use serde::{Deserialize, Serialize};

use crate::axis::values::Values;
use crate::axis::AxisKey;
use crate::experiment::{Experiment, ExperimentSpec};

/// At most this many values on one axis.
pub const MAX_AXIS_VALUES: usize = 1_000;
/// At most this many points (the product of the axes' lengths).
pub const MAX_POINTS: usize = 10_000;
/// At most this many designs in one sweep.
pub const MAX_DESIGNS: usize = 20;
/// At most this many runs (designs x points x seeds): a sweep over the limit
/// would run for days on a laptop; split it, or shard it.
pub const MAX_RUNS: u64 = 1_000_000;

/// A sweep file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSpec {
    /// What the sweep asks, for the report's heading.
    #[serde(default)]
    pub title: String,
    pub designs: Vec<DesignEntry>,
    /// Seeds per point unless `--seeds` says otherwise (default
    /// [`DEFAULT_SEEDS`]). Not kept in the manifest: shards of one sweep run
    /// other seeds of the same grid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seeds: Option<u64>,
    /// Everything but the design: a scenario file's keys.
    #[serde(default)]
    pub base: ExperimentSpec,
    pub axis: Vec<AxisSpec>,
}

/// Seeds per point when neither the file nor `--seeds` says.
pub const DEFAULT_SEEDS: u64 = 20;

/// A design, bare (`"cache"`) or with parameters (`{ algorithm = "lease-fencing", params = { fencing = false } }`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DesignEntry {
    Name(String),
    With {
        algorithm: String,
        #[serde(default, deserialize_with = "crate::spec::pairs")]
        params: Vec<String>,
    },
}

impl DesignEntry {
    fn parts(&self) -> (&str, &[String]) {
        match self {
            DesignEntry::Name(name) => (name, &[]),
            DesignEntry::With { algorithm, params } => (algorithm, params),
        }
    }
}

/// One axis as written: what it sets, its column name, its values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AxisSpec {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub values: AxisValues,
}

/// A list of whole numbers, or the command line's text (`100..25600*2`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AxisValues {
    List(Vec<i64>),
    Text(String),
}

/// An axis, checked and expanded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Axis {
    pub name: String,
    pub key: AxisKey,
    pub values: Vec<i64>,
    /// Spaced by a factor (charts draw it on a log scale).
    pub log: bool,
}

/// A checked sweep, ready to run.
pub struct Grid {
    pub spec: SweepSpec,
    pub axes: Vec<Axis>,
    /// Each design's label, with its own parameters (`lease-fencing(fencing=false)`).
    pub designs: Vec<String>,
    /// Each point's value on each axis.
    pub points: Vec<Vec<i64>>,
    /// `experiments[design][point]`.
    pub experiments: Vec<Vec<Experiment>>,
}

/// Columns of the sweep's CSV files an axis may not be named after.
const RESERVED: &[&str] = &["design", "point", "seeds", "replay"];

impl Grid {
    /// Check `spec` for `seeds` seeds per point (the run limit) and build it.
    pub fn new(spec: SweepSpec, seeds: u64) -> Result<Grid, String> {
        if spec.designs.is_empty() || spec.designs.len() > MAX_DESIGNS {
            return Err(format!("a sweep needs 1 to {MAX_DESIGNS} designs, got {}", spec.designs.len()));
        }
        // (A sweep file's `base.algorithm` is refused when it is read.)
        if !spec.base.params.is_empty() {
            return Err("base: design params go with their design in `designs`, not the base".into());
        }
        if spec.axis.is_empty() || spec.axis.len() > 2 {
            return Err(format!("a sweep has one or two axes, got {}", spec.axis.len()));
        }
        let axes = spec.axis.iter().map(axis).collect::<Result<Vec<_>, _>>()?;
        if axes.len() == 2 && axes[0].name == axes[1].name {
            return Err(format!("both axes are named {}; give one a `name`", axes[0].name));
        }
        let points = axes.iter().try_fold(1usize, |n, a| n.checked_mul(a.values.len()).filter(|&n| n <= MAX_POINTS));
        let points = points.ok_or_else(|| format!("the grid has more than {MAX_POINTS} points (the limit)"))?;
        let runs = (spec.designs.len() * points) as u64 * seeds;
        if runs > MAX_RUNS || seeds == 0 {
            return Err(format!(
                "{} designs x {points} points x {seeds} seeds = {runs} runs; a sweep runs 1 to {MAX_RUNS}",
                spec.designs.len(),
            ));
        }
        let coords: Vec<Vec<i64>> = match &axes[..] {
            [x] => x.values.iter().map(|&v| vec![v]).collect(),
            [x, y] => x.values.iter().flat_map(|&vx| y.values.iter().map(move |&vy| vec![vx, vy])).collect(),
            _ => unreachable!("one or two axes"),
        };
        let mut designs = Vec::new();
        let mut experiments = Vec::new();
        for entry in &spec.designs {
            let (algorithm, params) = entry.parts();
            let design = algorithms::design(algorithm).ok_or_else(|| {
                let known: Vec<&str> = algorithms::designs().iter().map(|d| d.name()).collect();
                format!("unknown algorithm '{}' (known: {})", algorithms::params::quote(algorithm), known.join(", "))
            })?;
            let base = ExperimentSpec { algorithm: algorithm.into(), params: params.to_vec(), ..spec.base.clone() };
            let label = base.cell_names()[0].clone();
            if designs.contains(&label) {
                return Err(format!("design {label} is listed twice"));
            }
            let mut row = Vec::new();
            for point in &coords {
                let mut s = base.clone();
                let at = || axes.iter().zip(point).map(|(a, v)| format!("{} = {v}", a.name)).collect::<Vec<_>>();
                for (a, &v) in axes.iter().zip(point) {
                    a.key.apply(&mut s, design, v).map_err(|e| format!("{label}: {e}"))?;
                }
                row.push(Experiment::new(s).map_err(|e| format!("{label} at {}: {e}", at().join(", ")))?);
            }
            designs.push(label);
            experiments.push(row);
        }
        Ok(Grid { spec, axes, designs, points: coords, experiments })
    }

    /// Runs for `seeds` seeds per point.
    pub fn runs(&self, seeds: u64) -> u64 {
        (self.designs.len() * self.points.len()) as u64 * seeds
    }
}

fn axis(a: &AxisSpec) -> Result<Axis, String> {
    let key = AxisKey::parse(&a.key)?;
    let name = a.name.clone().unwrap_or_else(|| key.column());
    let in_axis = |e: String| format!("axis {}: {e}", a.key);
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(in_axis(format!("name '{}' is not a column name (letters, digits, _)", name)));
    }
    if RESERVED.contains(&name.as_str()) || reports::sweep::rows::record_columns().contains(&name) {
        return Err(in_axis(format!("name '{name}' is taken by a column of the sweep's CSV; give the axis a `name`")));
    }
    let values = match &a.values {
        AxisValues::List(list) => Values::List(list.clone()),
        AxisValues::Text(text) => Values::parse(text).map_err(in_axis)?,
    };
    Ok(Axis { name, key, values: values.expand(MAX_AXIS_VALUES).map_err(in_axis)?, log: values.is_log() })
}
