//! A sweep directory: what `locksim sweep` writes and `locksim report`
//! merges.
//!
//! It holds the data — `runs.csv` (a row per design, point and seed) and
//! `manifest.json` (the sweep as checked, without its seeds, so shards of one
//! sweep share it) — and, once every design and point has run the same
//! seeds, the views: `points.csv`, `boundary.csv`, `report.md`,
//! `report.html` and the maps in `plots/` ([`maps::maps`]). A directory whose points ran different seeds
//! (an interrupted sweep) keeps its data and no views, so no map ever shows
//! a point that did not run as safe.
//!
//! Promise: rows are keyed by (design, point, seed) and written in that
//! order, whatever `--jobs`, the order they ran in, or the shards they came
//! from; [`load_rows`] accepts only rows that belong to the manifest's grid, and
//! only a manifest whose checksum matches its sweep.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use reports::sweep::rows::{self, SweepRow};
use reports::sweep::{html, maps, page, tables, AxisInfo, DesignMap, PointSummary, SweepReport};

use crate::grid::{Grid, SweepSpec};
use crate::out_dir;

pub const MANIFEST: &str = out_dir::MANIFEST;
const KIND: &str = "sweep";
/// The subdirectory of the maps, emptied on every write.
const PLOTS: &str = maps::DIR;

/// `manifest.json` of a sweep directory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepManifest {
    pub locksim: String,
    pub kind: String,
    pub sweep: SweepSpec,
    /// FNV-1a of the sweep's JSON ([`out_dir::checksum`]).
    pub checksum: String,
}

impl SweepManifest {
    /// The manifest of `spec`, without its seed count.
    pub fn new(spec: &SweepSpec) -> SweepManifest {
        let sweep = SweepSpec { seeds: None, ..spec.clone() };
        SweepManifest {
            locksim: env!("CARGO_PKG_VERSION").into(),
            kind: KIND.into(),
            checksum: out_dir::checksum(&sweep),
            sweep,
        }
    }
}

/// Where a row sits: (design index, point index, seed).
pub type Key = (usize, usize, u64);

/// Whether `dir` holds a sweep (rather than a comparison).
pub fn is_sweep(dir: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(dir.join(MANIFEST)) else { return false };
    serde_json::from_str::<serde_json::Value>(&text).is_ok_and(|v| v.get("kind").and_then(|k| k.as_str()) == Some(KIND))
}

/// Make `out` this sweep's directory, losing nothing: with `resume` the rows
/// of the same sweep already there come back; without it, the same sweep is
/// rewritten unless that would drop seeds it holds. Another sweep, another
/// kind of report or foreign files are refused.
pub fn claim(
    out: &Path,
    grid: &Grid,
    manifest: &SweepManifest,
    seeds: &[u64],
    resume: bool,
) -> Result<Vec<SweepRow>, String> {
    let shown = out.display();
    if !out.join(MANIFEST).exists() {
        out_dir::claim_empty(out, "locksim sweep")?;
        return Ok(Vec::new());
    }
    if !is_sweep(out) {
        return Err(format!("--out {shown} holds another kind of locksim report; choose another --out"));
    }
    if load_manifest(out)?.sweep != manifest.sweep {
        let why = if resume { "--resume: " } else { "" };
        return Err(format!(
            "{why}{shown} holds a sweep with other settings; use the same options with --resume, or another --out"
        ));
    }
    let rows = load_rows(out, grid)?;
    if resume {
        return Ok(rows);
    }
    if let Some(r) = rows.iter().find(|r| !seeds.contains(&r.record.seed)) {
        return Err(format!(
            "{shown} holds seed {} of this sweep, which this run would drop; add --resume to keep it, or use another --out",
            r.record.seed
        ));
    }
    Ok(Vec::new())
}

/// A sweep directory's rows, each checked against `grid` (its manifest's).
pub fn load_rows(dir: &Path, grid: &Grid) -> Result<Vec<SweepRow>, String> {
    let runs = dir.join(rows::PATH);
    let bytes = std::fs::read(&runs).map_err(|e| format!("cannot read {}: {e}", runs.display()))?;
    let rows = rows::from_csv(&bytes, grid.axes.len()).map_err(|e| format!("{}: {e}", runs.display()))?;
    for (i, row) in rows.iter().enumerate() {
        key(grid, row).ok_or_else(|| {
            format!(
                "{} row {}: design {} at point {} is not in {MANIFEST}'s grid",
                runs.display(),
                i + 1,
                row.design,
                row.point
            )
        })?;
        row.record.latency_histogram().map_err(|e| format!("{} row {}: {e}", runs.display(), i + 1))?;
    }
    Ok(rows)
}

