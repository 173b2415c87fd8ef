//! The safety matrix: design x scenario, per cell the share of seeds with
//! an exclusion overlap and with a corrupted effect, each with its 95% Wilson
//! interval drawn as a bar and written as numbers.

use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

use super::draw::{bold, font, message_svg, percent, share_fill, text_style};
use super::grid::Grid;
use crate::cell::CellReport;
use crate::svg::text_width;
use crate::wilson::{wilson, Interval};

const CELL_W: i32 = 168;
const HALF_H: i32 = 34;

/// Design x scenario grid: per cell, overlap (top) and corrupted effect
/// (bottom): "k/n", the share, and a bar for its 95% Wilson interval.
pub fn safety_matrix_svg(cells: &[CellReport]) -> String {
    const TITLE: &str = "Safety: seeds with an exclusion overlap (top) and a corrupted effect (bottom)";
    if cells.is_empty() {
        return message_svg(TITLE, "no cells");
    }
    let grid = Grid::of(cells);
    let label_w = grid.designs.iter().map(|d| text_width(d, 13.0)).fold(60.0, f64::max) as i32 + 20;
    let col_w = grid.columns.iter().map(|c| text_width(c, 12.0) as i32 + 12).fold(CELL_W, i32::max);
    let (top, legend_h) = (64, 30);
    let width = (label_w + col_w * grid.columns.len() as i32 + 20).max(text_width(TITLE, 14.0) as i32 + 30);
    let height = top + 2 * HALF_H * grid.designs.len() as i32 + legend_h + 10;

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width as u32, height as u32)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let _ = root.draw(&Text::new(TITLE, (10, 18), text_style(bold(14.0), HPos::Left)));
        for (j, column) in grid.columns.iter().enumerate() {
            let x = label_w + col_w * j as i32 + col_w / 2;
            let _ = root.draw(&Text::new(column.clone(), (x, top - 14), text_style(bold(12.0), HPos::Center)));
        }
        for (i, design) in grid.designs.iter().enumerate() {
            let y = top + 2 * HALF_H * i as i32;
            let _ = root.draw(&Text::new(design.clone(), (10, y + HALF_H), text_style(bold(13.0), HPos::Left)));
            for (j, column) in grid.columns.iter().enumerate() {
                let x = label_w + col_w * j as i32;
                match grid.find(cells, design, column) {
                    Some(c) => {
                        let s = &c.summary;
                        let n = s.seeds as u64;
                        draw_half(&root, (x, y), col_w, "overlap", s.overlap_seeds as u64, n);
                        draw_half(&root, (x, y + HALF_H), col_w, "corrupted", s.unsafe_seeds as u64, n);
                    }
                    None => {
                        let area = [(x, y), (x + col_w, y + 2 * HALF_H)];
                        let _ = root.draw(&Rectangle::new(area, RGBColor(240, 240, 240).filled()));
                        let at = (x + col_w / 2, y + HALF_H);
                        let _ = root.draw(&Text::new("not run", at, text_style(font(11.0), HPos::Center)));
                    }
                }
                let frame = [(x, y), (x + col_w, y + 2 * HALF_H)];
                let _ = root.draw(&Rectangle::new(frame, RGBColor(160, 160, 160)));
            }
        }
        let legend = "Bar: 0-100% of seeds; dark span: 95% Wilson interval; tick: observed share. \
                      Green: no seed failed.";
        let at = (10, height - legend_h / 2 - 4);
        let _ = root.draw(&Text::new(legend, at, text_style(font(11.0), HPos::Left)));
        let _ = root.present();
    }
    svg
}

/// One half of a matrix cell: label, k/n and share, and the interval bar.
fn draw_half<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    (x, y): (i32, i32),
    w: i32,
    what: &str,
    k: u64,
    n: u64,
) {
    let Some(Interval { share, low, high }) = wilson(k, n) else {
        let at = (x + w / 2, y + HALF_H / 2);
        let _ = root.draw(&Text::new("no seeds", at, text_style(font(11.0), HPos::Center)));
        return;
    };
    let _ = root.draw(&Rectangle::new([(x, y), (x + w, y + HALF_H)], share_fill(k, share).filled()));
    let text = format!("{what} {} ({k}/{n})", percent(share));
    let _ = root.draw(&Text::new(text, (x + 8, y + 11), text_style(font(11.0), HPos::Left)));
    // The interval bar: a track for 0-100%, the interval on it, a tick at the share.
    let (bx, by, bw) = (x + 8, y + 24, w - 88);
    let px = |v: f64| bx + (v * bw as f64).round() as i32;
    let _ = root.draw(&Rectangle::new([(bx, by - 1), (bx + bw, by + 1)], RGBColor(150, 150, 150).filled()));
    let _ = root.draw(&Rectangle::new([(px(low), by - 3), (px(high).max(px(low) + 1), by + 3)], BLACK.filled()));
    let _ = root.draw(&PathElement::new(vec![(px(share), by - 6), (px(share), by + 6)], BLACK.stroke_width(2)));
    let range = format!("{}-{}", percent(low), percent(high));
    let _ = root.draw(&Text::new(range, (bx + bw + 6, by), text_style(font(10.0), HPos::Left)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plots::tests::{sample, texts};

    #[test]
    fn safety_matrix_shows_counts_shares_and_wilson_bounds() {
        let texts = texts(&safety_matrix_svg(&sample()));
        let has = |s: &str| texts.iter().any(|t| t == s);
        // 7 of 20: 35.0%, Wilson 95% [18.1%, 56.7%].
        assert!(has("overlap 35.0% (7/20)"), "{texts:?}");
        assert!(has("18.1%-56.7%"), "{texts:?}");
        assert!(has("corrupted 0% (0/20)"));
        assert!(has("0%-16.1%"), "0 of 20 still leaves up to 16.1%");
    }
}
