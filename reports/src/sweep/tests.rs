//! The maps' and the sweep page's tests, over small sweeps built from run
//! records (so they follow sim's `Summary`).

use sim::metrics::LatencyHistogram;
use sim::record::RunRecord;

use super::heatmap::heatmap_svg;
use super::html::html;
use super::lines::lines_svg;
use super::maps::{maps, slugs, Metric};
use super::page::{boundary_sentences, markdown};
use super::{AxisInfo, DesignMap, PointSummary, SweepReport};
use crate::plots::draw::CLEAN;
use crate::plots::tests::{assert_valid_svg, texts};
use crate::svg::escape;

const SEEDS: u64 = 20;

/// A point at `coords` over 20 seeds: `corrupted` and `overlap` of them
/// failed, and each seed acquired `acquired` times, `ms` each (none: no
/// acquisition, so no latency).
fn point(coords: &[i64], corrupted: u64, overlap: u64, acquired: u64, ms: u64) -> PointSummary {
    let records: Vec<RunRecord> = (0..SEEDS)
        .map(|seed| {
            let latencies: LatencyHistogram = (0..acquired).map(|_| ms * 1_000_000).collect();
            RunRecord {
                seed,
                sim_seconds: 10.0,
                corrupted: usize::from(seed < corrupted),
                overlaps: usize::from(seed < overlap),
                acquired,
                acquire_latency_histogram: latencies.encode(),
                ..RunRecord::default()
            }
        })
        .collect();
    PointSummary::new(coords.to_vec(), &records, |seed| format!("locksim replay --seed {seed}"))
}

fn axis(name: &str, values: &[i64], log: bool) -> AxisInfo {
    AxisInfo { name: name.into(), values: values.to_vec(), log }
}

/// ttl_ms x pause_ms, 3 x 3. "cache" corrupts from pause 1000 at ttl 1000
/// (7 of 20 there), from 4000 at ttl 4000, never at ttl 16000; its top
/// corner never acquired. "Lease & fencing" never corrupts.
fn two_axes() -> SweepReport {
    let (ttls, pauses) = ([1000, 4000, 16000], [250, 1000, 4000]);
    let cache_corrupted = [[0, 7, 20], [0, 0, 3], [0, 0, 0]];
    let mut cache = Vec::new();
    let mut fenced = Vec::new();
    for (ix, &ttl) in ttls.iter().enumerate() {
        for (iy, &pause) in pauses.iter().enumerate() {
            let acquired = if (ix, iy) == (0, 2) { 0 } else { 4 * (ix as u64 + 1) };
            cache.push(point(&[ttl, pause], cache_corrupted[ix][iy], cache_corrupted[ix][iy], acquired, 5 << iy));
            fenced.push(point(&[ttl, pause], 0, iy as u64, 2, 40));
        }
    }
    SweepReport {
        title: "Sweep <ttl x pause>".into(),
        base: "scenario gc-pause, workload inventory, 20 s".into(),
        axes: vec![axis("ttl_ms", &ttls, true), axis("pause_ms", &pauses, true)],
        designs: vec![
            DesignMap { label: "cache".into(), points: cache },
            DesignMap { label: "Lease & fencing".into(), points: fenced },
        ],
        seeds: SEEDS as usize,
    }
}

/// One axis, pause_ms over 4 values, and three designs.
fn one_axis(log: bool) -> SweepReport {
    let pauses = [250, 1000, 4000, 16000];
    let design = |label: &str, corrupted: [u64; 4]| DesignMap {
        label: label.into(),
        points: pauses.iter().zip(corrupted).map(|(&p, k)| point(&[p], k, k, 3, 10)).collect(),
    };
    SweepReport {
        title: String::new(),
        base: "scenario gc-pause".into(),
        axes: vec![axis("pause_ms", &pauses, log)],
        designs: vec![design("cache", [0, 2, 9, 20]), design("lease", [0, 0, 1, 4]), design("fenced", [0, 0, 0, 0])],
        seeds: SEEDS as usize,
    }
}

/// Valid, and nothing in it runs or fetches anything.
fn assert_self_contained_svg(svg: &str) {
    assert_valid_svg(svg);
    for forbidden in ["<script", "href", "<image", "url(", "@import"] {
        assert!(!svg.contains(forbidden), "found {forbidden}");
    }
}

/// The `<polyline>`s drawn as the safe-region boundary.
fn boundary_lines(svg: &str) -> Vec<&str> {
    svg.split('<').filter(|e| e.starts_with("polyline") && e.contains("stroke-width=\"3\"")).collect()
}

