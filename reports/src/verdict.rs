//! The answer a comparison leads with: in each scenario (and workload, when
//! several ran), which designs kept the resource correct in every seed, which
//! did not, and what the correct ones cost.
//!
//! Promise: [`verdicts`] groups the cells by (scenario, workload) in the
//! order the groups first appear, and classes each design of a group:
//! *clean* (no seed with a corrupted effect nor an exclusion overlap),
//! *overlap only* (no corrupted effect, but clients overlapped: the resource
//! stayed correct, a weaker finding than a corrupted write), *corrupted* (at
//! least one seed with a corrupted effect), or *not run* (no seed yet). A
//! design that kept the resource correct (clean or overlap only) is costed
//! against the group's *cheapest* one: the design that kept the resource
//! correct with the highest throughput (the first in cell order on a tie).
//! A cost is a ratio of this design's figure to the cheapest one's; it is
//! unknown, never infinite, when either figure is unknown or the cheapest
//! one's is zero. Shares of seeds are given with their 95% Wilson interval.
//!
//! [`GroupVerdict::lines`] says the verdict in sentences, one per design;
//! `report.md` and `report.html` ([`crate::markdown`], [`crate::html`]) and
//! the terminal ([`plain_text`]) only add their own markup, so they say the
//! same thing.

use crate::cell::CellReport;
use crate::wilson::{percent, wilson};

/// What every rendering of the verdicts says first: the words it uses.
pub const PREAMBLE: &str = "Correct: no seed with a corrupted effect on the protected resource. \
Shares of seeds come with their 95% Wilson interval. \
Each design that kept the resource correct is costed against the cheapest one in its scenario \
(the one with the highest throughput): its throughput (acquisitions / sim s), \
p99 acquire latency and messages per acquisition, as multiples of the cheapest one's.";

/// How a design fared in every seed of one scenario and workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// No seed with a corrupted effect and none with an exclusion overlap.
    Clean,
    /// No seed with a corrupted effect, but some with an exclusion overlap.
    OverlapOnly,
    /// At least one seed with a corrupted effect.
    Corrupted,
    /// No seed ran (an interrupted comparison): nothing to say.
    NotRun,
}

impl Class {
    /// The class of `cell`'s seeds.
    pub fn of(cell: &CellReport) -> Class {
        let s = &cell.summary;
        if s.seeds == 0 {
            Class::NotRun
        } else if s.unsafe_seeds > 0 {
            Class::Corrupted
        } else if s.overlap_seeds > 0 {
            Class::OverlapOnly
        } else {
            Class::Clean
        }
    }

    /// No seed with a corrupted effect, in at least one seed run.
    pub fn kept_correct(self) -> bool {
        matches!(self, Class::Clean | Class::OverlapOnly)
    }
}

/// A design's figures over the cheapest correct design's of its group, as
/// ratios (`Some(2.0)`: twice as much); `None` when not comparable.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cost {
    /// Acquisitions per simulated second (higher is better).
    pub throughput: Option<f64>,
    /// p99 acquire latency (lower is better).
    pub p99: Option<f64>,
    /// Messages per acquisition (lower is better).
    pub messages: Option<f64>,
}

/// One design in one group.
#[derive(Clone, Debug, PartialEq)]
pub struct DesignVerdict {
    /// The cell's design name, with its parameters if the user set any.
    pub design: String,
    pub class: Class,
    pub seeds: usize,
    /// Seeds with a corrupted effect.
    pub corrupted_seeds: usize,
    /// Seeds with an exclusion overlap.
    pub overlap_seeds: usize,
    /// Acquisitions per simulated second.
    pub throughput: f64,
    pub p99_ms: Option<f64>,
    pub messages_per_acquisition: Option<f64>,
    /// Against the group's cheapest correct design (that design itself has
    /// ratios of 1); `None` for a design that did not keep the resource correct.
    pub cost: Option<Cost>,
}

/// The verdict on one scenario and workload.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupVerdict {
    pub scenario: String,
    pub workload: String,
    /// The scenario, or "scenario / workload" when the cells ran several workloads.
    pub label: String,
    /// The cheapest correct design first, then the others that kept the
    /// resource correct, those with overlaps only, the corrupted ones and
    /// those not run; each kind in cell order.
    pub designs: Vec<DesignVerdict>,
    /// Whether `designs[0]` is the cheapest design that kept the resource
    /// correct (false: none did).
    pub has_cheapest: bool,
}

