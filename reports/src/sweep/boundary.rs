//! The safe-region boundary: for each value of the first axis, the largest
//! value of the second below which no seed corrupted the resource (with one
//! axis, the largest value of that axis). It reads a column upwards and
//! stops at the first point with a corrupted seed, so "safe up to 4000"
//! means every point up to 4000 was clean in every seed; the Wilson upper
//! bound there says how rare a corruption could still be and go unseen
//! (0 of 20 seeds: below 16.1%). A column clean again above its first
//! failure is flagged: the map is not monotone there, read it whole.

use super::{AxisInfo, PointSummary};
use crate::wilson::Interval;

#[derive(Clone, Debug, PartialEq)]
pub struct BoundaryRow {
    /// The first axis's value (none with one axis).
    pub x: Option<i64>,
    /// The last value before the first corrupted point (none: the first point already corrupts).
    pub safe_up_to: Option<i64>,
    /// Seeds at that point, and the upper 95% bound of its corrupted share.
    pub seeds: usize,
    pub corrupted_high: Option<f64>,
    /// The first value with a corrupted seed (none: the whole column is clean).
    pub first_unsafe: Option<i64>,
    pub first_unsafe_share: Option<Interval>,
    pub first_unsafe_seeds: usize,
    /// A point above the first unsafe one is clean again.
    pub clean_again_above: bool,
}

/// One row per value of the first axis (one row in all for one axis).
/// `points` are x-major, as the grid numbers them.
pub fn boundary(axes: &[AxisInfo], points: &[PointSummary]) -> Vec<BoundaryRow> {
    match axes {
        [_] => vec![column(None, points.iter().collect())],
        [x, y] => x
            .values
            .iter()
            .enumerate()
            .map(|(ix, &vx)| column(Some(vx), points[ix * y.values.len()..(ix + 1) * y.values.len()].iter().collect()))
            .collect(),
        _ => Vec::new(),
    }
}

/// `points` in ascending order of the value the boundary is read along.
fn column(x: Option<i64>, points: Vec<&PointSummary>) -> BoundaryRow {
    let along = |p: &PointSummary| *p.coords.last().expect("a point has coordinates");
    let first_unsafe = points.iter().position(|p| p.summary.unsafe_seeds > 0);
    let safe = match first_unsafe {
        Some(0) => None,
        Some(i) => Some(points[i - 1]),
        None => points.last().copied(),
    };
    let unsafe_point = first_unsafe.map(|i| points[i]);
    BoundaryRow {
        x,
        safe_up_to: safe.map(along),
        seeds: safe.map_or(0, |p| p.summary.seeds),
        corrupted_high: safe.and_then(|p| p.corrupted()).map(|i| i.high),
        first_unsafe: unsafe_point.map(along),
        first_unsafe_share: unsafe_point.and_then(|p| p.corrupted()),
        first_unsafe_seeds: unsafe_point.map_or(0, |p| p.summary.unsafe_seeds),
        clean_again_above: first_unsafe.is_some_and(|i| points[i + 1..].iter().any(|p| p.summary.unsafe_seeds == 0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::record::RunRecord;

    /// A point at `coords` whose seeds corrupted as `corrupted` says.
    fn point(coords: &[i64], corrupted: &[bool]) -> PointSummary {
        let records: Vec<RunRecord> = corrupted
            .iter()
            .enumerate()
            .map(|(seed, &c)| RunRecord { seed: seed as u64, corrupted: c as usize, ..RunRecord::default() })
            .collect();
        PointSummary::new(coords.to_vec(), &records, |seed| format!("replay {seed}"))
    }

    fn axis(name: &str, values: &[i64]) -> AxisInfo {
        AxisInfo { name: name.into(), values: values.to_vec(), log: false }
    }

    const CLEAN: &[bool] = &[false; 20];

    #[test]
    fn a_monotone_column_is_safe_up_to_the_last_clean_value() {
        let mut bad = [false; 20];
        bad[3] = true;
        let points = vec![point(&[100], CLEAN), point(&[200], CLEAN), point(&[400], &bad), point(&[800], &[true; 20])];
        let [row] = &boundary(&[axis("pause_ms", &[100, 200, 400, 800])], &points)[..] else { panic!() };
        assert_eq!((row.x, row.safe_up_to, row.first_unsafe, row.first_unsafe_seeds), (None, Some(200), Some(400), 1));
        // 0 of 20: the share could still be up to 16.1% unseen.
        assert!((row.corrupted_high.unwrap() - 0.161).abs() < 0.001, "{:?}", row.corrupted_high);
        assert!(!row.clean_again_above);
        assert_eq!(points[2].replay, "replay 3");
    }

    #[test]
    fn all_clean_dirty_at_the_bottom_and_non_monotone_columns() {
        let axes = [axis("ttl_ms", &[1000, 4000]), axis("pause_ms", &[250, 2000, 6000])];
        let points = vec![
            point(&[1000, 250], &[true]),
            point(&[1000, 2000], &[false]),
            point(&[1000, 6000], &[true]),
            point(&[4000, 250], CLEAN),
            point(&[4000, 2000], CLEAN),
            point(&[4000, 6000], CLEAN),
        ];
        let rows = boundary(&axes, &points);
        assert_eq!((rows[0].x, rows[0].safe_up_to, rows[0].first_unsafe), (Some(1000), None, Some(250)));
        assert!(rows[0].clean_again_above, "clean at 2000 above a failure at 250");
        assert_eq!((rows[1].safe_up_to, rows[1].first_unsafe, rows[1].seeds), (Some(6000), None, 20));
        assert!(!rows[1].clean_again_above);
    }
}
