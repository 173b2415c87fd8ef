//! Wilson score interval (95%) for a share of seeds.
//!
//! Promise: [`wilson`] returns the interval `[low, high]` that contains the
//! true proportion behind `k` successes out of `n` trials with 95% confidence,
//! always within `[0, 1]`, containing `k / n`, and `None` when `n` is 0
//! (nothing was measured). Wilson rather than the textbook `p ± z·se` because
//! the interesting cells are at the edges: "0 of 200 seeds overlapped" must
//! still say "up to 1.9%", not "exactly 0%".

/// The two-sided 95% normal quantile.
const Z95: f64 = 1.959_963_984_540_054;

/// A proportion and its 95% Wilson score interval, all in `[0, 1]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    /// The observed share `k / n`.
    pub share: f64,
    pub low: f64,
    pub high: f64,
}

impl Interval {
    /// The interval as reports write it: "8.3–28.5%".
    pub fn range_text(&self) -> String {
        format!("{:.1}–{}", 100.0 * self.low, percent(self.high))
    }
}

/// A share as reports write it: "16.0%".
pub fn percent(share: f64) -> String {
    format!("{:.1}%", 100.0 * share)
}

/// The 95% Wilson score interval for `k` successes out of `n`; `None` if `n == 0`.
pub fn wilson(k: u64, n: u64) -> Option<Interval> {
    if n == 0 {
        return None;
    }
    let k = k.min(n);
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let z2 = Z95 * Z95;
    let denominator = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denominator;
    let margin = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    // At k = 0 or k = n the bound is exactly 0 or 1 mathematically; rounding
    // can leave it a hair outside (or a hair short of the share itself).
    Some(Interval { share: p, low: (center - margin).clamp(0.0, p), high: (center + margin).clamp(p, 1.0) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(interval: Interval, low: f64, high: f64) {
        assert!((interval.low - low).abs() < 5e-5, "low {} vs {low}", interval.low);
        assert!((interval.high - high).abs() < 5e-5, "high {} vs {high}", interval.high);
    }

    #[test]
    fn matches_published_values() {
        // Newcombe (1998), "Two-sided confidence intervals for the single
        // proportion", example 81/263: 0.2553 to 0.3662.
        close(wilson(81, 263).unwrap(), 0.2553, 0.3662);
        close(wilson(1, 10).unwrap(), 0.0179, 0.4042);
        close(wilson(5, 10).unwrap(), 0.2366, 0.7634);
        close(wilson(3, 200).unwrap(), 0.0051, 0.0432);
    }

    #[test]
    fn edges_are_exact_and_not_degenerate() {
        let none = wilson(0, 10).unwrap();
        assert_eq!(none.low, 0.0);
        close(none, 0.0, 0.2775);
        let all = wilson(10, 10).unwrap();
        assert_eq!(all.high, 1.0);
        close(all, 0.7225, 1.0);
        assert_eq!(wilson(0, 0), None);
    }

    #[test]
    fn always_contains_the_share_and_narrows_with_more_seeds() {
        for n in 1..60u64 {
            for k in 0..=n {
                let i = wilson(k, n).unwrap();
                assert!(0.0 <= i.low && i.low <= i.share && i.share <= i.high && i.high <= 1.0, "{k}/{n}: {i:?}");
            }
        }
        let small = wilson(5, 50).unwrap();
        let large = wilson(50, 500).unwrap();
        assert!(large.high - large.low < small.high - small.low);
    }
}