/// The verdict on each (scenario, workload) of `cells`, in first-seen order.
pub fn verdicts(cells: &[CellReport]) -> Vec<GroupVerdict> {
    let several_workloads = cells.iter().any(|c| c.workload != cells[0].workload);
    let mut groups: Vec<GroupVerdict> = Vec::new();
    for cell in cells {
        let design = design_verdict(cell);
        match groups.iter_mut().find(|g| g.scenario == cell.scenario && g.workload == cell.workload) {
            Some(group) => group.designs.push(design),
            None => groups.push(GroupVerdict {
                scenario: cell.scenario.clone(),
                workload: cell.workload.clone(),
                label: if several_workloads {
                    format!("{} / {}", cell.scenario, cell.workload)
                } else {
                    cell.scenario.clone()
                },
                designs: vec![design],
                has_cheapest: false,
            }),
        }
    }
    for group in &mut groups {
        cost_against_cheapest(group);
    }
    groups
}

fn design_verdict(cell: &CellReport) -> DesignVerdict {
    let s = &cell.summary;
    DesignVerdict {
        design: cell.algorithm.clone(),
        class: Class::of(cell),
        seeds: s.seeds,
        corrupted_seeds: s.unsafe_seeds,
        overlap_seeds: s.overlap_seeds,
        throughput: s.throughput,
        p99_ms: s.acquire_p99_ms,
        messages_per_acquisition: s.messages_per_acquisition,
        cost: None,
    }
}

/// Find the group's cheapest correct design, cost the others that kept the
/// resource correct against it, and order the designs as [`GroupVerdict::designs`] says.
fn cost_against_cheapest(group: &mut GroupVerdict) {
    // Strictly greater: on a tie the first in cell order stays the cheapest.
    let cheapest = group.designs.iter().enumerate().filter(|(_, d)| d.class.kept_correct()).fold(
        None,
        |best: Option<(usize, f64)>, (i, d)| match best {
            Some((_, t)) if d.throughput <= t => best,
            _ => Some((i, d.throughput)),
        },
    );
    let Some((cheapest, _)) = cheapest else { return };
    let reference = group.designs[cheapest].clone();
    for d in group.designs.iter_mut().filter(|d| d.class.kept_correct()) {
        d.cost = Some(Cost {
            throughput: ratio(Some(d.throughput), Some(reference.throughput)),
            p99: ratio(d.p99_ms, reference.p99_ms),
            messages: ratio(d.messages_per_acquisition, reference.messages_per_acquisition),
        });
    }
    let first = group.designs.remove(cheapest);
    group.designs.sort_by_key(|d| d.class); // stable: cell order within a class
    group.designs.insert(0, first);
    group.has_cheapest = true;
}

/// `value / of`, unless either is unknown or not a positive finite reference.
fn ratio(value: Option<f64>, of: Option<f64>) -> Option<f64> {
    match (value, of) {
        (Some(v), Some(o)) if o > 0.0 && o.is_finite() && v.is_finite() => Some(v / o),
        _ => None,
    }
}

/// A ratio as the verdict writes it: "2.1x", "0.80x", "12x".
pub fn times(r: f64) -> String {
    if r == 0.0 {
        "0x".into()
    } else if r >= 9.95 {
        format!("{r:.0}x")
    } else if r >= 0.995 {
        format!("{r:.1}x")
    } else if r >= 0.01 {
        format!("{r:.2}x")
    } else {
        "<0.01x".into()
    }
}

/// "8 of 50 seeds (16.0%, 8.3–28.5%)": a count of seeds, its share and its
/// 95% Wilson interval.
pub fn share_of_seeds(k: usize, n: usize) -> String {
    match wilson(k as u64, n as u64) {
        Some(i) => format!("{k} of {n} seeds ({}, {})", percent(i.share), i.range_text()),
        None => format!("{k} of {n} seeds"),
    }
}

impl GroupVerdict {
    /// How many designs kept the resource correct in every seed.
    pub fn kept_correct(&self) -> usize {
        self.designs.iter().filter(|d| d.class.kept_correct()).count()
    }

