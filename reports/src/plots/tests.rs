//! The charts' tests, and the cells and SVG checks the other modules'
//! tests share ([`cell`], [`assert_valid_svg`]).

use super::*;
use crate::LatencyProfile;
use sim::metrics::LatencyHistogram;
use sim::record::{RunRecord, Summary};

/// A summary built through `Summary::of`, so these tests follow sim's fields.
pub(crate) fn summary(seeds: u64, overlap_seeds: u64, unsafe_seeds: u64, acquired: u64, messages: u64) -> Summary {
    let records: Vec<RunRecord> = (0..seeds)
        .map(|seed| {
            let first = seed == 0;
            let latencies: LatencyHistogram = (1..=acquired).filter(|_| first).map(|i| i * 1_000_000).collect();
            RunRecord {
                seed,
                sim_seconds: 10.0,
                overlaps: usize::from(seed < overlap_seeds),
                corrupted: usize::from(seed < unsafe_seeds),
                acquired: if first { acquired } else { 0 },
                messages: if first { messages } else { 0 },
                acquire_latency_histogram: latencies.encode(),
                ..RunRecord::default()
            }
        })
        .collect();
    Summary::of(&records)
}

pub(crate) fn cell(algorithm: &str, scenario: &str, overlap: u64, corrupted: u64) -> CellReport {
    CellReport {
        algorithm: algorithm.into(),
        scenario: scenario.into(),
        workload: "inventory".into(),
        summary: summary(20, overlap, corrupted, 40, 400),
        first_violation: None,
        latency: LatencyProfile { quantiles_ms: vec![(0.5, 2.0), (0.9, 5.0), (0.99, 40.0), (1.0, 2500.0)] },
    }
}

pub(crate) fn sample() -> Vec<CellReport> {
    vec![
        cell("cache", "none", 0, 0),
        cell("cache", "gc-pause", 7, 3),
        cell("lease-fencing", "none", 0, 0),
        cell("lease-fencing", "gc-pause", 6, 0),
    ]
}

/// Structural validity: one root element with the SVG namespace, tags
/// balanced, no unescaped ampersands.
pub(crate) fn assert_valid_svg(svg: &str) {
    assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(80)]);
    assert!(svg.contains(r#"xmlns="http://www.w3.org/2000/svg""#));
    assert!(svg.trim_end().ends_with("</svg>"));
    let mut stack: Vec<String> = Vec::new();
    let mut rest = svg;
    while let Some(open) = rest.find('<') {
        let close = rest[open..].find('>').expect("unterminated tag") + open;
        let tag = &rest[open + 1..close];
        let name: String = tag.trim_start_matches('/').chars().take_while(|c| c.is_alphanumeric()).collect();
        if tag.starts_with('/') {
            assert_eq!(stack.pop().as_deref(), Some(name.as_str()), "mismatched </{name}>");
        } else if !tag.ends_with('/') {
            stack.push(name);
        }
        rest = &rest[close + 1..];
    }
    assert!(stack.is_empty(), "unclosed {stack:?}");
    for (i, _) in svg.match_indices('&') {
        let entity = &svg[i..svg.len().min(i + 6)];
        assert!(["&amp;", "&lt;", "&gt;", "&quot;", "&#"].iter().any(|e| entity.starts_with(e)), "{entity}");
    }
}

/// The content of every `<text>` element, trimmed (plotters puts it on its own line).
pub(crate) fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| Some(t.split_once('>')?.1.split("</text>").next()?.trim().to_string()))
        .collect()
}

#[test]
fn every_plot_is_valid_svg_with_its_labels() {
    let cells = sample();
    let plots = all(&cells);
    assert_eq!(plots.iter().map(|p| p.file_stem).collect::<Vec<_>>(), ["safety", "throughput", "latency", "messages"]);
    for p in &plots {
        assert_valid_svg(&p.svg);
        let texts = texts(&p.svg);
        assert!(texts.iter().any(|t| t.contains("lease-fencing")), "{} lacks a design label", p.file_stem);
        assert!(texts.iter().any(|t| t.contains("gc-pause")), "{} lacks a scenario label", p.file_stem);
    }
    for p in all(&[]) {
        assert_valid_svg(&p.svg);
    }
}