/// The fill of the last rectangle drawn before the text `text`: its cell.
fn fill_behind(svg: &str, text: &str) -> String {
    let at = svg.find(&format!(">\n{text}\n</text>")).unwrap_or_else(|| panic!("no text {text}"));
    let rect = &svg[svg[..at].rfind("<rect").unwrap()..];
    let fill = rect.split("fill=\"").nth(1).unwrap();
    fill.split('"').next().unwrap().to_uppercase()
}

fn hex(c: plotters::style::RGBColor) -> String {
    crate::svg::hex((c.0, c.1, c.2)).to_uppercase()
}

#[test]
fn every_map_is_a_self_contained_svg_at_a_stable_path() {
    let report = two_axes();
    let all = maps(&report);
    let paths: Vec<&str> = all.iter().map(|m| m.path.as_str()).collect();
    let expected: Vec<String> = ["cache", "lease-fencing"]
        .iter()
        .flat_map(|slug| ["corrupted", "overlap", "throughput", "p99"].map(|m| format!("plots/{slug}-{m}.svg")))
        .collect();
    assert_eq!(paths, expected);
    for map in &all {
        assert_self_contained_svg(&map.svg);
        assert!(!map.title.is_empty());
    }
    assert_eq!(all[0].file_stem(), "cache-corrupted");
    let lines = maps(&one_axis(true));
    let paths: Vec<&str> = lines.iter().map(|m| m.path.as_str()).collect();
    assert_eq!(paths, ["plots/corrupted.svg", "plots/overlap.svg", "plots/throughput.svg", "plots/p99.svg"]);
    for map in lines.iter().chain(&maps(&one_axis(false))) {
        assert_self_contained_svg(&map.svg);
    }
    // Rendering depends on the numbers only.
    assert_eq!(maps(&two_axes()), all);
    assert_eq!(maps(&one_axis(true)), lines);
}

#[test]
fn slugs_are_file_safe_and_unique() {
    let labels = ["Cache", "cache!", "Lease & fencing (v2)", "", "--", "cache-2", "é"];
    assert_eq!(slugs(labels), ["cache", "cache-2", "lease-fencing-v2", "design", "design-2", "cache-2-2", "design-3"]);
}