    /// The verdict in sentences: first, if no design kept the resource
    /// correct, a line saying so; then one line per design, in
    /// [`GroupVerdict::designs`] order.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if !self.has_cheapest && self.designs.iter().any(|d| d.class != Class::NotRun) {
            lines.push("No design kept the resource correct in every seed.".to_string());
        }
        let cheapest = self.has_cheapest.then(|| &self.designs[0]);
        for (i, d) in self.designs.iter().enumerate() {
            let line = match d.class {
                Class::NotRun => format!("{}: no seed ran.", d.design),
                Class::Corrupted => {
                    format!("{}: corrupted in {}.", d.design, share_of_seeds(d.corrupted_seeds, d.seeds))
                }
                Class::Clean | Class::OverlapOnly => {
                    let bound = wilson(0, d.seeds as u64)
                        .map_or(String::new(), |i| format!(" (corrupted share below {} at 95%)", percent(i.high)));
                    let overlap = if d.class == Class::OverlapOnly {
                        format!(
                            ", but its clients overlapped in {}, without a corrupted effect (a weaker finding)",
                            share_of_seeds(d.overlap_seeds, d.seeds)
                        )
                    } else {
                        String::new()
                    };
                    let cost = match (i, cheapest, d.cost) {
                        (0, Some(_), _) if self.kept_correct() == 1 => {
                            format!("; the only correct design here: {}", figures(d))
                        }
                        (0, Some(_), _) => format!("; the cheapest correct design here: {}", figures(d)),
                        (_, Some(c), Some(cost)) => format!("; {}", costs(&cost, c)),
                        _ => String::new(),
                    };
                    format!("{}: correct in all {} seeds{bound}{overlap}{cost}.", d.design, d.seeds)
                }
            };
            lines.push(line);
        }
        lines
    }
}

/// The cheapest design's own figures: "12.3 acquisitions / sim s, p99 acquire 45.0 ms, 6.0 messages / acquisition".
fn figures(d: &DesignVerdict) -> String {
    let p99 = d.p99_ms.map_or("p99 acquire unknown".into(), |ms| format!("p99 acquire {ms:.1} ms"));
    let messages = d
        .messages_per_acquisition
        .map_or("messages / acquisition unknown".into(), |m| format!("{m:.1} messages / acquisition"));
    format!("{:.1} acquisitions / sim s, {p99}, {messages}", d.throughput)
}

/// "0.80x the throughput of cache, 2.1x the p99 acquire latency, 3.4x the
/// messages per acquisition", each "not comparable" when unknown.
fn costs(cost: &Cost, cheapest: &DesignVerdict) -> String {
    let name = &cheapest.design;
    let throughput = cost.throughput.map_or_else(
        || format!("throughput not comparable ({:.1} for {name})", cheapest.throughput),
        |r| format!("{} the throughput of {name}", times(r)),
    );
    let p99 = cost
        .p99
        .map_or("p99 acquire latency not comparable".into(), |r| format!("{} the p99 acquire latency", times(r)));
    let messages = cost.messages.map_or("messages per acquisition not comparable".into(), |r| {
        format!("{} the messages per acquisition", times(r))
    });
    format!("{throughput}, {p99}, {messages}")
}