/// A sweep directory's manifest, checked against its checksum.
pub fn load_manifest(dir: &Path) -> Result<SweepManifest, String> {
    let manifest: SweepManifest = out_dir::read_manifest(dir, "locksim sweep")?;
    if manifest.kind != KIND || manifest.checksum != out_dir::checksum(&manifest.sweep) {
        return Err(format!(
            "{} was edited by hand (its checksum does not match its sweep); run `locksim sweep` with the settings you want instead",
            dir.join(MANIFEST).display()
        ));
    }
    Ok(manifest)
}

/// The row's place in `grid`, if it is one of the grid's runs: a known
/// design, a point with the row's coordinates, and the cell names that
/// design and point run under.
pub fn key(grid: &Grid, row: &SweepRow) -> Option<Key> {
    let d = grid.designs.iter().position(|label| *label == row.design)?;
    let coords = grid.points.get(row.point)?;
    let r = &row.record;
    let names = [r.algorithm.as_str(), r.scenario.as_str(), r.workload.as_str()];
    (*coords == row.coords && grid.experiments[d][row.point].cell() == names).then_some((d, row.point, r.seed))
}

/// The grid's views, when every design and point ran the same seeds (else
/// `None`: the sweep is not finished). `rows` are in key order.
pub fn gather(grid: &Grid, rows: &BTreeMap<Key, SweepRow>) -> Option<SweepReport> {
    let mut per_point: BTreeMap<(usize, usize), Vec<&SweepRow>> = BTreeMap::new();
    for ((d, p, _), row) in rows {
        per_point.entry((*d, *p)).or_default().push(row);
    }
    let seeds_of = |rows: &[&SweepRow]| rows.iter().map(|r| r.record.seed).collect::<Vec<_>>();
    let first = seeds_of(per_point.values().next()?);
    let every_point_ran = per_point.len() == grid.designs.len() * grid.points.len();
    if !every_point_ran || per_point.values().any(|rows| seeds_of(rows) != first) {
        return None;
    }
    let mut designs: Vec<DesignMap> =
        grid.designs.iter().map(|label| DesignMap { label: label.clone(), points: Vec::new() }).collect();
    for ((d, p), rows) in per_point {
        let records: Vec<_> = rows.iter().map(|r| r.record.clone()).collect();
        let experiment = &grid.experiments[d][p];
        designs[d].points.push(PointSummary::new(grid.points[p].clone(), &records, |s| experiment.replay_command(s)));
    }
    let b = &grid.spec.base;
    Some(SweepReport {
        title: grid.spec.title.clone(),
        base: format!("{} under {}, {} s per seed, {} clients", b.workload, b.scenario, b.duration_s, b.clients),
        axes: grid
            .axes
            .iter()
            .map(|a| AxisInfo { name: a.name.clone(), values: a.values.clone(), log: a.log })
            .collect(),
        designs,
        seeds: first.len(),
    })
}

/// Write the directory: the data, then the views of `report` (none: remove
/// any left from an earlier write, so no view disagrees with the rows).
pub fn write(
    out: &Path,
    grid: &Grid,
    manifest: &SweepManifest,
    rows: &BTreeMap<Key, SweepRow>,
    report: Option<&SweepReport>,
) -> Result<(), String> {
    let axes: Vec<String> = grid.axes.iter().map(|a| a.name.clone()).collect();
    let csv = rows::to_csv(&axes, rows.values()).map_err(|e| format!("{}: {e}", rows::PATH))?;
    let manifest = serde_json::to_vec_pretty(manifest).expect("a manifest serializes");
    // The rows first: a directory with a manifest always has its rows.
    out_dir::write_files(out, &[], vec![(rows::PATH.into(), csv), (MANIFEST.into(), manifest)])?;
    match report {
        Some(report) => out_dir::write_files(out, &[PLOTS], views(report)?),
        None => {
            for name in [tables::POINTS, tables::BOUNDARY, page::PATH, html::PATH] {
                let _ = std::fs::remove_file(out.join(name));
            }
            out_dir::write_files(out, &[PLOTS], Vec::new())
        }
    }
}

/// Every view of a finished sweep, as (relative path, bytes).
fn views(report: &SweepReport) -> Result<Vec<(String, Vec<u8>)>, String> {
    Ok([
        (tables::POINTS.into(), tables::points_csv(report).map_err(|e| format!("{}: {e}", tables::POINTS))?),
        (tables::BOUNDARY.into(), tables::boundary_csv(report).map_err(|e| format!("{}: {e}", tables::BOUNDARY))?),
        (page::PATH.into(), page::markdown(report).into_bytes()),
        (html::PATH.into(), html::html(report).into_bytes()),
    ]
    .into_iter()
    .chain(maps::maps(report).into_iter().map(|m| (m.path, m.svg.into_bytes())))
    .collect())
}