#[test]
fn a_share_cell_shows_its_count_and_wilson_interval_and_a_clean_cell_is_green() {
    let report = two_axes();
    let svg = heatmap_svg(&report, 0, Metric::Corrupted);
    let texts = texts(&svg);
    let has = |s: &str| texts.iter().any(|t| t == s);
    // 7 of 20: Wilson 95% [18.1%, 56.7%]; 0 of 20: up to 16.1%.
    assert!(has("7/20") && has("18.1%–56.7%"), "{texts:?}");
    assert!(has("0/20") && has("0%–16.1%"), "{texts:?}");
    assert!(has("20/20") && has("83.9%–100%"), "{texts:?}");
    assert_eq!(fill_behind(&svg, "0/20"), hex(CLEAN), "a clean cell is green");
    assert_ne!(fill_behind(&svg, "7/20"), hex(CLEAN));
    // Axis values are the labels, lowest pause at the bottom.
    for label in ["ttl_ms", "pause_ms", "1000", "16000", "250"] {
        assert!(has(label), "lacks {label}");
    }
    let y_of = |label: &str| svg.split("<text").find(|t| t.contains(&format!(">\n{label}\n"))).map(|t| t.to_string());
    let y = |t: String| -> i32 { t.split("y=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap() };
    assert!(y(y_of("250").unwrap()) > y(y_of("4000").unwrap()), "250 is drawn below 4000");
    // The caption says what the boundary promises.
    assert!(texts.join(" ").contains("0/20 ⇒ below 16.1% at 95%"), "{texts:?}");
}

#[test]
fn the_boundary_is_drawn_where_a_column_corrupts_and_only_there() {
    let report = two_axes();
    let svg = heatmap_svg(&report, 0, Metric::Corrupted);
    let [line] = boundary_lines(&svg)[..] else { panic!("one boundary line: {svg}") };
    // Two corners per column: across each column at the top of its clean cells.
    let points = line.split("points=\"").nth(1).unwrap().split('"').next().unwrap();
    let corners: Vec<(i32, i32)> = points
        .split_whitespace()
        .map(|p| {
            let (x, y) = p.split_once(',').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect();
    assert_eq!(corners.len(), 6, "{points}");
    let heights: Vec<i32> = corners.iter().step_by(2).map(|c| c.1).collect();
    // ttl 1000: one clean cell; ttl 4000: two; ttl 16000: all three (the top of the grid).
    assert!(heights[0] > heights[1] && heights[1] > heights[2], "{heights:?}");
    assert_eq!(heights[0] - heights[1], heights[1] - heights[2], "one cell each step");
    // A design that never corrupted, and the overlap map, have no boundary.
    assert!(boundary_lines(&heatmap_svg(&report, 1, Metric::Corrupted)).is_empty());
    assert!(boundary_lines(&heatmap_svg(&report, 0, Metric::Overlap)).is_empty());
}

#[test]
fn value_maps_write_their_values_and_grey_out_what_was_not_measured() {
    let report = two_axes();
    let throughput = texts(&heatmap_svg(&report, 0, Metric::Throughput));
    // Every seed acquired 4 times in 10 simulated seconds at ttl 1000.
    assert!(throughput.contains(&"0.40".to_string()), "{throughput:?}");
    let svg = heatmap_svg(&report, 0, Metric::P99);
    let texts = texts(&svg);
    // 5 and 20 ms, as the latency histogram keeps them (within about 3%), to three digits.
    assert!(texts.contains(&"5.06 ms".to_string()) && texts.contains(&"20.2 ms".to_string()), "{texts:?}");
    // The corner that never acquired: no latency.
    assert_eq!(fill_behind(&svg, "–"), "#E1E1E1");
    assert_self_contained_svg(&svg);
}

#[test]
fn a_one_axis_chart_has_a_band_per_design_on_share_charts() {
    for log in [true, false] {
        let report = one_axis(log);
        for metric in Metric::ALL {
            let svg = lines_svg(&report, metric);
            let bands = svg.matches("<polygon").count();
            let expected = if matches!(metric, Metric::Corrupted | Metric::Overlap) { 3 } else { 0 };
            assert_eq!(bands, expected, "{metric:?}");
            let texts = texts(&svg);
            for label in ["cache", "lease", "fenced", "pause_ms", "250", "16000"] {
                assert!(texts.iter().any(|t| t == label), "{metric:?} lacks {label}: {texts:?}");
            }
            assert_eq!(svg.matches("<circle").count(), 3 * 4, "a dot per design and point");
        }
    }
    // On a log axis the gaps follow the values (x4 each: equal); by index they are equal too,
    // so check a log axis with uneven factors.
    let mut report = one_axis(true);
    report.axes[0].values = vec![1, 10, 100, 10000];
    for d in &mut report.designs {
        for (p, v) in d.points.iter_mut().zip([1, 10, 100, 10000]) {
            p.coords = vec![v];
        }
    }
    let svg = lines_svg(&report, Metric::Throughput);
    let x_of = |label: &str| -> i32 {
        let t = svg.split("<text").find(|t| t.contains(&format!(">\n{label}\n"))).unwrap();
        t.split("x=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap()
    };
    let (a, b, c) = (x_of("10") - x_of("1"), x_of("100") - x_of("10"), x_of("10000") - x_of("100"));
    assert!((a - b).abs() <= 1 && (c - 2 * b).abs() <= 2, "{a} {b} {c}");
}

#[test]
fn the_page_is_self_contained_and_holds_every_map_in_its_figure() {
    for report in [two_axes(), one_axis(true)] {
        let page = html(&report);
        assert!(page.starts_with("<!DOCTYPE html>") && page.trim_end().ends_with("</html>"));
        for forbidden in ["<script", "<link", "@import", "url(", "src="] {
            assert!(!page.contains(forbidden), "found {forbidden}");
        }
        assert_eq!(page.matches("http").count(), page.matches("http://www.w3.org/2000/svg").count());
        let all = maps(&report);
        for map in &all {
            let figure = format!("<figure id=\"{}\">\n{}\n<figcaption>", map.file_stem(), map.svg.trim_end());
            assert!(page.contains(&figure), "{} not inline in its figure", map.path);
        }
        assert_eq!(page.matches("<svg").count(), all.len());
        assert_eq!(page.matches("<figure").count(), all.len());
        // The boundary in the same words as report.md.
        let md = markdown(&report);
        for design in &report.designs {
            for sentence in boundary_sentences(&report, design) {
                assert!(md.contains(&format!("- {sentence}\n")), "{sentence}");
                assert!(page.contains(&format!("<li>{}</li>", escape(&sentence))), "{sentence}");
            }
        }
        assert_eq!(html(&report), page, "the same page twice");
    }
    let page = html(&two_axes());
    assert!(page.contains("<h1>Sweep &lt;ttl x pause&gt;</h1>"), "title escaped");
    assert!(page.contains("<h3>Lease &amp; fencing</h3>"));
    assert!(page.contains("axes ttl_ms (3 values) x pause_ms (3 values); 20 seeds per point"));
    assert!(markdown(&two_axes()).contains("axes `ttl_ms` (3 values) x `pause_ms` (3 values); 20 seeds per point"));
}