/// Every group's verdict as plain text, for a terminal: the group's label
/// and a colon, then each of [`GroupVerdict::lines`] indented with "  - ".
pub fn plain_text(groups: &[GroupVerdict]) -> Vec<String> {
    let mut out = Vec::new();
    for group in groups {
        out.push(format!("{}:", group.label));
        out.extend(group.lines().into_iter().map(|l| format!("  - {l}")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plots::tests::cell;

    /// A cell of `scenario` with the figures the verdict reads.
    fn costed(
        design: &str,
        scenario: &str,
        corrupted: u64,
        throughput: f64,
        p99: Option<f64>,
        messages: Option<f64>,
    ) -> CellReport {
        let mut c = cell(design, scenario, 0, corrupted);
        c.summary.throughput = throughput;
        c.summary.acquire_p99_ms = p99;
        c.summary.messages_per_acquisition = messages;
        c
    }

    fn classes(group: &GroupVerdict) -> Vec<(&str, Class)> {
        group.designs.iter().map(|d| (d.design.as_str(), d.class)).collect()
    }

    #[test]
    fn designs_are_clean_overlap_only_corrupted_or_not_run() {
        let mut not_run = cell("redlock", "gc-pause", 0, 0);
        not_run.summary = crate::plots::tests::summary(0, 0, 0, 0, 0);
        let cells = vec![
            cell("cache", "gc-pause", 7, 3),
            cell("database", "gc-pause", 2, 0),
            not_run,
            cell("lease-fencing", "gc-pause", 0, 0),
        ];
        let groups = verdicts(&cells);
        assert_eq!(groups.len(), 1);
        // Same figures: the first correct one in cell order is the cheapest, and leads.
        assert_eq!(
            classes(&groups[0]),
            vec![
                ("database", Class::OverlapOnly),
                ("lease-fencing", Class::Clean),
                ("cache", Class::Corrupted),
                ("redlock", Class::NotRun),
            ]
        );
        assert!(groups[0].has_cheapest);
        let lines = groups[0].lines();
        assert_eq!(lines.len(), 4, "{lines:?}");
        assert!(
            lines[0].starts_with(
                "database: correct in all 20 seeds (corrupted share below 16.1% at 95%), but its clients overlapped in \
                 2 of 20 seeds (10.0%, 2.8–30.1%), without a corrupted effect (a weaker finding); the cheapest correct design here: "
            ),
            "{lines:?}"
        );
        assert!(lines[1].starts_with("lease-fencing: correct in all 20 seeds (corrupted share below 16.1% at 95%); 1.0x the throughput of database"), "{lines:?}");
        assert_eq!(lines[2], "cache: corrupted in 3 of 20 seeds (15.0%, 5.2–36.0%).");
        assert_eq!(lines[3], "redlock: no seed ran.");
        assert_eq!(groups[0].designs[2].cost, None, "a corrupted design is not costed");
    }

    #[test]
    fn shares_come_with_their_wilson_interval() {
        assert_eq!(share_of_seeds(8, 50), "8 of 50 seeds (16.0%, 8.3–28.5%)");
        assert_eq!(share_of_seeds(0, 50), "0 of 50 seeds (0.0%, 0.0–7.1%)");
        assert_eq!(share_of_seeds(0, 0), "0 of 0 seeds");
    }

    #[test]
    fn correct_designs_are_costed_against_the_one_with_the_highest_throughput() {
        let only = verdicts(&[cell("cache", "gc-pause", 0, 0), cell("redlock", "gc-pause", 0, 1)]);
        assert!(
            only[0].lines()[0].contains("; the only correct design here: 0.2 acquisitions / sim s"),
            "{:?}",
            only[0].lines()
        );
        let cells = vec![
            costed("lease-fencing", "gc-pause", 0, 8.0, Some(10.5), Some(13.6)),
            costed("redlock", "gc-pause", 2, 50.0, Some(1.0), Some(1.0)),
            costed("cache", "gc-pause", 0, 10.0, Some(5.0), Some(4.0)),
        ];
        let group = &verdicts(&cells)[0];
        // The corrupted redlock is faster, but only correct designs count.
        assert_eq!(group.designs[0].design, "cache");
        assert_eq!(group.designs[0].cost, Some(Cost { throughput: Some(1.0), p99: Some(1.0), messages: Some(1.0) }));
        let lease = group.designs[1].cost.unwrap();
        assert!((lease.throughput.unwrap() - 0.8).abs() < 1e-9 && (lease.p99.unwrap() - 2.1).abs() < 1e-9);
        assert!((lease.messages.unwrap() - 3.4).abs() < 1e-9);
        let lines = group.lines();
        assert_eq!(
            lines[0],
            "cache: correct in all 20 seeds (corrupted share below 16.1% at 95%); the cheapest correct design here: \
             10.0 acquisitions / sim s, p99 acquire 5.0 ms, 4.0 messages / acquisition."
        );
        assert_eq!(
            lines[1],
            "lease-fencing: correct in all 20 seeds (corrupted share below 16.1% at 95%); 0.80x the throughput of cache, \
             2.1x the p99 acquire latency, 3.4x the messages per acquisition."
        );
        assert!(lines[2].starts_with("redlock: corrupted in 2 of 20 seeds"));
    }

    #[test]
    fn when_no_design_kept_the_resource_correct_it_says_so_and_costs_nothing() {
        let cells = vec![cell("cache", "gc-pause", 7, 3), cell("redlock", "gc-pause", 1, 1)];
        let group = &verdicts(&cells)[0];
        assert!(!group.has_cheapest);
        assert!(group.designs.iter().all(|d| d.cost.is_none()));
        let lines = group.lines();
        assert_eq!(lines[0], "No design kept the resource correct in every seed.");
        assert_eq!(lines[1], "cache: corrupted in 3 of 20 seeds (15.0%, 5.2–36.0%).");
        assert_eq!(lines[2], "redlock: corrupted in 1 of 20 seeds (5.0%, 0.9–23.6%).");
    }

    #[test]
    fn zero_throughput_and_missing_figures_are_not_comparable_never_divided() {
        // Every correct design acquired nothing: nothing to divide by.
        let idle = vec![
            costed("cache", "partition", 0, 0.0, None, None),
            costed("lease-fencing", "partition", 0, 0.0, None, None),
        ];
        let group = &verdicts(&idle)[0];
        assert_eq!(group.designs[1].cost, Some(Cost { throughput: None, p99: None, messages: None }));
        let lines = group.lines();
        assert!(
            lines[0].ends_with(
                "the cheapest correct design here: 0.0 acquisitions / sim s, p99 acquire unknown, messages / acquisition unknown."
            ),
            "{lines:?}"
        );
        assert!(
            lines[1].ends_with(
                "; throughput not comparable (0.0 for cache), p99 acquire latency not comparable, \
                 messages per acquisition not comparable."
            ),
            "{lines:?}"
        );
        // A design that acquired nothing against one that did: zero times, and its unknown p99 is said.
        let cells = vec![
            costed("cache", "partition", 0, 4.0, Some(2.0), Some(3.0)),
            costed("lease-fencing", "partition", 0, 0.0, None, Some(3.0)),
        ];
        let lines = verdicts(&cells)[0].lines();
        assert!(
            lines[1].ends_with(
                "; 0x the throughput of cache, p99 acquire latency not comparable, 1.0x the messages per acquisition."
            ),
            "{lines:?}"
        );
        for line in verdicts(&idle)[0].lines().into_iter().chain(lines) {
            assert!(!line.contains("inf") && !line.contains("NaN"), "{line}");
        }
    }

    #[test]
    fn ratios_keep_two_significant_digits() {
        assert_eq!(times(0.0), "0x");
        assert_eq!(times(0.004), "<0.01x");
        assert_eq!(times(0.8), "0.80x");
        assert_eq!(times(0.996), "1.0x");
        assert_eq!(times(2.14), "2.1x");
        assert_eq!(times(9.96), "10x");
        assert_eq!(times(123.4), "123x");
    }

    #[test]
    fn groups_are_scenarios_or_scenario_and_workload_in_first_seen_order() {
        let one_workload =
            vec![cell("cache", "none", 0, 0), cell("cache", "gc-pause", 7, 3), cell("lease-fencing", "none", 0, 0)];
        let groups = verdicts(&one_workload);
        let labels: Vec<&str> = groups.iter().map(|g| g.label.as_str()).collect();
        assert_eq!(labels, ["none", "gc-pause"]);
        assert_eq!(groups[0].designs.len(), 2);
        let mut two = one_workload.clone();
        two[2].workload = "counter".into();
        let labels: Vec<String> = verdicts(&two).into_iter().map(|g| g.label).collect();
        assert_eq!(labels, ["none / inventory", "gc-pause / inventory", "none / counter"]);
        assert!(verdicts(&[]).is_empty());
    }

    #[test]
    fn plain_text_is_each_label_then_its_lines() {
        let cells = vec![cell("cache", "gc-pause", 7, 3)];
        assert_eq!(
            plain_text(&verdicts(&cells)),
            [
                "gc-pause:",
                "  - No design kept the resource correct in every seed.",
                "  - cache: corrupted in 3 of 20 seeds (15.0%, 5.2–36.0%).",
            ]
        );
    }
}
