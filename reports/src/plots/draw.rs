//! What the charts share in drawing: fonts in pixels, the palette, the
//! colour of a share of failed seeds, percentages, the chart that only says
//! why there is nothing to draw, row labels and legends. The sweep's maps
//! ([`crate::sweep`]) draw with the same helpers, so a share looks the same
//! on every page.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::svg::PALETTE;

/// Plotters' SVG backend writes `font-size = size / 1.24`; ask for pixels.
pub(crate) fn font(px: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::SansSerif, px * 1.24, FontStyle::Normal)
}

pub(crate) fn bold(px: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::SansSerif, px * 1.24, FontStyle::Bold)
}

pub(crate) fn text_style(font: FontDesc<'static>, h: HPos) -> TextStyle<'static> {
    TextStyle::from(font).pos(Pos::new(h, VPos::Center))
}

pub(crate) fn color(i: usize) -> RGBColor {
    let (r, g, b) = PALETTE[i % PALETTE.len()];
    RGBColor(r, g, b)
}

/// The fill of a share of seeds that failed: pale green when none did (a
/// clean point stands out as clean, whatever the seed count), otherwise red,
/// stronger with the share (square root, so a few failed seeds already show).
pub(crate) fn share_fill(failed: u64, share: f64) -> RGBColor {
    if failed == 0 {
        CLEAN
    } else {
        mix((253, 226, 222), (214, 96, 77), share.sqrt())
    }
}

/// The fill of a share with no failed seed.
pub(crate) const CLEAN: RGBColor = RGBColor(226, 242, 228);

/// The colour `t` of the way from `a` to `b` (`t` clamped to `[0, 1]`).
pub(crate) fn mix(a: (u8, u8, u8), b: (u8, u8, u8), t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let m = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * t).round() as u8;
    RGBColor(m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
}

/// A share as a percentage: `0%` and `100%` exact, one decimal otherwise.
pub(crate) fn percent(x: f64) -> String {
    let p = 100.0 * x;
    if p == 0.0 || p == 100.0 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

/// A latency in ms or s, without trailing zeros (`40 ms`, `2.5 s`).
pub(crate) fn format_ms(v: f64) -> String {
    if v >= 1000.0 {
        format!("{} s", trim_number(v / 1000.0))
    } else {
        format!("{} ms", trim_number(v))
    }
}

fn trim_number(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A rate or a ratio with three significant digits or so (`0.20`, `12.5`, `400`).
pub(crate) fn format_value(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

pub(crate) fn message_svg(title: &str, message: &str) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (480, 80)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let _ = root.draw(&Text::new(title.to_string(), (10, 20), text_style(bold(14.0), HPos::Left)));
        let _ = root.draw(&Text::new(message.to_string(), (10, 50), text_style(font(12.0), HPos::Left)));
        let _ = root.present();
    }
    svg
}

/// A row's label, right-aligned left of the plot at chart height `y`.
pub(super) fn row_label<DB: DrawingBackend, X: Ranged>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    chart: &ChartContext<DB, Cartesian2d<X, plotters::coord::types::RangedCoordf64>>,
    label: &str,
    y: f64,
) {
    let (px, py) = chart.backend_coord(&(chart.x_range().start, y));
    let _ = root.draw(&Text::new(label.to_string(), (px - 8, py), text_style(font(12.0), HPos::Right)));
}

pub(crate) fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    heading: &str,
    entries: impl Iterator<Item = (String, RGBColor)>,
) {
    let _ = area.draw(&Text::new(heading.to_string(), (8, 44), text_style(bold(12.0), HPos::Left)));
    for (i, (name, c)) in entries.enumerate() {
        let y = 64 + 18 * i as i32;
        let _ = area.draw(&Rectangle::new([(8, y - 5), (20, y + 5)], c.filled()));
        let _ = area.draw(&Text::new(name, (26, y), text_style(font(12.0), HPos::Left)));
    }
}
