//! Which maps a sweep has, where each is saved, and what each shows.
//!
//! Promise: [`maps`] lists every map of a report in a fixed order, each with
//! a relative path under `plots/` that no other map of the report has, a
//! title, and its SVG document ([`super::heatmap`] with two axes,
//! [`super::lines`] with one). The SVG depends only on the report's numbers
//! and labels: rendering the same report twice gives the same bytes.
//!
//! - two axes: per design, in the report's order, `plots/<slug>-corrupted.svg`,
//!   `-overlap`, `-throughput` and `-p99`, where the slug is the design's
//!   label made file-safe ([`slugs`]);
//! - one axis: `plots/corrupted.svg`, `overlap.svg`, `throughput.svg` and
//!   `p99.svg`, every design a line in each;
//! - any other number of axes: no map (a sweep has one or two).

use super::{heatmap, lines, PointSummary, SweepReport};
use crate::wilson::Interval;

/// The directory every map is saved in (a sweep directory's writer owns it).
pub const DIR: &str = "plots";

/// One thing a map shows per point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Seeds with a corrupted effect, k of n.
    Corrupted,
    /// Seeds with an exclusion overlap, k of n.
    Overlap,
    /// Successful acquisitions per simulated second.
    Throughput,
    /// The 99th percentile of acquire latency, in ms.
    P99,
}

/// What a point shows for one [`Metric`].
pub(crate) enum Reading {
    /// `k` of `n` seeds, with the 95% Wilson interval (none when `n` is 0).
    Share { k: u64, n: u64, interval: Option<Interval> },
    /// A measured value; none when nothing was measured (no seed, or no
    /// acquisition to take a latency from).
    Value(Option<f64>),
}

impl Metric {
    /// Every metric, in the order the pages show them.
    pub const ALL: [Metric; 4] = [Metric::Corrupted, Metric::Overlap, Metric::Throughput, Metric::P99];

    /// The last part of a map's file name.
    pub fn file_stem(self) -> &'static str {
        match self {
            Metric::Corrupted => "corrupted",
            Metric::Overlap => "overlap",
            Metric::Throughput => "throughput",
            Metric::P99 => "p99",
        }
    }

    /// What the metric is, as a title starts.
    pub fn title(self) -> &'static str {
        match self {
            Metric::Corrupted => "Seeds with a corrupted effect",
            Metric::Overlap => "Seeds with an exclusion overlap",
            Metric::Throughput => "Acquisitions per simulated second",
            Metric::P99 => "p99 acquire latency",
        }
    }

    pub(crate) fn read(self, p: &PointSummary) -> Reading {
        let s = &p.summary;
        let share = |k: usize, interval| Reading::Share { k: k as u64, n: s.seeds as u64, interval };
        match self {
            Metric::Corrupted => share(s.unsafe_seeds, p.corrupted()),
            Metric::Overlap => share(s.overlap_seeds, p.overlap()),
            // No seed ran: a rate of 0 would claim a measurement.
            Metric::Throughput => Reading::Value((s.seeds > 0 && s.throughput.is_finite()).then_some(s.throughput)),
            Metric::P99 => Reading::Value(s.acquire_p99_ms.filter(|v| v.is_finite())),
        }
    }

    /// The value a scale or a line places, for either kind of reading: a
    /// share's observed fraction, or the value.
    pub(crate) fn value(self, p: &PointSummary) -> Option<f64> {
        match self.read(p) {
            Reading::Share { interval, .. } => interval.map(|i| i.share),
            Reading::Value(v) => v,
        }
    }
}

/// One map of a sweep, ready to save at `path` or inline into a page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Map {
    /// Relative to the sweep directory, `/`-separated (`plots/cache-corrupted.svg`).
    pub path: String,
    pub title: String,
    pub svg: String,
}

impl Map {
    /// The file name without directory and `.svg`: the page's figure id.
    pub fn file_stem(&self) -> &str {
        let name = self.path.rsplit('/').next().unwrap_or(&self.path);
        name.strip_suffix(".svg").unwrap_or(name)
    }
}

/// Every map of `report`, in the order the page shows them (see the module docs).
pub fn maps(report: &SweepReport) -> Vec<Map> {
    let path = |stem: &str| format!("{DIR}/{stem}.svg");
    match &report.axes[..] {
        [_] => Metric::ALL
            .iter()
            .map(|&m| Map {
                path: path(m.file_stem()),
                title: lines::title(report, m),
                svg: lines::lines_svg(report, m),
            })
            .collect(),
        [_, _] => {
            let slugs = slugs(report.designs.iter().map(|d| d.label.as_str()));
            let mut out = Vec::new();
            for (d, slug) in slugs.iter().enumerate() {
                for &m in &Metric::ALL {
                    out.push(Map {
                        path: path(&format!("{slug}-{}", m.file_stem())),
                        title: heatmap::title(report, d, m),
                        svg: heatmap::heatmap_svg(report, d, m),
                    });
                }
            }
            out
        }
        _ => Vec::new(),
    }
}

/// File-safe names for `labels`, in their order: lowercase ASCII letters and
/// digits, every other run of characters one `-`, none at either end
/// (`design` if nothing is left). A name already taken gets `-2`, `-3`...
/// so two labels that differ only in punctuation or case keep apart.
pub fn slugs<'a>(labels: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for label in labels {
        let mut slug = String::new();
        for c in label.chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c.to_ascii_lowercase());
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
        let base = match slug.trim_end_matches('-') {
            "" => "design".to_string(),
            s => s.to_string(),
        };
        let mut unique = base.clone();
        let mut n = 1;
        while out.contains(&unique) {
            n += 1;
            unique = format!("{base}-{n}");
        }
        out.push(unique);
    }
    out
}
